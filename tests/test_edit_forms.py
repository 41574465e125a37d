"""Every edit form of the demo, opened and saved unchanged, changes nothing in the database.

A form that cannot show a stored value (a select without the option, a date it renders in
another zone, a checkbox it forgets) silently rewrites data when an organiser saves it for
another reason; this walks each edit page as its owner would, posts back exactly what the
browser would send, and compares every table's rows before and after."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.datastructures import MultiDict

from esof.demo.database import tables
from esof.extensions import db
from tests.conftest import make_app
from tests.support import log_in
from tests.test_demo import run_demo

# Rows that saving a form may write without changing anything a person sees.
IGNORED_TABLES = frozenset({"audit_log", "login_attempt", "alembic_version"})
IGNORED_COLUMNS = frozenset({"updated_at", "last_modified", "modified_at"})
# The header's forms on every page: the language switch and logging out.
SITE_WIDE_FORMS = ("/language", "/account/logout")


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


def edit_form(html: str) -> tuple[str, list[tuple[str, str]]]:
    """The page's main form (the POST form with the most fields, not the language switch or a
    delete button): its action and what a browser would send."""
    reader = FormReader()
    reader.feed(html)
    forms = [
        (action, fields) for action, fields in reader.forms
        if any(n == "csrf_token" for n, _v in fields) and not action.startswith(SITE_WIDE_FORMS)
    ]
    assert forms, "the page has no form to save"
    return max(forms, key=lambda form: len(form[1]))


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


@pytest.fixture(scope="module")
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


# Who edits (a demo login, or SQL giving the editor's email), the page, and SQL giving the id
# in it. Each row is a form a person of the demo can open today.
ORGANISER = "organiser@example.org"
EDIT_PAGES = {
    "venue": (ORGANISER, "/organiser/venues/{}/edit", "SELECT min(id) FROM venue"),
    "room (workshop layout)": (
        ORGANISER, "/organiser/venues/rooms/{}/edit", "SELECT min(id) FROM room WHERE layout = 'workshop'"),
    "room (streaming)": (ORGANISER, "/organiser/venues/rooms/{}/edit", "SELECT min(id) FROM room WHERE streaming"),
    "track": (ORGANISER, "/programme/organiser/tracks/{}/edit", "SELECT min(id) FROM track"),
    "session": (ORGANISER, "/programme/organiser/sessions/{}", "SELECT min(id) FROM programme_session"),
    "person": (ORGANISER, "/programme/organiser/people/{}", "SELECT min(id) FROM person"),
    "registration category": (
        ORGANISER, "/registration/organiser/categories/{}/edit", "SELECT min(id) FROM registration_category"),
    "registration settings": (ORGANISER, "/registration/organiser/settings", None),
    "call for sessions": (ORGANISER, "/cfp/organiser/call", None),
    "side event (organiser)": (
        ORGANISER, "/calendar/events/{}/edit", "SELECT min(id) FROM side_event WHERE state = 'approved'"),
    "side event (its partner)": (
        "SELECT u.email FROM user_account u JOIN partner_membership m ON m.user_id = u.id JOIN side_event e"
        " ON e.organisation_id = m.organisation_id WHERE e.id = (SELECT min(id) FROM side_event"
        " WHERE state = 'approved' AND organisation_id IS NOT NULL)",
        "/calendar/events/{}/edit",
        "SELECT min(id) FROM side_event WHERE state = 'approved' AND organisation_id IS NOT NULL"),
    "own registration": (
        "SELECT u.email FROM user_account u JOIN registration r ON r.user_id = u.id"
        " WHERE r.id = (SELECT min(id) FROM registration WHERE status = 'confirmed')",
        "/registration/{}/edit", "SELECT min(id) FROM registration WHERE status = 'confirmed'"),
    "own account": ("delegate1@example.org", "/account/", None),
    "own proposal": (
        "SELECT u.email FROM user_account u JOIN cfp_proposal p ON p.submitter_id = u.id"
        " WHERE p.id = (SELECT min(id) FROM cfp_proposal WHERE state IN ('draft', 'submitted'))",
        "/cfp/proposals/{}/edit", "SELECT min(id) FROM cfp_proposal WHERE state IN ('draft', 'submitted')"),
    "speaker profile": ("speaker1@example.org", "/speaker/", None),
}


@pytest.mark.parametrize("page", EDIT_PAGES, ids=list(EDIT_PAGES))
def test_saving_an_edit_form_unchanged_changes_nothing(demo_app: Flask, page: str) -> None:
    editor, url, find = EDIT_PAGES[page]
    if find is not None:
        url = url.format(first_id(find))
    if editor.startswith("SELECT"):
        editor = str(db.session.scalar(sa.text(editor)))
        db.session.remove()
    client = demo_app.test_client()
    log_in(client, editor)
    shown = client.get(url)
    assert shown.status_code == 200, (url, shown.status_code)
    action, fields = edit_form(shown.get_data(as_text=True))
    before = snapshot()

    saved = client.post(action or url, data=MultiDict(fields))

    # A form that refuses its own values is as wrong as one that rewrites them.
    assert saved.status_code in (302, 303), (url, saved.status_code, saved.get_data(as_text=True)[:3000])
    rewritten = changes(before, snapshot())
    assert rewritten == {}, f"saving {url} unchanged rewrote data: {rewritten}"


def test_a_room_keeps_a_layout_the_list_does_not_name(demo_app: Flask) -> None:
    room_id = first_id("SELECT min(id) FROM room")
    db.session.execute(sa.text("UPDATE room SET layout = 'banquet' WHERE id = :id"), {"id": room_id})
    db.session.commit()
    client = demo_app.test_client()
    log_in(client, ORGANISER)
    html = client.get(f"/organiser/venues/rooms/{room_id}/edit").get_data(as_text=True)
    _action, fields = edit_form(html)
    assert ("layout", "banquet") in fields

    assert client.post(f"/organiser/venues/rooms/{room_id}/edit", data=MultiDict(fields)).status_code == 302
    assert db.session.scalar(sa.text("SELECT layout FROM room WHERE id = :id"), {"id": room_id}) == "banquet"
