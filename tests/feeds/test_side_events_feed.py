"""The side-events feed: one VEVENT per approved event, recurrence as RRULE, DATE values."""
from __future__ import annotations

from datetime import date, time

from flask.testing import FlaskClient

from esof.extensions import db
from esof.side_events import services
from esof.side_events.models import Audience, EventCategory
from esof.side_events.recurrence import Frequency, Recurrence
from tests.feeds.parsers import parse_with_icaljs
from tests.side_events.factories import PartnerOrganisationFactory, event_input, make_editor, make_event, make_organiser


def make_calendar() -> dict[str, object]:
    museum = PartnerOrganisationFactory(name="Rijksmuseum Boerhaave")
    editor = make_editor(museum)
    organiser = make_organiser()
    lecture = make_event(museum, editor, approve_by=organiser)
    weekly = make_event(
        museum, editor, approve_by=organiser, title_en="Sunday tour", title_nl="Zondagrondleiding",
        category=EventCategory.TOUR, audiences=(Audience.FAMILIES,), start_date=date(2022, 3, 20),
        end_date=date(2022, 3, 20), start_time=time(10), end_time=time(11), price_cents=750,
        recurrence=Recurrence(frequency=Frequency.WEEKLY, weekdays=(6,), until=date(2022, 4, 10),
                              exdates=(date(2022, 4, 3),)),
    )
    expo = make_event(
        museum, editor, approve_by=organiser, title_en="Crossing borders exhibition", title_nl="",
        category=EventCategory.EXHIBITION, all_day=True, start_date=date(2022, 3, 1), end_date=date(2022, 6, 30),
        start_time=None, end_time=None,
    )
    pending = make_event(museum, editor, title_en="Not yet approved", title_nl="Nog niet goedgekeurd")
    db.session.commit()
    return {"lecture": lecture, "weekly": weekly, "expo": expo, "pending": pending,
            "editor": editor, "organiser": organiser}


def test_side_events_feed_has_approved_events_with_rrule_and_dates(client: FlaskClient, app) -> None:
    made = make_calendar()
    response = client.get("/feeds/side-events.ics?lang=en")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    parsed = parse_with_icaljs(response.data)
    events = {e["summary"]: e for e in parsed["events"]}
    assert set(events) == {"Stars over Leiden", "Sunday tour", "Crossing borders exhibition"}
    tour = events["Sunday tour"]
    assert response.data.count(b"BEGIN:VEVENT") == 3  # the series is one VEVENT
    assert tour["rrule"].startswith("FREQ=WEEKLY")
    # 20 March 10:00 CET, then 10:00 CEST; 3 April excluded.
    assert tour["occurrences"] == ["2022-03-20T09:00:00.000Z", "2022-03-27T08:00:00.000Z", "2022-04-10T08:00:00.000Z"]
    assert "Price: € 7.50" in tour["description"]
    assert tour["uid"] == f"side-event-{made['weekly'].id}@esof2022.leiden"
    expo = events["Crossing borders exhibition"]
    assert (expo["start"], expo["end"]) == ("2022-03-01", "2022-07-01")
    lecture = events["Stars over Leiden"]
    assert lecture["start"] == "2022-07-14T08:00:00.000Z"
    assert "A talk about telescopes." in lecture["description"]
    assert "Organised by Rijksmuseum Boerhaave." in lecture["description"]


def test_side_events_feed_speaks_the_visitors_language_with_fallback(client: FlaskClient, app) -> None:
    make_calendar()
    parsed = parse_with_icaljs(client.get("/feeds/side-events.ics?lang=nl").data)
    titles = {e["summary"] for e in parsed["events"]}
    assert titles == {"Sterren boven Leiden", "Zondagrondleiding", "Crossing borders exhibition"}
    assert parsed["calendar"]["name"] == "Leiden City of Science 2022"


def test_side_events_feed_uses_the_calendar_filters_and_names_itself(client: FlaskClient, app) -> None:
    make_calendar()
    parsed = parse_with_icaljs(client.get("/feeds/side-events.ics?lang=en&category=tour&audience=families").data)
    assert [e["summary"] for e in parsed["events"]] == ["Sunday tour"]
    assert parsed["calendar"]["name"].startswith("Leiden City of Science 2022 — ")
    free = parse_with_icaljs(client.get("/feeds/side-events.ics?lang=en&free=1").data)
    assert "Sunday tour" not in {e["summary"] for e in free["events"]}


def test_approving_an_edit_changes_the_feed_and_raises_sequence(client: FlaskClient, app) -> None:
    made = make_calendar()
    first = client.get("/feeds/side-events.ics?lang=en")
    again = client.get("/feeds/side-events.ics?lang=en", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    services.edit_side_event(event=made["lecture"], data=event_input(title_en="Stars over Leiden (moved)",
                                                                      start_time=time(14), end_time=time(16)),
                             author=made["editor"])
    db.session.commit()
    # Waiting for moderation: the approved version stays in the feed, unchanged.
    waiting = client.get("/feeds/side-events.ics?lang=en", headers={"If-None-Match": first.headers["ETag"]})
    assert waiting.status_code == 304
    services.approve_side_event(event=made["lecture"], moderator=made["organiser"])
    db.session.commit()
    after = client.get("/feeds/side-events.ics?lang=en", headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200
    events = {e["uid"]: e for e in parse_with_icaljs(after.data)["events"]}
    moved = events[f"side-event-{made['lecture'].id}@esof2022.leiden"]
    assert moved["summary"] == "Stars over Leiden (moved)"
    assert moved["sequence"] == 1
    assert moved["start"] == "2022-07-14T12:00:00.000Z"


def test_single_side_event_is_a_download_and_unknown_is_404(client: FlaskClient, app) -> None:
    made = make_calendar()
    response = client.get(f"/calendar/events/{made['expo'].id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert b"DTSTART;VALUE=DATE:20220301" in response.data
    assert client.get(f"/calendar/events/{made['pending'].id}.ics").status_code == 404
    assert client.get("/calendar/events/999999.ics").status_code == 404
