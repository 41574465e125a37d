"""Every edit form of the demo, opened and saved unchanged, changes nothing in the database.

A form that cannot show a stored value (a select without the option, a date it renders in
another zone, a checkbox it forgets) silently rewrites data when an organiser saves it for
another reason; this walks each edit page as its owner would, posts back exactly what the
browser would send, and compares every table's rows before and after."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.datastructures import MultiDict

from esof.extensions import db
from tests.demo_world import FormReader, changes, first_id, snapshot
from tests.support import log_in

# The header's forms on every page: the language switch and logging out.
SITE_WIDE_FORMS = ("/language", "/account/logout")


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
