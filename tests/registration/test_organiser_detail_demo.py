"""The organiser's registration correction on the demo: saved unchanged it changes nothing, for a
paid registration, one awaiting approval, a waiting one and an online one (a select that lacks the
stored category or country would silently move the person)."""
from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from tests.demo_world import changes, first_id, snapshot
from tests.support import log_in
from tests.test_edit_forms import ORGANISER, edit_form

REGISTRATIONS = {
    "paid": "SELECT min(id) FROM registration WHERE payment_status = 'paid' AND status = 'confirmed'",
    "awaiting approval": "SELECT min(id) FROM registration WHERE status = 'awaiting-approval'",
    "waiting": "SELECT min(id) FROM registration WHERE status = 'waitlisted'",
    "online": "SELECT min(id) FROM registration WHERE attendance = 'online' AND status = 'confirmed'",
}


@pytest.mark.parametrize("kind", REGISTRATIONS, ids=list(REGISTRATIONS))
def test_saving_the_correction_form_unchanged_changes_nothing(demo_app: Flask, kind: str) -> None:
    registration_id = first_id(REGISTRATIONS[kind])
    client = demo_app.test_client()
    log_in(client, ORGANISER)
    url = f"/registration/organiser/{registration_id}/edit"
    shown = client.get(url)
    assert shown.status_code == 200
    action, fields = edit_form(shown.get_data(as_text=True))
    before = snapshot()
    saved = client.post(action or url, data=MultiDict(fields))
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    assert "Nothing was changed." in client.get(saved.location).get_data(as_text=True)
    assert changes(before, snapshot()) == {}
