"""Pooled PostgreSQL connections that the server closed (a restart, a fail-over, an
administrator) are replaced at checkout, so the next request works; and a healthy pool costs
no extra round trip per request (pool_pre_ping's SELECT 1 is gone)."""
from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import Flask

from esof import db_events
from esof.extensions import db
from tests.conftest import QueryCounter
from tests.support import POSTGRES_ADMIN_URL


def terminate_sessions_of(database: str) -> int:
    """Ends every session on the database and waits until they are gone, as after a restart
    (without the wait, the next request could race the server's goodbye message)."""
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        ended = conn.execute(sa.text(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) "
            "FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"),
            {"name": database}).scalar_one()
    admin.dispose()
    return ended


def test_connections_closed_by_the_server_are_replaced_before_the_next_request(pg_app: Flask) -> None:
    client = pg_app.test_client()
    assert client.get("/programme/").status_code == 200
    db.session.remove()  # the connection goes back to the pool, as after a request
    assert terminate_sessions_of(db.engine.url.database) >= 1
    for path in ("/programme/", "/calendar/", "/healthz"):
        assert client.get(path).status_code == 200, path


def test_a_healthy_pool_costs_no_ping(pg_app: Flask, count_queries: QueryCounter) -> None:
    client = pg_app.test_client()
    client.get("/healthz")
    count_queries.reset()
    client.get("/healthz")
    assert count_queries.statements == ["SELECT 1"]  # the health check's own, no ping before it


def test_only_a_long_idle_connection_is_pinged(pg_app: Flask, monkeypatch) -> None:
    pings: list[object] = []
    real_ping = db_events._ping
    monkeypatch.setattr(db_events, "_ping", lambda conn: (pings.append(conn), real_ping(conn)))
    client = pg_app.test_client()
    client.get("/healthz")
    db.session.remove()
    client.get("/healthz")
    assert pings == []  # just used: trusted
    db.session.remove()
    for record in list(db.engine.pool._pool.queue):  # age the idle connections
        record.info["idle_since"] -= db_events.IDLE_PING_SECONDS + 1
    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}
    assert len(pings) == 1


def test_a_pinged_autocommit_connection_stays_in_autocommit(pg_app: Flask) -> None:  # registers the pool events
    """The engine that creates and drops test databases runs in AUTOCOMMIT; after a ping it
    must still be able to run DROP DATABASE, which refuses to run inside a transaction."""
    name = f"esof_ping_{secrets.token_hex(4)}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        for record in list(admin.pool._pool.queue):
            record.info["idle_since"] -= db_events.IDLE_PING_SECONDS + 1
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}"')
            assert conn.exec_driver_sql(
                "SELECT count(*) FROM pg_database WHERE datname = %(name)s",
                {"name": name}).scalar_one() == 0
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()
