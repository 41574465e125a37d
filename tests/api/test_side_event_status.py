"""Side events in the API keep their cancelled events and dates, with `status`."""
from __future__ import annotations

from datetime import date

from flask.testing import FlaskClient

from esof.extensions import db
from esof.side_events import services
from tests.api.factories import Calendar
from tests.api.test_openapi import assert_valid
from tests.api.test_views import get_json
from tests.side_events.factories import make_organiser


def test_confirmed_events_and_dates_say_so(client: FlaskClient, calendar: Calendar) -> None:
    body = get_json(client, "/api/v1/side-events?from=2022-06-01")
    assert {item["status"] for item in body["items"]} == {"confirmed"}
    assert {o["status"] for item in body["items"] for o in item["next_occurrences"]} == {"confirmed"}
    assert {item["cancellation_reason"] for item in body["items"]} == {None}


def test_cancelled_event_stays_listed_with_status_cancelled(client: FlaskClient, calendar: Calendar) -> None:
    services.cancel_side_event(event=calendar.lecture, actor=make_organiser(), reason="Speaker ill")
    db.session.commit()
    body = get_json(client, "/api/v1/side-events?from=2022-07-01&lang=en")
    assert_valid(body, "SideEventList")
    lecture = next(item for item in body["items"] if item["id"] == calendar.lecture.id)
    assert (lecture["status"], lecture["cancellation_reason"]) == ("cancelled", "Speaker ill")
    assert [o["status"] for o in lecture["next_occurrences"]] == ["cancelled"]
    others = [item["status"] for item in body["items"] if item["id"] != calendar.lecture.id]
    assert others and set(others) == {"confirmed"}
    item = get_json(client, f"/api/v1/side-events/{calendar.lecture.id}")
    assert_valid(item, "SideEvent")
    assert item["status"] == "cancelled"


def test_one_cancelled_date_shows_among_the_occurrences(client: FlaskClient, calendar: Calendar) -> None:
    services.cancel_side_event_occurrence(event=calendar.exhibition, day=date(2022, 7, 19), actor=make_organiser())
    db.session.commit()
    item = get_json(client, f"/api/v1/side-events/{calendar.exhibition.id}?from=2022-07-12")
    assert_valid(item, "SideEvent")
    assert item["status"] == "confirmed"
    assert [(o["start"], o["status"]) for o in item["next_occurrences"][:3]] == [
        ("2022-07-12T10:00:00+02:00", "confirmed"),
        ("2022-07-19T10:00:00+02:00", "cancelled"),
        ("2022-07-23T10:00:00+02:00", "confirmed"),
    ]
    assert item["exdates"] == ["2022-07-16"]  # a cancelled date is not an excluded one
