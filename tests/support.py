"""Helpers shared by the tests: services, forms with CSRF, query counting, migrations."""
from __future__ import annotations

import contextvars
import os
import re
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask.globals import _cv_app
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

IN_CI = os.environ.get("CI", "").lower() == "true"
REPO_ROOT = Path(__file__).resolve().parents[1]
POSTGRES_ADMIN_URL = os.environ.get(
    "ESOF_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_TEST_URL = os.environ.get("ESOF_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
DEMO_PASSWORD = "correct horse battery"


def postgres_url_for(database: str) -> str:
    parts = sa.engine.make_url(POSTGRES_ADMIN_URL)
    return parts.set(database=database).render_as_string(hide_password=False)


def _reachable(url: str) -> bool:
    parts = urlsplit(url.replace("+psycopg", ""))
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=2):
            return True
    except OSError:
        return False


def require_service(name: str, url: str) -> None:
    """Skip with a reason when a service is missing; in CI, fail instead."""
    if _reachable(url):
        return
    message = f"{name} is not reachable at {url}"
    if IN_CI:
        pytest.fail(f"{message} (required because CI=true)")
    pytest.skip(f"{message}; set CI=true to make this a failure")


def run_migrations(database_url: str, config: dict[str, Any]) -> None:
    from flask_migrate import upgrade

    from esof import create_app
    from esof.extensions import db

    app = create_app({**config, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        # 'heads': areas may add migration branches that are merged later.
        upgrade(revision="heads")
        db.engine.dispose()


CSRF_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1) or match.group(2)


def submit_form(
    client: FlaskClient, url: str, data: dict[str, Any], *, page: str | None = None, **kwargs: Any
) -> TestResponse:
    """GET the page (or `page`) for its CSRF token, then POST the form like a browser."""
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_token_from(html), **data}, **kwargs)


def log_in(client: FlaskClient, email: str, password: str = DEMO_PASSWORD) -> TestResponse:
    response = submit_form(client, "/account/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


class QueryCounter:
    """Counts SQL statements sent through an engine while active."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append(statement)

    def __enter__(self) -> QueryCounter:
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._record)

    @property
    def count(self) -> int:
        return len(self.statements)

    def reset(self) -> None:
        self.statements.clear()


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own application context, as on a server.

    The `app` fixture keeps one application context open for the whole test, and Flask reuses
    an open context for requests. Then `g` is shared by all requests of a test: Flask-Login's
    cached user, Flask-WTF's cached CSRF token and Flask-Babel's cached locale leak from one
    request (or one client) into the next. Use with `app.test_client_class = IsolatedClient`;
    the requests then also use their own database session, so commit test data first.
    """

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        def in_fresh_context() -> TestResponse:
            _cv_app.set(None)  # type: ignore[arg-type]  (no open context: the request makes its own)
            return super(IsolatedClient, self).open(*args, **kwargs)

        return contextvars.copy_context().run(in_fresh_context)
