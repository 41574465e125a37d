"""The side-events feed: one VEVENT per approved event, recurrence as RRULE, DATE values."""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from flask.testing import FlaskClient

from esof.extensions import db
from esof.side_events import services
from esof.side_events.models import Audience, EventCategory
from esof.side_events.recurrence import Frequency, Recurrence
from tests.feeds.parsers import parse_with_icalendar, parse_with_icaljs
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


# --- cancelled events and dates -----------------------------------------------------------

def vevents(body: bytes) -> list:
    return list(parse_with_icalendar(body).walk("VEVENT"))


def test_cancelled_event_stays_in_the_feed_cancelled_with_a_higher_sequence(client: FlaskClient, app) -> None:
    made = make_calendar()
    uid = f"side-event-{made['lecture'].id}@esof2022.leiden"
    first = client.get("/feeds/side-events.ics?lang=en")
    before = {e["uid"]: e for e in parse_with_icaljs(first.data)["events"]}[uid]
    assert (before["status"], before["sequence"]) == ("CONFIRMED", 0)
    services.cancel_side_event(event=made["lecture"], actor=made["organiser"], reason="The dome is closed.")
    db.session.commit()
    after = client.get("/feeds/side-events.ics?lang=en", headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200
    cancelled = {e["uid"]: e for e in parse_with_icaljs(after.data)["events"]}[uid]
    assert (cancelled["status"], cancelled["sequence"]) == ("CANCELLED", 1)
    assert cancelled["description"].startswith("Cancelled: The dome is closed.")
    assert cancelled["start"] == before["start"]
    [parsed] = [e for e in vevents(after.data) if str(e["UID"]) == uid]
    assert (str(parsed["STATUS"]), int(parsed["SEQUENCE"])) == ("CANCELLED", 1)
    assert "RECURRENCE-ID" not in parsed
    single = client.get(f"/calendar/events/{made['lecture'].id}.ics")
    assert single.status_code == 200 and b"STATUS:CANCELLED" in single.data
    dutch = parse_with_icaljs(client.get("/feeds/side-events.ics?lang=nl").data)["events"]
    assert next(e for e in dutch if e["uid"] == uid)["description"].startswith("Geannuleerd: The dome is closed.")


def test_one_cancelled_date_is_an_override_with_the_same_uid(client: FlaskClient, app) -> None:
    made = make_calendar()
    weekly = made["weekly"]
    uid = f"side-event-{weekly.id}@esof2022.leiden"
    services.cancel_side_event_occurrence(event=weekly, day=date(2022, 3, 27), actor=made["editor"],
                                          reason="Easter market")
    db.session.commit()
    body = client.get("/feeds/side-events.ics?lang=en").data
    assert body.count(b"BEGIN:VEVENT") == 4
    # ical.js: the series is unchanged but for its SEQUENCE, the override cancels 27 March 10:00 CEST.
    series, override = [e for e in parse_with_icaljs(body)["events"] if e["uid"] == uid]
    assert (series["status"], series["sequence"]) == ("CONFIRMED", 1)
    assert series["rrule"].startswith("FREQ=WEEKLY")
    assert series["occurrences"] == ["2022-03-20T09:00:00.000Z", "2022-03-27T08:00:00.000Z",
                                     "2022-04-10T08:00:00.000Z"]
    assert (override["status"], override["sequence"], override["rrule"]) == ("CANCELLED", 1, None)
    assert (override["start"], override["end"]) == ("2022-03-27T08:00:00.000Z", "2022-03-27T09:00:00.000Z")
    assert override["summary"] == "Sunday tour" and override["description"].startswith("Cancelled: Easter market")
    # icalendar: RECURRENCE-ID names an instance of the series, in the conference zone.
    master, exception = [e for e in vevents(body) if str(e["UID"]) == uid]
    recurrence_id = exception["RECURRENCE-ID"].dt
    assert recurrence_id == datetime(2022, 3, 27, 10, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert str(recurrence_id.tzinfo) == "Europe/Amsterdam"
    instances = rrulestr(master["RRULE"].to_ical().decode(), dtstart=master["DTSTART"].dt)
    assert recurrence_id in list(instances)
    assert (str(exception["STATUS"]), int(exception["SEQUENCE"]), "RRULE" in exception) == ("CANCELLED", 1, False)
    assert b"RECURRENCE-ID;TZID=Europe/Amsterdam:20220327T100000\r\n" in body
    single = client.get(f"/calendar/events/{weekly.id}.ics").data
    assert single.count(b"BEGIN:VEVENT") == 2 and b"RECURRENCE-ID" in single


def test_cancelling_a_second_date_raises_the_sequence_of_every_component(client: FlaskClient, app) -> None:
    made = make_calendar()
    weekly = made["weekly"]
    services.cancel_side_event_occurrence(event=weekly, day=date(2022, 3, 20), actor=made["editor"])
    db.session.commit()
    services.cancel_side_event_occurrence(event=weekly, day=date(2022, 4, 10), actor=made["editor"])
    db.session.commit()
    events = [e for e in parse_with_icaljs(client.get("/feeds/side-events.ics?lang=en").data)["events"]
              if e["uid"] == f"side-event-{weekly.id}@esof2022.leiden"]
    assert [(e["start"], e["status"], e["sequence"]) for e in events] == [
        ("2022-03-20T09:00:00.000Z", "CONFIRMED", 2),
        ("2022-03-20T09:00:00.000Z", "CANCELLED", 2),
        ("2022-04-10T08:00:00.000Z", "CANCELLED", 2),
    ]
    assert events[1]["description"].startswith("Cancelled.")


def test_all_day_series_override_uses_a_date_recurrence_id(client: FlaskClient, app) -> None:
    museum = PartnerOrganisationFactory(name="Museum Volkenkunde")
    editor = make_editor(museum)
    days = make_event(museum, editor, approve_by=make_organiser(), title_en="Open days", title_nl="", all_day=True,
                      start_date=date(2022, 5, 7), end_date=date(2022, 5, 8), start_time=None, end_time=None,
                      recurrence=Recurrence(frequency=Frequency.WEEKLY, weekdays=(5,), until=date(2022, 5, 21)))
    services.cancel_side_event_occurrence(event=days, day=date(2022, 5, 14), actor=editor)
    db.session.commit()
    body = client.get(f"/calendar/events/{days.id}.ics").data
    assert b"RECURRENCE-ID;VALUE=DATE:20220514\r\n" in body
    override = [e for e in parse_with_icaljs(body)["events"] if e["status"] == "CANCELLED"]
    assert [(e["start"], e["end"]) for e in override] == [("2022-05-14", "2022-05-16")]
    [exception] = [e for e in vevents(body) if "RECURRENCE-ID" in e]
    assert exception["RECURRENCE-ID"].dt == date(2022, 5, 14)
