"""Forms whose page went out of date say so: an approval posted without the version it
approves, and a cancellation of an event someone cancelled meanwhile, answer with the page and
a message in it (found by the hostile-input tests: both answered with no message)."""
from __future__ import annotations

from flask.testing import FlaskClient

from esof.extensions import db
from esof.side_events.models import EventState, SideEvent
from tests.side_events.factories import make_event
from tests.support import csrf_token_from, log_in

EN = {"Accept-Language": "en"}


def test_an_approval_without_its_version_shows_the_review_again_with_a_message(
        client: FlaskClient, org, editor, organiser) -> None:
    event = make_event(org, editor)
    db.session.commit()
    log_in(client, organiser.email)
    token = csrf_token_from(client.get(f"/calendar/moderation/{event.id}", headers=EN).get_data(as_text=True))
    answer = client.post(f"/calendar/moderation/{event.id}/approve", headers=EN,
                         data={"csrf_token": token, "seen_revision_id": "x", "seen_version": ""})
    assert answer.status_code == 422
    assert "This page did not say which version you approve." in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SideEvent, event.id).state is not EventState.APPROVED


def test_cancelling_an_event_cancelled_meanwhile_says_why(client: FlaskClient, org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)
    db.session.commit()
    log_in(client, editor.email)
    form_page = client.get(f"/calendar/events/{event.id}/cancel", headers=EN).get_data(as_text=True)
    token = csrf_token_from(form_page)
    assert client.post(f"/calendar/events/{event.id}/cancel", headers=EN,
                       data={"csrf_token": token, "reason": "Rain"}).status_code == 302
    again = client.post(f"/calendar/events/{event.id}/cancel", headers=EN, data={"csrf_token": token, "reason": "Rain"})
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    assert 'class="error-summary"' in html and "This event is cancelled." in html
