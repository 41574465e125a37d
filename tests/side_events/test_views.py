"""Side-event pages: the public calendar, partner submission, moderation, invitations."""
from __future__ import annotations

import re
from datetime import date, time

import pytest
import sqlalchemy as sa
from flask import Flask, current_app
from flask import url_for as flask_url_for
from flask.testing import FlaskClient

from esof.accounts.models import Role
from esof.accounts.services import find_user_by_email
from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.side_events import services
from esof.side_events.models import Audience, EventCategory, EventState, RevisionStatus, SideEvent
from esof.side_events.queries import CalendarFilter
from esof.side_events.recurrence import Frequency, Recurrence
from tests.factories import UserFactory
from tests.side_events.factories import PartnerOrganisationFactory, make_editor, make_event, seen_fields
from tests.support import log_in, submit_form


def url_for(endpoint: str, **values: object) -> str:
    with current_app.test_request_context():
        return flask_url_for(endpoint, **values)


def titles(html: str) -> list[str]:
    return re.findall(r'class="se-title"><a href="[^"]+">(?:<span lang="\w+">)?([^<]+)', html)


# --- public list, filters, pagination ----------------------------------------------------

def test_calendar_index_lists_only_approved_events_in_time_order(client: FlaskClient, org, editor, organiser) -> None:
    make_event(org, editor, approve_by=organiser, title_en="Later",
               start_date=date(2022, 8, 1), end_date=date(2022, 8, 1))
    make_event(org, editor, approve_by=organiser, title_en="Sooner")
    make_event(org, editor, title_en="Waiting")
    db.session.commit()
    response = client.get("/calendar/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert titles(html) == ["Sooner", "Later"]
    assert url_for("side_events.calendar_index") == "/calendar/"


def test_calendar_index_paginates(client: FlaskClient, org, editor, organiser) -> None:
    make_event(org, editor, approve_by=organiser, start_date=date(2022, 7, 1), end_date=date(2022, 7, 1),
               recurrence=Recurrence(Frequency.DAILY, until=date(2022, 7, 25)))
    db.session.commit()
    first = client.get("/calendar/").get_data(as_text=True)
    second = client.get("/calendar/?page=2").get_data(as_text=True)
    assert first.count('class="se-item"') == 20
    assert second.count('class="se-item"') == 5
    assert "Page 2 of 2" in second
    assert 'href="/calendar/?page=2"' in first


def test_calendar_index_from_date_skips_earlier_dates(client: FlaskClient, org, editor, organiser) -> None:
    make_event(org, editor, approve_by=organiser, title_en="March",
               start_date=date(2022, 3, 3), end_date=date(2022, 3, 3))
    make_event(org, editor, approve_by=organiser, title_en="July")
    db.session.commit()
    assert titles(client.get("/calendar/?from=2022-06-01").get_data(as_text=True)) == ["July"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=exhibition", ["Expo"]),
        ("audience=children", ["Kids lab"]),
        ("language=en", ["Talk"]),
        ("neighbourhood=Stationsdistrict", ["Kids lab"]),
        ("free=1", ["Kids lab", "Expo"]),
        ("q=RADIO+astro", ["Talk"]),
        ("q=SPEURTOCHT", ["Kids lab"]),
        ("category=workshop&free=1&audience=children", ["Kids lab"]),
        ("category=lecture&free=1", []),
        ("category=nonsense", ["Talk", "Kids lab", "Expo"]),
    ],
)
def test_calendar_index_filters(client: FlaskClient, org, editor, organiser, query: str, expected: list[str]) -> None:
    make_event(org, editor, approve_by=organiser, title_en="Talk", language="en", price_cents=500,
               description_en="About radio astronomy.")
    make_event(org, editor, approve_by=organiser, title_en="Kids lab", category=EventCategory.WORKSHOP,
               audiences=(Audience.CHILDREN, Audience.FAMILIES), neighbourhood="Stationsdistrict",
               start_date=date(2022, 7, 15), end_date=date(2022, 7, 15), description_nl="Een speurtocht.")
    make_event(org, editor, approve_by=organiser, title_en="Expo", category=EventCategory.EXHIBITION,
               start_date=date(2022, 7, 16), end_date=date(2022, 7, 16))
    db.session.commit()
    assert titles(client.get(f"/calendar/?{query}").get_data(as_text=True)) == expected


def test_calendar_filter_from_args_is_canonical_and_drops_unknown_values(app: Flask) -> None:
    from werkzeug.datastructures import MultiDict

    parsed = CalendarFilter.from_args(MultiDict([
        ("q", "  sterren   kijken "), ("free", "1"), ("category", "tour"), ("category", "LECTURE"),
        ("category", "bogus"), ("audience", "children,aliens"), ("language", "de"),
        ("neighbourhood", "Merenwijk"),
    ]))
    assert parsed == CalendarFilter(
        categories=("lecture", "tour"), audiences=("children",), languages=(),
        neighbourhoods=("Merenwijk",), free=True, text="sterren kijken",
    )
    assert parsed.to_args() == {
        "category": ["lecture", "tour"], "audience": ["children"], "neighbourhood": ["Merenwijk"],
        "free": "1", "q": "sterren kijken",
    }
    assert CalendarFilter.from_args(parsed.to_args()) == parsed
    assert url_for("side_events.calendar_index", **parsed.to_args()) == (
        "/calendar/?category=lecture&category=tour&audience=children&neighbourhood=Merenwijk&free=1&q=sterren+kijken"
    )


def test_calendar_views_keep_filters_in_their_links(client: FlaskClient, org, editor, organiser) -> None:
    make_event(org, editor, approve_by=organiser)
    db.session.commit()
    html = client.get("/calendar/month/2022-07?free=1&category=lecture").get_data(as_text=True)
    assert 'href="/calendar/month/2022-08?category=lecture&amp;free=1"' in html
    assert 'href="/calendar/day/2022-07-14?category=lecture&amp;free=1"' in html


# --- month and day --------------------------------------------------------------------------

def test_calendar_month_shows_day_events_and_running_exhibitions(client: FlaskClient, org, editor, organiser) -> None:
    make_event(org, editor, approve_by=organiser, title_en="Talk")
    make_event(org, editor, approve_by=organiser, title_en="Expo", all_day=True, start_time=None, end_time=None,
               start_date=date(2022, 3, 1), end_date=date(2022, 9, 30))
    make_event(org, editor, approve_by=organiser, title_en="August",
               start_date=date(2022, 8, 2), end_date=date(2022, 8, 2))
    db.session.commit()
    response = client.get("/calendar/month/2022-07")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    running = html.split("Running this month")[1].split("Day by day")[0]
    assert "Expo" in running and "Talk" not in running
    grid = html.split("Day by day")[1]
    assert "10:00 Talk" in grid and "Expo" not in grid and "August" not in grid


def test_calendar_month_invalid_month_is_404(client: FlaskClient) -> None:
    assert client.get("/calendar/month/2022-13").status_code == 404


def test_calendar_day_shows_multi_day_exhibition_and_timed_event(client: FlaskClient, org, editor, organiser) -> None:
    make_event(org, editor, approve_by=organiser, title_en="Talk")
    make_event(org, editor, approve_by=organiser, title_en="Expo", all_day=True, start_time=None, end_time=None,
               start_date=date(2022, 7, 1), end_date=date(2022, 7, 31))
    make_event(org, editor, approve_by=organiser, title_en="Other day",
               start_date=date(2022, 7, 15), end_date=date(2022, 7, 15))
    db.session.commit()
    html = client.get("/calendar/day/2022-07-14").get_data(as_text=True)
    assert titles(html) == ["Expo", "Talk"]
    assert "10:00</time>–<time" in html and "Europe/Amsterdam (CEST)" in html
    assert client.get("/calendar/day/2022-02-30").status_code == 404


# --- event page -----------------------------------------------------------------------------

def test_event_detail_shows_visitor_language_with_map_link(client: FlaskClient, org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser, latitude=52.1543, longitude=4.4838)
    db.session.commit()
    html = client.get(f"/calendar/events/{event.id}", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "<h1>Sterren boven Leiden</h1>" in html
    assert "<p>Een lezing over <strong>telescopen</strong>.</p>" in html
    assert 'href="https://www.openstreetmap.org/?mlat=52.15430&amp;mlon=4.48380#map=17/52.15430/4.48380"' in html
    assert url_for("side_events.event_detail", event_id=event.id) == f"/calendar/events/{event.id}"


def test_event_detail_falls_back_to_other_language_marked_up(client: FlaskClient, org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser, title_nl="", description_nl="")
    db.session.commit()
    html = client.get(f"/calendar/events/{event.id}", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert '<h1 lang="en">Stars over Leiden</h1>' in html
    assert '<div class="se-description" lang="en">' in html


def test_event_detail_map_link_searches_address_without_coordinates(
    client: FlaskClient, org, editor, organiser
) -> None:
    event = make_event(org, editor, approve_by=organiser)
    db.session.commit()
    html = client.get(f"/calendar/events/{event.id}").get_data(as_text=True)
    assert 'href="https://www.openstreetmap.org/search?query=Sterrenwachtlaan+11%2C+Leiden"' in html


def test_event_detail_unapproved_is_hidden_from_public_but_previewed_by_editor(
    client: FlaskClient, org, editor
) -> None:
    event = make_event(org, editor)
    db.session.commit()
    assert client.get(f"/calendar/events/{event.id}").status_code == 404
    log_in(client, editor.email)
    html = client.get(f"/calendar/events/{event.id}").get_data(as_text=True)
    assert "Preview of a version that is not public yet" in html


def test_event_detail_shows_approved_version_while_edit_waits(client: FlaskClient, org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)
    services.edit_side_event(event=event, data=services.input_from_revision(event.revisions[0]) .__class__(
        **{**services.input_from_revision(event.revisions[0]).__dict__, "title_en": "Changed"}), author=editor)
    db.session.commit()
    html = client.get(f"/calendar/events/{event.id}").get_data(as_text=True)
    assert "<h1>Stars over Leiden</h1>" in html and "Changed" not in html


# --- query counts -------------------------------------------------------------------------

def _count(client: FlaskClient, count_queries, url: str) -> int:
    count_queries.reset()
    assert client.get(url).status_code == 200
    return count_queries.count


def test_calendar_list_and_month_query_counts_do_not_grow(
    client: FlaskClient, org, editor, organiser, count_queries
) -> None:
    make_event(org, editor, approve_by=organiser)
    db.session.commit()
    urls = ["/calendar/", "/calendar/month/2022-07", "/calendar/day/2022-07-14", "/calendar/?free=1&q=leiden"]
    few = [_count(client, count_queries, url) for url in urls]
    for n in range(30):
        make_event(org, editor, approve_by=organiser, title_en=f"Talk {n}",
                   start_date=date(2022, 7, 1 + n % 28), end_date=date(2022, 7, 1 + n % 28),
                   recurrence=Recurrence(Frequency.WEEKLY, until=date(2022, 8, 31)) if n % 3 == 0 else Recurrence())
    make_event(org, editor, approve_by=organiser, title_en="Expo", all_day=True, start_time=None, end_time=None,
               start_date=date(2022, 6, 1), end_date=date(2022, 8, 31))
    db.session.commit()
    many = [_count(client, count_queries, url) for url in urls]
    assert many == few
    assert few[0] <= 4


# --- partners: submit, edit, ownership ------------------------------------------------------

FORM = {
    "title_nl": "Nacht van de Sterren", "title_en": "", "description_nl": "Kijken door <b>telescopen</b>.",
    "language": "nl", "category": "lecture", "audience": ["adults", "families"], "venue": "0",
    "location_name": "Sterrewacht", "address": "Sterrenwachtlaan 11", "neighbourhood": "Binnenstad",
    "start_date": "2022-03-25", "start_time": "10:00", "end_date": "2022-03-25", "end_time": "11:30",
    "frequency": "daily", "interval": "1", "until": "2022-03-29", "exdates": "2022-03-28",
    "price": "", "booking_url": "https://tickets.example/nacht",
}


def test_event_submit_by_partner_creates_pending_event(client: FlaskClient, org, editor) -> None:
    db.session.commit()
    log_in(client, editor.email)
    response = submit_form(client, "/calendar/submit", {**FORM, "organisation": str(org.id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    event = db.session.scalars(sa.select(SideEvent)).one()
    revision = event.revisions[0]
    assert (event.organisation_id, event.state, revision.status) == (
        org.id, EventState.SUBMITTED, RevisionStatus.PENDING
    )
    assert revision.title_nl == "Nacht van de Sterren"
    assert revision.description_nl == "<p>Kijken door <b>telescopen</b>.</p>"
    assert revision.audience == "families,adults"
    assert revision.rrule == "FREQ=DAILY;UNTIL=20220329T215959Z"
    assert revision.exdates == ["20220328T100000"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end_time": "09:00"}, "The event ends before it starts."),
        ({"title_nl": ""}, "Give a title in Dutch or in English (or both)."),
        ({"start_date": "2021-12-01"}, "The City of Science calendar covers 2022 only."),
        ({"start_date": "2022-01-01", "end_date": "2022-01-01", "until": "2023-12-31", "exdates": ""},
         "This repetition gives more than 500 dates."),
        ({"exdates": "28-03-2022"}, "Write dates as YYYY-MM-DD."),
        ({"booking_url": "javascript:alert(1)"}, "Enter a web address starting with https:// or http://."),
    ],
)
def test_event_submit_bad_input_rerenders_with_message(client: FlaskClient, org, editor, changes, message) -> None:
    db.session.commit()
    log_in(client, editor.email)
    response = submit_form(client, "/calendar/submit", {**FORM, "organisation": str(org.id), **changes})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(SideEvent.id))) == 0


def test_event_submit_for_other_organisation_is_refused(client: FlaskClient, org, editor) -> None:
    other = PartnerOrganisationFactory()
    db.session.commit()
    log_in(client, editor.email)
    response = submit_form(client, "/calendar/submit", {**FORM, "organisation": str(other.id)})
    assert response.status_code == 422  # not one of the form's choices
    assert db.session.scalar(sa.select(sa.func.count(SideEvent.id))) == 0


def test_event_submit_needs_partner_role(client: FlaskClient) -> None:
    UserFactory(email="delegate@example.org")
    db.session.commit()
    assert client.get("/calendar/submit").status_code == 302  # to the log-in page
    log_in(client, "delegate@example.org")
    assert client.get("/calendar/submit").status_code == 403


def test_event_edit_of_other_organisation_is_404(client: FlaskClient, org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)
    stranger = make_editor(PartnerOrganisationFactory(), email="stranger@example.org")
    db.session.commit()
    log_in(client, stranger.email)
    assert client.get(f"/calendar/events/{event.id}/edit").status_code == 404
    token_page = client.get("/calendar/mine").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', token_page).group(1)
    response = client.post(f"/calendar/events/{event.id}/edit",
                           data={**FORM, "organisation": str(event.organisation_id), "csrf_token": token})
    assert response.status_code == 404
    db.session.expire_all()
    assert [r.status for r in db.session.get(SideEvent, event.id).revisions] == [RevisionStatus.APPROVED]


def test_event_edit_of_approved_event_waits_for_moderation(client: FlaskClient, org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)
    db.session.commit()
    log_in(client, editor.email)
    form_html = client.get(f"/calendar/events/{event.id}/edit").get_data(as_text=True)
    assert 'value="Stars over Leiden"' in form_html
    response = submit_form(client, f"/calendar/events/{event.id}/edit",
                           {**FORM, "organisation": str(org.id), "frequency": "none", "exdates": ""})
    assert response.status_code == 302
    db.session.expire_all()
    event = db.session.get(SideEvent, event.id)
    assert event.state is EventState.APPROVED
    assert services.approved_revision(event).title_en == "Stars over Leiden"
    assert services.pending_revision(event).title_nl == "Nacht van de Sterren"


def test_events_mine_shows_only_own_organisation(client: FlaskClient, org, editor, organiser) -> None:
    make_event(org, editor, title_en="Ours")
    other_org = PartnerOrganisationFactory()
    make_event(other_org, make_editor(other_org), title_en="Theirs")
    db.session.commit()
    log_in(client, editor.email)
    html = client.get("/calendar/mine", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Ours" in html and "Theirs" not in html


# --- moderation -----------------------------------------------------------------------------

def test_moderation_queue_shows_what_changed_and_approve_publishes(client: FlaskClient, org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)
    data = services.input_from_revision(event.revisions[0])
    data.title_en, data.start_time = "Planets over Leiden", time(14, 0)
    data.end_time = time(16, 0)
    services.edit_side_event(event=event, data=data, author=editor)
    db.session.commit()
    log_in(client, organiser.email)
    queue = client.get("/calendar/moderation").get_data(as_text=True)
    assert "Change to a public event" in queue
    review = client.get(f"/calendar/moderation/{event.id}").get_data(as_text=True)
    assert "<del>Stars over Leiden</del>" in review and "<ins>Planets over Leiden</ins>" in review
    assert "<ins>14 Jul 2022, 14:00–16:00 CEST</ins>" in review
    assert "Title (Dutch)" not in review  # unchanged fields are not listed
    response = submit_form(client, f"/calendar/moderation/{event.id}/approve", seen_fields(review),
                           page=f"/calendar/moderation/{event.id}")
    assert response.status_code == 302
    db.session.expire_all()
    event = db.session.get(SideEvent, event.id)
    assert services.approved_revision(event).title_en == "Planets over Leiden"
    assert event.sequence == 1


def test_moderation_reject_mails_reason_to_partner(client: FlaskClient, org, editor, organiser) -> None:
    event = make_event(org, editor)
    db.session.commit()
    log_in(client, organiser.email)
    page = f"/calendar/moderation/{event.id}"
    seen = seen_fields(client.get(page).get_data(as_text=True))
    empty = submit_form(client, f"/calendar/moderation/{event.id}/reject", {"reason": "", **seen}, page=page)
    assert empty.status_code == 422
    unseen = submit_form(client, f"/calendar/moderation/{event.id}/reject", {"reason": "Het adres ontbreekt."},
                         page=page)
    assert unseen.status_code == 422  # a decision names the revision it is about
    response = submit_form(client, f"/calendar/moderation/{event.id}/reject",
                           {"reason": "Het adres ontbreekt.", **seen}, page=page)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(SideEvent, event.id).state is EventState.REJECTED
    mail = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert mail.to_address == "editor@naturalis.example"
    assert "Het adres ontbreekt." in mail.body_text


def test_moderation_pages_are_for_organisers_only(client: FlaskClient, org, editor) -> None:
    event = make_event(org, editor)
    db.session.commit()
    log_in(client, editor.email)
    assert client.get("/calendar/moderation").status_code == 403
    assert client.get(f"/calendar/moderation/{event.id}").status_code == 403
    assert client.get("/calendar/partners").status_code == 403


# --- invitations ----------------------------------------------------------------------------

def test_invitation_flow_creates_editor_who_can_submit(client: FlaskClient, org, organiser) -> None:
    db.session.commit()
    log_in(client, organiser.email)
    response = submit_form(client, f"/calendar/partners/{org.id}", {"email": "Nieuw@Naturalis.example"})
    assert response.status_code == 302
    mail = db.session.scalars(sa.select(OutboxMessage)).one()
    assert mail.to_address == "nieuw@naturalis.example"
    link = re.search(r"http://esof.test(/calendar/invitations/\S+)", mail.body_text).group(1)
    submit_form(client, "/account/logout", {}, page="/calendar/")

    page = client.get(link).get_data(as_text=True)
    assert "Create your account for nieuw@naturalis.example" in page
    response = submit_form(client, link, {"display_name": "Nieuw", "password": "a long password", "language": "nl"})
    assert response.status_code == 302
    user = find_user_by_email("nieuw@naturalis.example")
    assert Role.PARTNER in user.roles and services.organisation_ids_of(user) == {org.id}
    assert client.get("/calendar/submit").status_code == 200
    assert client.get(link).status_code == 400  # used once


def test_invitation_for_existing_account_asks_to_log_in(client: FlaskClient, org, organiser) -> None:
    UserFactory(email="delegate@example.org")
    services.invite_editor(organisation=org, email="delegate@example.org", invited_by=organiser)
    db.session.commit()
    mail = db.session.scalars(sa.select(OutboxMessage)).one()
    link = re.search(r"http://esof.test(/calendar/invitations/\S+)", mail.body_text).group(1)
    assert "Log in first" in client.get(link).get_data(as_text=True)
    log_in(client, "delegate@example.org")
    response = submit_form(client, link, {})
    assert response.status_code == 302
    user = find_user_by_email("delegate@example.org")
    assert user.roles == {Role.DELEGATE, Role.PARTNER}


def test_partners_index_creates_organisation(client: FlaskClient, organiser) -> None:
    db.session.commit()
    log_in(client, organiser.email)
    response = submit_form(client, "/calendar/partners", {"name": "Museum Volkenkunde", "contact_email": ""})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/calendar/partners/")
    duplicate = submit_form(client, "/calendar/partners", {"name": "Museum Volkenkunde"})
    assert duplicate.status_code == 422


def test_calendar_index_speaks_dutch(client: FlaskClient, org, editor, organiser) -> None:
    make_event(org, editor, approve_by=organiser, price_cents=None)
    db.session.commit()
    html = client.get("/calendar/", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "<h1>City of Science-agenda</h1>" in html
    assert "Sterren boven Leiden" in html and "Gratis" in html
    assert "1 datum" in html
