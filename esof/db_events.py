"""Engine-level settings: SQLite kept honest (foreign keys on, WAL for concurrency), and dead
PostgreSQL connections noticed at checkout without a round trip on every request.
"""
from __future__ import annotations

import select
import sqlite3
import time
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


# A pooled connection idle for longer than this is pinged before use (a firewall or a
# fail-over may have dropped it silently); a busy one is trusted unless the server spoke.
IDLE_PING_SECONDS = 30.0


def _server_spoke(dbapi_connection: Any) -> bool:
    """Did the server send something to an idle connection? It only does so to say goodbye
    (a restart or fail-over ends every session with a FATAL message and closes the socket)."""
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


def _ping(dbapi_connection: Any) -> None:
    # Autocommit so the ping leaves no transaction open; an AUTOCOMMIT engine's connection
    # (the one that creates and drops databases) must get its own setting back.
    autocommit_before = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    try:
        dbapi_connection.execute("SELECT 1")
    finally:
        if not dbapi_connection.closed:
            dbapi_connection.autocommit = autocommit_before


def _check_postgresql_connection(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Replaces pool_pre_ping, which costs a round trip (SELECT 1) on every request.

    Raising DisconnectionError makes the pool drop this connection and hand out a fresh one."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        return
    idle_since = record.info.get("idle_since")
    if idle_since is None:  # just connected
        return
    try:
        if dbapi_connection.closed or _server_spoke(dbapi_connection):
            raise sa.exc.DisconnectionError("the server closed the connection")
        if time.monotonic() - idle_since > IDLE_PING_SECONDS:
            _ping(dbapi_connection)
    except sa.exc.DisconnectionError:
        raise
    except Exception as exc:  # any failure here means: do not use it
        raise sa.exc.DisconnectionError(str(exc)) from exc


def _mark_idle(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def register_database_events(app: Flask) -> None:
    # Listening on the Engine and Pool classes covers every engine Flask-SQLAlchemy creates later.
    for target, name, handler in ((sa.engine.Engine, "connect", _configure_sqlite),
                                  (sa.pool.Pool, "checkout", _check_postgresql_connection),
                                  (sa.pool.Pool, "checkin", _mark_idle)):
        if not sa.event.contains(target, name, handler):
            sa.event.listen(target, name, handler)
