"""Organiser home: every organiser tool in one place and the dashboard of charts."""
