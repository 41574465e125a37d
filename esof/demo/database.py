"""Whole-database helpers for the demo command: is it empty, empty it, digest it."""
from __future__ import annotations

import hashlib
import re
from typing import Any

import sqlalchemy as sa

import esof.models  # noqa: F401  every area's tables
from esof.extensions import db

# Rows a fresh, migrated database already holds (the registration settings singleton).
PRESEEDED_TABLES = frozenset({"conference_settings"})
# Columns that differ between two runs with the same seed, by design: argon2 salts every
# hash at random; the demo marker is the load moment, and without --historic the categories'
# closing and early-bird dates and the call's closing follow the load day. (Publications,
# once stamped with the real time, are dated in 2022 by the demo now; they stay listed for
# older data sets.)
VOLATILE_COLUMNS = frozenset({
    ("user_account", "password_hash"),
    ("audit_log", "created_at"),
    ("schedule_version", "published_at"),
    ("published_session", "last_modified"),
    ("conference_settings", "demo_loaded_at"),
    ("registration_category", "closes_at"),
    ("registration_category", "early_deadline"),
    ("cfp_call", "closes_at"),  # without --historic, like the categories' closing
    ("voucher", "valid_until"),  # the early-career code ends with the early bird
    ("cancellation_policy", "full_refund_until"),
    ("cancellation_policy", "partial_refund_until"),
    ("outbox_message", "message_id"),  # a random Message-ID per mail
    # Surrogate ids of presence rows: PostgreSQL's INSERT … ON CONFLICT DO NOTHING takes a
    # sequence value even when it inserts nothing (a room entry by someone the venue already
    # counts), SQLite does not; the rows themselves (who, behind which door, since when) agree.
    ("door_presence", "id"),
})
# Parts of a column that differ between runs: an announcement's unsubscribe link is signed
# with the moment it was made (esof.tokens); the rest of the mail is compared.
MASKED_PARTS = {
    ("outbox_message", "body_text"): re.compile(r"/mail/unsubscribe/[\w.-]+"),
}


def tables() -> list[sa.Table]:
    return list(db.metadata.sorted_tables)


def non_empty_tables() -> list[str]:
    """Names of the tables that hold rows (the pre-seeded settings row does not count)."""
    found = []
    for table in tables():
        if table.name in PRESEEDED_TABLES:
            continue
        if db.session.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is not None:
            found.append(table.name)
    return found


def empty_database() -> None:
    """Delete every row of every table, children before parents; ids start at 1 again."""
    all_tables = tables()
    if db.session.get_bind().dialect.name == "postgresql":
        names = ", ".join(db.session.get_bind().dialect.identifier_preparer.quote(t.name) for t in all_tables)
        db.session.execute(sa.text(f"TRUNCATE TABLE {names} RESTART IDENTITY CASCADE"))
        return
    for table in reversed(all_tables):
        db.session.execute(table.delete())
    has_sequences = db.session.execute(
        sa.text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'")
    ).first()
    if has_sequences:
        db.session.execute(sa.text("DELETE FROM sqlite_sequence"))


def digest_database() -> str:
    """SHA-256 over every row of every table in primary-key order, volatile columns left out."""
    digest = hashlib.sha256()
    for table in sorted(tables(), key=lambda t: t.name):
        columns = [c for c in table.columns if (table.name, c.name) not in VOLATILE_COLUMNS]
        kept = {c.name for c in columns}
        # Without its id a table is ordered by all its columns, NULLs first on every backend.
        order: list[sa.ColumnElement[Any]] = [c for c in table.primary_key.columns if c.name in kept] or [
            sa.nullsfirst(c) for c in columns]
        digest.update(f"\n#{table.name}:{','.join(c.name for c in columns)}\n".encode())
        masks = {i: MASKED_PARTS[(table.name, c.name)] for i, c in enumerate(columns)
                 if (table.name, c.name) in MASKED_PARTS}
        for row in db.session.execute(sa.select(*columns).order_by(*order)):
            values = list(row)
            for i, pattern in masks.items():
                if isinstance(values[i], str):
                    values[i] = pattern.sub("/mail/unsubscribe/…", values[i])
            digest.update(repr(tuple(values)).encode())
            digest.update(b"\n")
    return digest.hexdigest()
