"""Cancelling and withdrawing over HTTP: the contract URL, who may, what the pages then show;
web-address inputs and the event's image."""
from __future__ import annotations

import re
from datetime import date, time

import sqlalchemy as sa
from flask.testing import FlaskClient

from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.side_events import services
from esof.side_events.models import EventState, SideEvent
from esof.side_events.recurrence import Frequency, Recurrence
from tests.side_events.factories import PartnerOrganisationFactory, make_editor, make_event
from tests.support import csrf_token_from, log_in, submit_form

EN = {"Accept-Language": "en"}


def page(client: FlaskClient, url: str) -> str:
    response = client.get(url, headers=EN)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def log_out(client: FlaskClient) -> None:
    assert submit_form(client, "/account/logout", {}, page="/account/").status_code == 302


def weekly(org, editor, organiser) -> SideEvent:
    return make_event(org, editor, approve_by=organiser, title_en="Night walk", title_nl="Nachtwandeling",
                      start_date=date(2022, 7, 5), end_date=date(2022, 7, 5), start_time=time(21),
                      end_time=time(22), recurrence=Recurrence(Frequency.WEEKLY, until=date(2022, 7, 26)))


def test_partner_cancels_at_the_contract_url_and_the_page_and_list_say_so(client: FlaskClient, org, editor,
                                                                           organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)
    db.session.commit()
    log_in(client, editor.email)
    response = submit_form(client, f"/calendar/events/{event.id}/cancel", {"reason": "The telescope broke."},
                           page=f"/calendar/events/{event.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/calendar/events/{event.id}")
    db.session.expire_all()
    assert db.session.get(SideEvent, event.id).cancellation_reason == "The telescope broke."
    log_out(client)
    detail = page(client, f"/calendar/events/{event.id}")  # a visitor: still there, not 404
    assert "This event is cancelled." in detail and "Reason: The telescope broke." in detail
    assert "Book or get tickets" not in detail and ".ics" not in detail.split("se-cancelled-notice")[1]
    listing = page(client, "/calendar/?from=2022-07-01")
    item = re.search(r'<li class="se-item se-cancelled">.*?</li>', listing, re.S).group(0)
    assert ">Cancelled</strong>" in item and "<s>Stars over Leiden</s>" in item
    month = page(client, "/calendar/month/2022-07")
    assert re.search(r'<li class="se-cancelled">.*?>Cancelled</strong> <a [^>]+><s>10:00 Stars over Leiden</s>',
                     month)
    dutch = client.get(f"/calendar/events/{event.id}", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Dit evenement is geannuleerd." in dutch


def test_cancel_of_another_organisations_event_is_404_and_anonymous_must_log_in(client: FlaskClient, org, editor,
                                                                                organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)
    stranger = make_editor(PartnerOrganisationFactory(), email="stranger@example.org")
    db.session.commit()
    anonymous = submit_form(client, f"/calendar/events/{event.id}/cancel", {"reason": "x"}, page="/account/login")
    assert anonymous.status_code == 302 and "/account/login" in anonymous.headers["Location"]
    log_in(client, stranger.email)
    assert client.get(f"/calendar/events/{event.id}/cancel").status_code == 404
    token = csrf_token_from(client.get("/calendar/mine").get_data(as_text=True))
    refused = client.post(f"/calendar/events/{event.id}/cancel", data={"reason": "x", "csrf_token": token})
    assert refused.status_code == 404
    assert client.post(f"/calendar/events/{event.id}/withdraw", data={"csrf_token": token}).status_code == 404
    assert client.post("/calendar/events/999999/cancel", data={"csrf_token": token}).status_code == 404
    db.session.expire_all()
    assert not db.session.get(SideEvent, event.id).is_cancelled


def test_cancel_needs_the_csrf_token(client: FlaskClient, org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)
    db.session.commit()
    log_in(client, editor.email)
    assert client.post(f"/calendar/events/{event.id}/cancel", data={"reason": "x"}).status_code == 400
    db.session.expire_all()
    assert not db.session.get(SideEvent, event.id).is_cancelled


def test_organiser_cancels_one_date_and_the_partner_is_mailed(client: FlaskClient, org, editor, organiser) -> None:
    event = weekly(org, editor, organiser)
    db.session.commit()
    log_in(client, organiser.email)
    form = page(client, f"/calendar/events/{event.id}/cancel?occurrence=2022-07-12")
    assert '<option selected value="2022-07-12">' in form or 'value="2022-07-12" selected' in form
    response = submit_form(client, f"/calendar/events/{event.id}/cancel",
                           {"occurrence": "2022-07-12", "reason": "Fireworks nearby"})
    assert response.status_code == 302
    mail = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert mail.to_address == editor.email and mail.subject == "Date cancelled: Night walk"
    log_out(client)
    detail = page(client, f"/calendar/events/{event.id}?from=2022-07-01")
    dates = detail[detail.index('class="se-dates"'):]
    assert re.search(r'<li class="se-cancelled"><s>[^<]*12 July 2022.*?</s> <strong[^>]*>Cancelled</strong>'
                     r' <span class="hint">Fireworks nearby</span>', dates, re.S)
    assert dates.count('class="se-cancelled"') == 1
    listing = page(client, "/calendar/?from=2022-07-01")
    assert listing.count('class="se-item se-cancelled"') == 1
    assert listing.count('class="se-item"') == 3


def test_cancelling_a_date_the_event_does_not_have_rerenders_with_the_reason(client: FlaskClient, org, editor,
                                                                            organiser) -> None:
    event = weekly(org, editor, organiser)
    db.session.commit()
    log_in(client, editor.email)
    url = f"/calendar/events/{event.id}/cancel"
    wrong_day = submit_form(client, url, {"occurrence": "2022-07-13"}, headers=EN)
    assert wrong_day.status_code == 400
    assert "The event has no date on that day." in wrong_day.get_data(as_text=True)
    not_a_date = submit_form(client, url, {"occurrence": "soon"}, headers=EN)
    assert not_a_date.status_code == 422
    assert submit_form(client, url, {}).status_code == 302  # the whole event
    again = submit_form(client, url, {}, headers=EN)
    assert again.status_code == 409 and "This event is cancelled." in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SideEvent, event.id).sequence == 1


def test_withdrawn_submission_vanishes_from_mine_and_from_moderation(client: FlaskClient, org, editor,
                                                                     organiser) -> None:
    waiting = make_event(org, editor, title_en="Plankton evening")
    make_event(org, editor, title_en="Fossil day")
    db.session.commit()
    log_in(client, editor.email)
    mine = page(client, "/calendar/mine")
    assert "Plankton evening" in mine and f"/calendar/events/{waiting.id}/withdraw" in mine
    response = submit_form(client, f"/calendar/events/{waiting.id}/withdraw", {}, page="/calendar/mine")
    assert response.status_code == 302 and response.headers["Location"].endswith("/calendar/mine")
    mine = page(client, "/calendar/mine")
    assert "Plankton evening" not in mine and "Fossil day" in mine
    assert client.get(f"/calendar/events/{waiting.id}").status_code == 404
    log_out(client)
    log_in(client, organiser.email)
    queue = page(client, "/calendar/moderation")
    assert "Plankton evening" not in queue and "Fossil day" in queue
    db.session.expire_all()
    assert db.session.get(SideEvent, waiting.id).state is EventState.WITHDRAWN


def test_a_never_approved_event_is_withdrawn_not_cancelled(client: FlaskClient, org, editor) -> None:
    waiting = make_event(org, editor, title_en="Plankton evening")
    db.session.commit()
    log_in(client, editor.email)
    cancel_page = page(client, f"/calendar/events/{waiting.id}/cancel")
    assert "Withdraw it instead." in cancel_page and f"/calendar/events/{waiting.id}/withdraw" in cancel_page
    refused = submit_form(client, f"/calendar/events/{waiting.id}/cancel", {"reason": "x"}, headers=EN)
    assert refused.status_code == 409
    db.session.expire_all()
    assert db.session.get(SideEvent, waiting.id).state is EventState.SUBMITTED


# --- web addresses and the image ------------------------------------------------------------

def test_address_inputs_are_url_fields(client: FlaskClient, org, editor, organiser) -> None:
    db.session.commit()
    log_in(client, editor.email)
    form = page(client, "/calendar/submit")
    for name in ("booking_url", "image_url"):
        assert re.search(rf'<input[^>]*id="{name}"[^>]*type="url"', form), name
    assert 'name="image_alt"' in form
    log_out(client)
    log_in(client, organiser.email)
    assert re.search(r'<input[^>]*id="website"[^>]*type="url"', page(client, "/calendar/partners"))


def test_event_page_shows_an_https_image_with_its_description(client: FlaskClient, org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser, image_url="https://images.example/telescope.jpg",
                       image_alt="A telescope under the stars")
    db.session.commit()
    response = client.get(f"/calendar/events/{event.id}", headers=EN)
    html = response.get_data(as_text=True)
    assert ('<img class="se-image" src="https://images.example/telescope.jpg" alt="A telescope under the stars"'
            ' loading="lazy"') in html
    assert "https:" in re.search(r"img-src[^;]*", response.headers["Content-Security-Policy"]).group(0)
    revision = services.approved_revision(db.session.get(SideEvent, event.id))
    revision.image_url = "http://images.example/telescope.jpg"  # stored before the https rule
    db.session.commit()
    assert "<img" not in page(client, f"/calendar/events/{event.id}").split("<main", 1)[-1]


def test_partner_sends_image_and_description_through_the_form(client: FlaskClient, org, editor) -> None:
    db.session.commit()
    log_in(client, editor.email)
    data = {
        "organisation": str(org.id), "title_nl": "Sterrenkijken", "language": "nl", "category": "lecture",
        "venue": "0", "start_date": "2022-03-25", "start_time": "20:00", "end_date": "2022-03-25",
        "end_time": "22:00", "frequency": "none", "interval": "1",
        "image_url": "http://images.example/a.jpg", "image_alt": "Kinderen bij een telescoop",
    }
    refused = submit_form(client, "/calendar/submit", data, headers=EN)
    assert refused.status_code == 422
    assert "Enter an image address starting with https://." in refused.get_data(as_text=True)
    accepted = submit_form(client, "/calendar/submit", {**data, "image_url": "https://images.example/a.jpg"})
    assert accepted.status_code == 302
    revision = db.session.scalars(sa.select(SideEvent)).one().revisions[0]
    assert (revision.image_url, revision.image_alt) == ("https://images.example/a.jpg", "Kinderen bij een telescoop")
