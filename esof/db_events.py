"""Engine-level settings that keep SQLite honest: foreign keys on, WAL for concurrency."""
from __future__ import annotations

import sqlite3
from typing import Any

import sqlalchemy as sa
from flask import Flask


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def register_database_events(app: Flask) -> None:
    # Listening on the Engine class covers every engine Flask-SQLAlchemy creates later.
    if not sa.event.contains(sa.engine.Engine, "connect", _configure_sqlite):
        sa.event.listen(sa.engine.Engine, "connect", _configure_sqlite)
