"""Fixtures: an app per test on a fresh database made by the migrations.

SQLite: the migrations run once per test session into a template file that each test
copies. PostgreSQL: the same, as a template database each test clones. With CI=true the
PostgreSQL, Redis and browser suites are required: they fail instead of skipping.
"""
from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient

from esof import create_app
from esof.extensions import db, limiter
from tests.support import (
    POSTGRES_ADMIN_URL,
    QueryCounter,
    postgres_url_for,
    require_service,
    run_migrations,
)

# demo_database and demo_app: the small demo, for tests that walk the whole product.
pytest_plugins = ["tests.demo_world"]

IN_CI = os.environ.get("CI", "").lower() == "true"

BASE_TEST_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "ESOF_ENV": "testing",
    "SECRET_KEY": "test-secret-key-not-for-production",
    "PASSWORD_HASH_TIME_COST": 1,
    "PASSWORD_HASH_MEMORY_COST": 1024,
    "ESOF_BASE_URL": "http://esof.test",
    "MAIL_SERVER": None,
    "MAIL_SEND_INLINE": False,
    "RATELIMIT_STORAGE_URI": "memory://",
    "REDIS_URL": None,
}


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    from esof import i18n_catalogues

    for area in i18n_catalogues.all_areas():
        i18n_catalogues.compile_catalogue(area)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    run_migrations(f"sqlite:///{path}", BASE_TEST_CONFIG)
    return path


def make_app(database_url: str, **overrides: Any) -> Flask:
    # Flask-Limiter keeps its settings on the one module-level Limiter, and keeps default
    # limits once set: a test that sets RATELIMIT_DEFAULT or disables limits would leak
    # into every app built after it. Start each app from the same state.
    limiter.limit_manager.set_default_limits([])
    limiter.limit_manager.set_application_limits([])
    limiter.enabled = True
    application = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **overrides})

    # The fixtures keep one app context open for the whole test and Flask reuses it for every
    # request, so `g` (Flask-Login's user, the CSRF token, the locale) would leak from one
    # request or client into the next. On a server each request has its own; so here too.
    @application.teardown_request
    def forget_request_state(_exc: BaseException | None) -> None:
        g.__dict__.clear()

    return application


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module to change settings for its app."""
    return {}


@pytest.fixture
def app(sqlite_template: Path, tmp_path: Path, app_config: dict[str, Any]) -> Iterator[Flask]:
    database = tmp_path / "esof.sqlite"
    shutil.copyfile(sqlite_template, database)
    application = make_app(f"sqlite:///{database}", **app_config)
    application.instance_path = str(tmp_path / "instance")
    Path(application.instance_path).mkdir()
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    require_service("postgres", POSTGRES_ADMIN_URL)
    name = f"esof_tpl_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        run_migrations(postgres_url_for(name), BASE_TEST_CONFIG)
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def cloned_postgres_database(template: str) -> Iterator[str]:
    name = f"esof_t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield postgres_url_for(name)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_app(postgres_template: str, tmp_path: Path, app_config: dict[str, Any]) -> Iterator[Flask]:
    with cloned_postgres_database(postgres_template) as url:
        application = make_app(url, **app_config)
        application.instance_path = str(tmp_path / "instance")
        Path(application.instance_path).mkdir()
        with application.app_context():
            yield application
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_app(request: pytest.FixtureRequest) -> Flask:
    """The same test on SQLite and on PostgreSQL."""
    return request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def count_queries() -> Iterator[QueryCounter]:
    counter = QueryCounter(db.engine)
    with counter:
        yield counter
