"""Admin area: people and their roles, log-in history, the audit log (admins only)."""
