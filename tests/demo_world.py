"""The small demo loaded once, as the people of the demo see it: a database to copy for each test,
the personas' logins, what a browser submits for a page's forms, and a digest of every table.

Tests that walk the whole product (the edit forms, the access matrix, CSRF, hostile input)
share these so that they agree on what "the demo" and "unchanged" mean."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from flask import Flask

from esof.demo.database import tables
from esof.extensions import db
from tests.conftest import make_app
from tests.test_demo import run_demo

if TYPE_CHECKING:
    from tests.security.world import SecurityApp, World

# Rows that saving a form may write without changing anything a person sees.
IGNORED_TABLES = frozenset({"audit_log", "login_attempt", "alembic_version"})
IGNORED_COLUMNS = frozenset({"updated_at", "last_modified", "modified_at"})


class FormReader(HTMLParser):
    """What a browser submits for each POST form: the successful controls and their values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self._fields: list[tuple[str, str]] | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._fields = []
            self.forms.append((a.get("action", ""), self._fields))
        if self._fields is None:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "reset", "file", "image"):
                self._fields.append((name, a.get("value", "")))
        elif tag == "select" and name and "disabled" not in a:
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self._fields.append((self._select, value))
                self._select_chosen = True
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._fields is None:
            return
        if tag == "select" and self._select is not None:
            if not self._select_chosen and self._select_first is not None:
                self._fields.append((self._select, self._select_first))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the one newline right after <textarea> (HTML parsing rules) and
            # sends every line break of the value as CR LF.
            text = "".join(self._text).replace("\r\n", "\n")
            text = text[1:] if text.startswith("\n") else text
            self._fields.append((self._textarea, text.replace("\n", "\r\n")))
            self._textarea = None
        elif tag == "form":
            self._fields = None


def snapshot() -> dict[str, list[tuple]]:
    rows = {}
    for table in tables():
        if table.name in IGNORED_TABLES:
            continue
        columns = [c for c in table.columns if c.name not in IGNORED_COLUMNS]
        order = list(table.primary_key.columns) or columns
        found = db.session.execute(sa.select(*columns).order_by(*order))
        rows[table.name] = [(tuple(c.name for c in columns),)] + [tuple(r) for r in found]
    db.session.remove()
    return rows


def changes(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> dict[str, list]:
    found = {}
    for name, rows in before.items():
        if rows != after[name]:
            old, new = set(map(repr, rows)), set(map(repr, after[name]))
            gone, added = old - new, new - old
            found[name] = [("before", r) for r in sorted(gone, key=repr)[:3]] + [
                ("after", r) for r in sorted(added, key=repr)[:3]]
    return found


@pytest.fixture(scope="session")
def demo_database(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    database = tmp_path_factory.mktemp("edit-forms") / "demo.sqlite"
    shutil.copyfile(sqlite_template, database)
    loader = make_app(f"sqlite:///{database}")
    with loader.app_context():
        result = run_demo(loader)
        assert result.exit_code == 0, result.output
        db.engine.dispose()
    return database


@pytest.fixture
def demo_app(demo_database: Path, tmp_path: Path) -> Iterator[Flask]:
    database = tmp_path / "demo.sqlite"
    shutil.copyfile(demo_database, database)
    application = make_app(f"sqlite:///{database}")
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def first_id(sql: str) -> int:
    value = db.session.scalar(sa.text(sql))
    db.session.remove()
    assert value is not None, sql
    return int(value)


# The demo's people, one per persona of docs/SECURITY.md: a fixed login, or SQL that finds one.
# Passwords are tests.support.DEMO_PASSWORD (run_demo sets it).
PERSONA_LOGINS: dict[str, str | None] = {
    "anonymous": None,
    "delegate": "delegate1@example.org",
    "other delegate": "delegate2@example.org",
    "speaker": "speaker1@example.org",
    "reviewer": "reviewer@example.org",
    "partner": "partner1@example.org",
    "other partner": "partner2@example.org",
    "checkin": "checkin@example.org",
    "organiser": "organiser@example.org",
    "admin": "admin@example.org",
}


# The whole-product security tests (tests/security): the demo with every persona logged in once
# and the mails' tokens made, and one app per test process on a copy of it.
@pytest.fixture(scope="session")
def security_world(demo_database: Path, tmp_path_factory: pytest.TempPathFactory) -> World:
    from tests.security.world import build_world

    return build_world(demo_database, tmp_path_factory.mktemp("security-world"))


@pytest.fixture(scope="session")
def security_app(security_world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecurityApp]:
    from tests.security.world import SecurityApp

    found = SecurityApp(security_world, tmp_path_factory.mktemp("security-app"))
    yield found
    with found.app.app_context():
        found.close()


@pytest.fixture
def security(security_app: SecurityApp) -> Iterator[SecurityApp]:
    """The process's security app, inside its app context for this one test."""
    with security_app.app.app_context():
        yield security_app
        db.session.remove()
