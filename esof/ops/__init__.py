"""Running the app in production: settings read from the environment by wsgi.py.

Everything here is chosen by environment variables (docs/DEPLOYMENT.md lists them), so one
code base runs on one machine with SQLite and on many app servers behind a load balancer.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

# Environment variable -> SQLAlchemy create_engine() option (all integers, in seconds where timed).
POOL_SETTINGS = {
    "DATABASE_POOL_SIZE": "pool_size",
    "DATABASE_MAX_OVERFLOW": "max_overflow",
    "DATABASE_POOL_RECYCLE": "pool_recycle",
    "DATABASE_POOL_TIMEOUT": "pool_timeout",
}


def engine_options_from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Connection-pool options for SQLAlchemy, from the environment.

    A connection that died (PostgreSQL restarted, a fail-over, a firewall dropping idle
    connections) is noticed at checkout and replaced (esof/db_events.py, cheaper than
    `pool_pre_ping`), so the app recovers without a restart. `DATABASE_CONNECT_TIMEOUT` bounds how long a new
    connection may take, so a database that is away answers 5xx quickly instead of
    tying up every worker.
    """
    options: dict[str, Any] = {}
    for variable, option in POOL_SETTINGS.items():
        value = environ.get(variable, "").strip()
        if value:
            options[option] = int(value)
    timeout = environ.get("DATABASE_CONNECT_TIMEOUT", "").strip()
    if timeout and environ.get("DATABASE_URL", "").startswith("postgres"):
        options["connect_args"] = {"connect_timeout": int(timeout)}
    return options


def production_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """Settings wsgi.py passes to create_app on top of config and environment."""
    return {"SQLALCHEMY_ENGINE_OPTIONS": engine_options_from_environment(environ)}


def trust_proxies(app: Flask, environ: Mapping[str, str]) -> Flask:
    """Behind ESOF_PROXY_HOPS reverse proxies (load balancer, nginx), take the client's
    address, scheme and host from their X-Forwarded-* headers.

    Without this every request seems to come from the load balancer: rate limits would
    count all visitors together and links would say http:// instead of https://. Only set
    it to the number of proxies that really sit in front: a client can forge the header.
    """
    hops = int(environ.get("ESOF_PROXY_HOPS", "0") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    return app
