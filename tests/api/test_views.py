"""The public API over HTTP: contents, filters, pagination, errors, ETag/304, CORS, limits."""
from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from esof.extensions import db
from esof.programme.models import Track
from tests.api.factories import Calendar, Programme, build_calendar, build_programme
from tests.support import QueryCounter


def get_json(client: FlaskClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/json"
    return response.get_json()


def titles(body: dict[str, Any]) -> list[str]:
    return [item["title"] for item in body["items"]]


# --------------------------------------------------------------------------- sessions


def test_sessions_list_is_the_published_programme_in_start_order(client: FlaskClient, programme: Programme) -> None:
    body = get_json(client, "/api/v1/sessions")
    assert titles(body) == ["Opening ceremony", "Vaccines, trust & society", "Sea level debate",
                            "Science communication workshop"]
    assert body["total"] == 4
    assert body["next"] is None
    assert "Not yet published" not in titles(body)


def test_session_item_has_times_with_offset_zone_room_venue_speakers(client: FlaskClient, programme: Programme) -> None:
    item = get_json(client, f"/api/v1/sessions/{programme.panel.id}")
    assert item["start"] == "2022-07-13T11:00:00+02:00"
    assert item["end"] == "2022-07-13T12:00:00+02:00"
    assert item["timezone"] == "Europe/Amsterdam"
    assert item["room"] == {"id": programme.ids["lorentz"], "name": "Lorentzzaal"}
    assert item["venue"] == {"id": programme.ids["kog"], "slug": "kamerlingh-onnes-gebouw",
                             "name": "Kamerlingh Onnes Gebouw"}
    assert [s["name"] for s in item["speakers"]] == ["Ada Lovelace", "Hendrik Lorentz"]
    assert item["track"]["slug"] == "health"
    assert item["format"] == "panel"
    assert item["status"] == "confirmed"
    assert item["url"] == f"http://esof.test/programme/sessions/{programme.panel.id}"
    assert (item["needs_booking"], item["capacity"], item["booked"], item["waitlisted"]) == (False, 120, 0, 0)


def test_session_seats_use_the_booking_cap_and_the_counts(client: FlaskClient, programme: Programme) -> None:
    item = get_json(client, f"/api/v1/sessions/{programme.workshop.id}")
    assert (item["needs_booking"], item["capacity"], item["booked"], item["waitlisted"]) == (True, 2, 2, 1)


def test_cancelled_session_is_listed_with_its_status(client: FlaskClient, programme: Programme) -> None:
    item = get_json(client, f"/api/v1/sessions/{programme.debate.id}")
    assert item["status"] == "cancelled"


@pytest.mark.parametrize(("query", "expected"), [
    ("day=2022-07-13", ["Opening ceremony", "Vaccines, trust & society"]),
    ("day=2022-07-14&track=health", ["Science communication workshop"]),
    ("track=health", ["Vaccines, trust & society", "Science communication workshop"]),
    ("venue=pieterskerk", ["Opening ceremony"]),
    ("format=debate", ["Sea level debate"]),
    ("language=nl", ["Science communication workshop"]),
    ("q=lorentz", ["Vaccines, trust & society"]),
    ("q=WORKSHOP", ["Science communication workshop"]),
])
def test_sessions_filters_as_on_the_programme_page(
    client: FlaskClient, programme: Programme, query: str, expected: list[str]
) -> None:
    body = get_json(client, f"/api/v1/sessions?{query}")
    assert titles(body) == expected
    assert body["total"] == len(expected)


@pytest.mark.parametrize(("query", "reason"), [
    ("day=13-07-2022", "day must be a date like 2022-07-13."),
    ("day=2022-02-30", "day must be a date like 2022-07-13."),
    ("day=2022-07-20", "day must be one of the conference days, 2022-07-13 to 2022-07-16."),
    ("track=no-such-track", "There is no track “no-such-track” in the programme."),
    ("venue=nowhere", "There is no venue “nowhere” in the programme."),
    ("format=lecture", "format must be one of: ceremony, debate, keynote, open-podium, panel, plenary, "
                       "poster, seminar, social, workshop."),
    ("language=de", "language must be one of: en, nl."),
    ("page=0", "page must be a whole number from 1 to 100000."),
    ("page=two", "page must be a whole number from 1 to 100000."),
    ("per_page=101", "per_page must be a whole number from 1 to 100."),
    ("per_page=-1", "per_page must be a whole number from 1 to 100."),
    ("page=1&page=2", "The parameter page may be given only once."),
    ("track=" + "x" * 81, "track may be at most 80 characters long."),
    ("track=health%00", "track may not contain a NUL character."),
])
def test_sessions_bad_filter_is_400_with_a_reason(client: FlaskClient, programme: Programme, query: str,
                                                  reason: str) -> None:
    body = get_json(client, f"/api/v1/sessions?{query}", status=400)
    assert body == {"error": "InvalidParameter", "reason": reason, "status": 400}


@pytest.mark.parametrize("url", ["/api/v1/sessions/999999", "/api/v1/sessions/99999999999999999999"])
def test_unknown_session_is_404_json(client: FlaskClient, programme: Programme, url: str) -> None:
    body = get_json(client, url, status=404)
    assert body["status"] == 404
    assert body["reason"]


def test_draft_only_session_is_404(client: FlaskClient, programme: Programme) -> None:
    body = get_json(client, f"/api/v1/sessions/{programme.draft_only.id}", status=404)
    assert body == {"error": "NotFound", "reason": "This session is not in the published programme.", "status": 404}


def test_sessions_without_a_published_version_are_an_empty_list(client: FlaskClient) -> None:
    assert get_json(client, "/api/v1/sessions") == {"items": [], "total": 0, "next": None}


# --------------------------------------------------------------------------- pagination


def test_pagination_follows_next_links_with_the_filters_in_a_stable_order(app: Flask, client: FlaskClient) -> None:
    build_programme(extra_sessions=7)  # seven posters at the same time: the order needs the id too
    seen: list[int] = []
    url: str | None = "/api/v1/sessions?day=2022-07-15&per_page=3"
    pages = 0
    while url:
        body = get_json(client, url.removeprefix("http://esof.test"))
        assert body["total"] == 7
        seen += [item["id"] for item in body["items"]]
        url = body["next"]
        pages += 1
        if url:
            assert url.startswith("http://esof.test/api/v1/sessions?")
            assert "day=2022-07-15" in url and "per_page=3" in url
    assert pages == 3
    assert seen == sorted(seen) and len(set(seen)) == 7
    assert get_json(client, "/api/v1/sessions?day=2022-07-15&per_page=3&page=2")["next"] == (
        "http://esof.test/api/v1/sessions?day=2022-07-15&page=3&per_page=3")


def test_page_past_the_end_is_empty_with_the_total(client: FlaskClient, programme: Programme) -> None:
    assert get_json(client, "/api/v1/sessions?page=9") == {"items": [], "total": 4, "next": None}


# --------------------------------------------------------------------------- venues, tracks


def test_venues_with_rooms_by_name(client: FlaskClient, programme: Programme) -> None:
    body = get_json(client, "/api/v1/venues")
    assert [v["name"] for v in body["items"]] == ["Kamerlingh Onnes Gebouw", "Pieterskerk"]
    kog = body["items"][0]
    assert [(r["name"], r["capacity"]) for r in kog["rooms"]] == [("Cleveringazaal", 40), ("Lorentzzaal", 120)]
    assert (kog["latitude"], kog["longitude"], kog["address"]) == (52.1565, 4.4877, "Steenschuur 25, Leiden")
    assert get_json(client, f"/api/v1/venues/{programme.ids['kog']}") == kog


def test_unknown_venue_is_404(client: FlaskClient, programme: Programme) -> None:
    assert get_json(client, "/api/v1/venues/424242", status=404)["reason"] == "There is no such venue."


def test_tracks_by_name_with_dutch_names(client: FlaskClient, programme: Programme) -> None:
    body = get_json(client, "/api/v1/tracks")
    assert [(t["slug"], t["name"], t["name_nl"]) for t in body["items"]] == [
        ("climate", "Climate", "Climate"), ("health", "Health", "Gezondheid")]
    assert body["total"] == 2


# --------------------------------------------------------------------------- side events


def test_side_events_are_the_approved_revisions_only(client: FlaskClient, calendar: Calendar) -> None:
    body = get_json(client, "/api/v1/side-events?lang=en")
    assert titles(body) == ["Light and lenses", "Family science days", "Stars over Leiden", "Original title"]
    assert body["total"] == 4
    assert get_json(client, f"/api/v1/side-events/{calendar.pending.id}", status=404)["reason"] == (
        "This event is not in the calendar.")


def test_side_event_language_with_fallback(client: FlaskClient, calendar: Calendar) -> None:
    english = get_json(client, f"/api/v1/side-events/{calendar.lecture.id}")
    assert (english["title"], english["title_language"]) == ("Stars over Leiden", "en")
    dutch = get_json(client, f"/api/v1/side-events/{calendar.lecture.id}?lang=nl")
    assert (dutch["title"], dutch["title_language"]) == ("Sterren boven Leiden", "nl")
    assert dutch["description"] == "<p>Een lezing over <strong>telescopen</strong>.</p>"
    fallback = get_json(client, f"/api/v1/side-events/{calendar.family_day.id}?lang=nl")
    assert (fallback["title"], fallback["title_language"]) == ("Family science days", "en")


def test_one_off_side_event_fields(client: FlaskClient, calendar: Calendar) -> None:
    item = get_json(client, f"/api/v1/side-events/{calendar.lecture.id}?from=2022-07-01")
    assert (item["start"], item["end"], item["timezone"]) == (
        "2022-07-14T10:00:00+02:00", "2022-07-14T12:00:00+02:00", "Europe/Amsterdam")
    assert (item["all_day"], item["rrule"], item["exdates"]) == (False, None, [])
    assert item["next_occurrences"] == [{"start": "2022-07-14T10:00:00+02:00", "end": "2022-07-14T12:00:00+02:00",
                                         "status": "confirmed"}]
    assert (item["status"], item["cancellation_reason"]) == ("confirmed", None)
    assert (item["category"], item["audience"], item["language"]) == ("lecture", ["adults"], "nl")
    assert item["organisation"] == {"id": calendar.lecture.organisation_id, "slug": "boerhaave",
                                    "name": "Museum Boerhaave", "website": "https://rijksmuseumboerhaave.nl"}
    assert (item["free"], item["price_cents"], item["booking_url"]) == (False, 750, "https://example.org/book")
    assert item["location"]["name"] == "Sterrewacht"
    assert item["url"] == f"http://esof.test/calendar/events/{calendar.lecture.id}"


def test_recurring_side_event_has_rule_exdates_and_next_occurrences(client: FlaskClient, calendar: Calendar) -> None:
    item = get_json(client, f"/api/v1/side-events/{calendar.exhibition.id}?from=2022-07-12")
    assert item["rrule"] == "FREQ=WEEKLY;BYDAY=TU,SA;UNTIL=20220831T215959Z"
    assert item["exdates"] == ["2022-07-16"]
    assert (item["start"], item["end"]) == ("2022-06-04T10:00:00+02:00", "2022-06-04T17:00:00+02:00")
    assert [o["start"] for o in item["next_occurrences"][:4]] == [
        "2022-07-12T10:00:00+02:00", "2022-07-19T10:00:00+02:00",  # 16 July left out
        "2022-07-23T10:00:00+02:00", "2022-07-26T10:00:00+02:00"]
    assert len(item["next_occurrences"]) == 10
    late = get_json(client, f"/api/v1/side-events/{calendar.exhibition.id}?from=2022-08-28")
    assert [o["start"] for o in late["next_occurrences"]] == ["2022-08-30T10:00:00+02:00"]


def test_all_day_side_event_uses_dates_with_an_inclusive_end(client: FlaskClient, calendar: Calendar) -> None:
    item = get_json(client, f"/api/v1/side-events/{calendar.family_day.id}?from=2022-07-01")
    assert (item["all_day"], item["start"], item["end"]) == (True, "2022-07-02", "2022-07-03")
    assert item["next_occurrences"] == [{"start": "2022-07-02", "end": "2022-07-03", "status": "confirmed"}]


@pytest.mark.parametrize(("query", "expected"), [
    ("category=exhibition", ["Light and lenses"]),
    ("category=family,lecture", ["Family science days", "Stars over Leiden", "Original title"]),
    ("category=family&category=lecture", ["Family science days", "Stars over Leiden", "Original title"]),
    ("audience=children", ["Family science days"]),
    ("language=en", ["Family science days"]),
    ("free=true&category=lecture", ["Original title"]),
    ("free=false&category=lecture", ["Stars over Leiden", "Original title"]),
    ("free=1&category=lecture,family", ["Family science days", "Original title"]),
    ("neighbourhood=pieterswijk", ["Light and lenses"]),
    ("neighbourhood=Nowhere", []),
    ("q=lenzen", ["Light and lenses"]),
    ("from=2022-07-14&to=2022-07-14", ["Stars over Leiden"]),
    ("from=2022-07-03&to=2022-07-05", ["Light and lenses", "Family science days"]),
    ("from=2022-09-01", ["Original title"]),
    ("to=2022-06-30", ["Light and lenses"]),
    ("from=2022-07-20&to=2022-07-10", []),
])
def test_side_event_filters_as_on_the_calendar(client: FlaskClient, calendar: Calendar, query: str,
                                               expected: list[str]) -> None:
    body = get_json(client, f"/api/v1/side-events?{query}")
    assert titles(body) == expected
    assert body["total"] == len(expected)


@pytest.mark.parametrize(("query", "reason"), [
    ("category=concert", "category must be one or more of: debate, exhibition, family, festival, lecture, "
                         "other, performance, tour, workshop."),
    ("category=", "category must be one or more of: debate, exhibition, family, festival, lecture, "
                  "other, performance, tour, workshop."),
    ("audience=teens", "audience must be one or more of: adults, children, families, professionals."),
    ("language=fr", "language must be one or more of: en, nl."),
    ("free=maybe", "free must be true or false."),
    ("from=2022-7-1", "from must be a date like 2022-07-13."),
    ("lang=de", "lang must be one of: en, nl."),
    ("q=" + "w" * 101, "q may be at most 100 characters long."),
    ("q=lenzen%00", "q may not contain a NUL character."),
    ("neighbourhood=Centrum%00", "neighbourhood may not contain a NUL character."),
])
def test_side_events_bad_filter_is_400_with_a_reason(client: FlaskClient, calendar: Calendar, query: str,
                                                     reason: str) -> None:
    assert get_json(client, f"/api/v1/side-events?{query}", status=400) == {
        "error": "InvalidParameter", "reason": reason, "status": 400}


def test_side_events_next_link_keeps_the_calendar_filters(client: FlaskClient, calendar: Calendar) -> None:
    body = get_json(client, "/api/v1/side-events?category=lecture&category=exhibition&lang=nl&per_page=1")
    assert body["next"] == ("http://esof.test/api/v1/side-events?category=lecture&category=exhibition"
                            "&lang=nl&page=2&per_page=1")
    assert titles(body) == ["Licht en lenzen"]


# --------------------------------------------------------------------------- HTTP behaviour


def test_etag_answers_304_to_a_matching_if_none_match(client: FlaskClient, programme: Programme) -> None:
    first = client.get("/api/v1/sessions")
    etag = first.headers["ETag"]
    again = client.get("/api/v1/sessions", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    assert first.headers["Cache-Control"] == "public, max-age=60"


def test_etag_changes_when_the_body_changes(client: FlaskClient, programme: Programme) -> None:
    before = client.get("/api/v1/tracks").headers["ETag"]
    track = db.session.scalar(sa.select(Track).where(Track.slug == "climate"))
    track.name_nl = "Klimaat"
    db.session.commit()
    changed = client.get("/api/v1/tracks", headers={"If-None-Match": before})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != before
    assert changed.get_json()["items"][0]["name_nl"] == "Klimaat"


def test_head_answers_headers_without_a_body(client: FlaskClient, programme: Programme) -> None:
    response = client.head("/api/v1/sessions")
    assert response.status_code == 200
    assert response.get_data() == b""
    assert response.headers["ETag"] == client.get("/api/v1/sessions").headers["ETag"]


@pytest.mark.parametrize("url", ["/api/v1/venues", "/api/v1/sessions/999", "/api/v1/sessions?page=0",
                                 "/api/v1/no-such-thing"])
def test_cors_header_on_answers_and_errors(client: FlaskClient, url: str) -> None:
    response = client.get(url, headers={"Origin": "https://app.example.com"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Expose-Headers"] == "ETag"


def test_cors_preflight_is_answered(client: FlaskClient) -> None:
    response = client.options("/api/v1/side-events", headers={
        "Origin": "https://partner.example.org", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "If-None-Match"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]
    assert response.headers["Access-Control-Max-Age"] == "86400"


def test_pages_outside_the_api_get_no_cors_header(client: FlaskClient) -> None:
    assert "Access-Control-Allow-Origin" not in client.get("/account/login").headers


def test_writes_are_405_json(client: FlaskClient, programme: Programme) -> None:
    response = client.post("/api/v1/sessions")
    assert response.status_code == 405
    assert response.get_json()["status"] == 405


def test_unknown_api_path_is_404_json(client: FlaskClient) -> None:
    body = get_json(client, "/api/v1/no-such-thing", status=404)
    assert body["status"] == 404


class TestRateLimits:
    @pytest.fixture
    def app_config(self) -> dict[str, Any]:
        return {"RATELIMIT_DEFAULT": "2 per minute"}

    def test_api_is_exempt_from_rate_limits(self, client: FlaskClient) -> None:
        statuses = [client.get("/api/v1/tracks").status_code for _ in range(6)]
        assert statuses == [200] * 6
        # The same limit does hold for the site's pages.
        assert [client.get("/account/login").status_code for _ in range(3)][-1] == 429


# --------------------------------------------------------------------------- query counts


@pytest.mark.parametrize("url", [
    "/api/v1/sessions?per_page={n}",
    "/api/v1/sessions?per_page={n}&q=poster&track=climate",
    "/api/v1/side-events?per_page={n}&from=2022-01-01",
    "/api/v1/side-events?per_page={n}&category=lecture&q=lecture",
    "/api/v1/venues?per_page={n}",
    "/api/v1/tracks?per_page={n}",
])
def test_list_query_count_does_not_grow_with_the_page_size(
    app: Flask, client: FlaskClient, count_queries: QueryCounter, url: str
) -> None:
    build_programme(extra_sessions=60)
    build_calendar(extra_events=60)
    from esof.programme import services as programme
    from esof.venues import services as venues

    for n in range(12):
        venue = venues.save_venue(name=f"Extra venue {n:02d}")
        venues.save_room(venue=venue, name="Room", capacity=10 + n)
        programme.save_track(name=f"Extra track {n:02d}")
    db.session.commit()
    counts = {}
    for n in (5, 50):
        count_queries.reset()
        body = get_json(client, url.format(n=n))
        assert len(body["items"]) == min(n, body["total"])
        counts[n] = count_queries.count
    assert counts[5] == counts[50], counts
    assert counts[5] <= 6, counts


# --------------------------------------------------------------------------- both databases


@pytest.mark.postgres
def test_lists_answer_the_same_on_sqlite_and_postgresql(any_app: Flask) -> None:
    """Ordering (NULLS LAST, ties by id), the occurrence window function and the date window."""
    build_programme(extra_sessions=3)
    build_calendar()
    client = any_app.test_client()
    sessions = get_json(client, "/api/v1/sessions?day=2022-07-15&per_page=2")
    assert titles(sessions) == ["Poster 000", "Poster 001"]
    assert sessions["total"] == 3
    workshop = get_json(client, "/api/v1/sessions?format=workshop")["items"][0]
    assert (workshop["capacity"], workshop["booked"], workshop["waitlisted"]) == (2, 2, 1)
    events = get_json(client, "/api/v1/side-events?from=2022-07-03&to=2022-07-14&lang=nl")
    assert titles(events) == ["Licht en lenzen", "Family science days", "Sterren boven Leiden"]
    assert [o["start"] for o in events["items"][0]["next_occurrences"][:2]] == [
        "2022-07-05T10:00:00+02:00", "2022-07-09T10:00:00+02:00"]
    assert len(events["items"][0]["next_occurrences"]) == 3  # 5, 9 and 12 July; 14 July is a Thursday


def test_error_reason_follows_accept_language(client: FlaskClient) -> None:
    response = client.get("/api/v1/sessions?page=0", headers={"Accept-Language": "nl"})
    assert response.get_json()["reason"] == "page moet een geheel getal van 1 tot en met 100000 zijn."
