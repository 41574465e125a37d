"""Anonymous public pages and the read API from the page cache: the same bytes as a render,
new at once after a publication, a moderation or a booking; 304 to a matching ETag; no
cookie; language and query in the key; a logged-in person never served a shared page."""
from __future__ import annotations

import re
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from esof import page_cache
from esof.bookings import services as bookings
from esof.extensions import db
from esof.feeds import stamps as feed_stamps
from esof.programme import services as programme
from esof.side_events import services as side_events
from tests.api.factories import Calendar, Programme, build_calendar, build_programme, confirmed_delegate
from tests.conftest import QueryCounter
from tests.support import log_in

LIVE_SECONDS = 0.2  # how long a process reuses the live seat numbers it read

CACHED_PAGES = [
    "/programme/?day=2022-07-13", "/programme/?track=health&day=2022-07-14", "/programme/grid?day=2022-07-14",
    "/programme/sessions/{workshop}", "/programme/speakers/", "/programme/speakers/{speaker}",
    "/programme/changes", "/programme/changes.atom", "/calendar/?from=2022-07-01", "/calendar/month/2022-07",
    "/calendar/day/2022-07-14", "/calendar/events/{lecture}", "/api/v1/sessions", "/api/v1/sessions/{workshop}",
    "/api/v1/side-events?from=2022-07-01", "/api/v1/venues", "/api/v1/tracks", "/api/v1/speakers",
    "/venues/", "/venues/pieterskerk",
]


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"PAGE_CACHE_ENABLED": True, "PAGE_CACHE_LIVE_SECONDS": LIVE_SECONDS}


@pytest.fixture
def data(app: Flask) -> tuple[Programme, Calendar]:
    return build_programme(), build_calendar()


def urls(data: tuple[Programme, Calendar]) -> list[str]:
    found, calendar = data
    speaker = found.panel.speakers[0].id
    ids = {"workshop": found.workshop.id, "speaker": speaker, "lecture": calendar.lecture.id}
    return [url.format(**ids) for url in CACHED_PAGES]


def test_the_topics_are_the_feeds_topics() -> None:
    assert (page_cache.PROGRAMME, page_cache.SIDE_EVENTS) == (feed_stamps.PROGRAMME, feed_stamps.SIDE_EVENTS)


def test_a_cached_page_is_the_same_bytes_as_a_render_and_costs_no_render(
        app: Flask, client: FlaskClient, data: tuple[Programme, Calendar], count_queries: QueryCounter) -> None:
    for url in urls(data):
        first = client.get(url)
        count_queries.reset()
        again = client.get(url)
        assert first.status_code == again.status_code == 200, url
        assert again.data == first.data, url
        # From the cache: no query beyond the live seat numbers (the session pages read them).
        assert count_queries.count <= (1 if "sessions" in url else 0), url
        app.config["PAGE_CACHE_ENABLED"] = False
        assert client.get(url).data == first.data, url
        app.config["PAGE_CACHE_ENABLED"] = True


def test_cached_pages_answer_304_with_cdn_headers_and_no_cookie(client: FlaskClient, data) -> None:
    for url in urls(data):
        first = client.get(url)
        again = client.get(url)
        assert "Set-Cookie" not in first.headers and "Set-Cookie" not in again.headers, url
        assert first.headers["ETag"] == again.headers["ETag"], url
        assert "public" in first.headers["Cache-Control"], url
        not_modified = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert not_modified.status_code == 304 and not_modified.data == b"", url
    page = client.get("/programme/?day=2022-07-13")
    assert page.headers["Cache-Control"] == "public, max-age=60, stale-while-revalidate=300"
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in page.headers["Vary"].split(",")}
    # Live seat numbers: a shared cache keeps the page but asks before every use.
    assert client.get(f"/programme/sessions/{data[0].workshop.id}").headers["Cache-Control"] == "public, no-cache"


def test_language_and_query_are_in_the_key_unknown_parameters_are_not(client: FlaskClient, data) -> None:
    english = client.get("/programme/?day=2022-07-14")
    dutch = client.get("/programme/?day=2022-07-14", headers={"Accept-Language": "nl"})
    assert 'lang="en"' in english.get_data(as_text=True) and 'lang="nl"' in dutch.get_data(as_text=True)
    assert "Gezondheid" in dutch.get_data(as_text=True) and "Gezondheid" not in english.get_data(as_text=True)
    other_day = client.get("/programme/?day=2022-07-13")
    assert "Opening ceremony" in other_day.get_data(as_text=True)
    assert "Opening ceremony" not in english.get_data(as_text=True)
    # Order and parameters the page does not read do not make another page.
    reordered = client.get("/programme/?utm_source=x&day=2022-07-14")
    assert reordered.data == english.data and reordered.headers["ETag"] == english.headers["ETag"]
    # The language switch sends the visitor back to the page as the cache knows it.
    assert 'name="next" value="/programme/?day=2022-07-14"' in reordered.get_data(as_text=True)
    assert client.get("/calendar/month/2022-07?category=family").data != client.get("/calendar/month/2022-07").data
    chosen = client.get("/language/nl", query_string={"next": "/programme/?day=2022-07-14"})
    assert chosen.status_code == 302
    assert 'lang="nl"' in client.get("/programme/?day=2022-07-14").get_data(as_text=True)


def test_publishing_a_new_version_changes_the_pages_at_once(client: FlaskClient, data) -> None:
    found, _calendar = data
    assert "Opening ceremony" in client.get("/programme/?day=2022-07-13").get_data(as_text=True)
    assert client.get(f"/api/v1/sessions/{found.opening.id}").json["title"] == "Opening ceremony"
    programme.save_session(item=found.opening, title="Grand opening", format=found.opening.format)
    db.session.commit()
    # The draft is not public: the cached page stays right.
    assert "Grand opening" not in client.get("/programme/?day=2022-07-13").get_data(as_text=True)
    programme.publish_schedule(actor=found.organiser, note="Renamed")
    db.session.commit()
    assert "Grand opening" in client.get("/programme/?day=2022-07-13").get_data(as_text=True)
    assert "Grand opening" in client.get(f"/programme/sessions/{found.opening.id}").get_data(as_text=True)
    assert client.get(f"/api/v1/sessions/{found.opening.id}").json["title"] == "Grand opening"


def test_moderation_changes_the_calendar_at_once(client: FlaskClient, data) -> None:
    found, calendar = data
    assert "Waiting for approval" not in client.get("/calendar/?from=2022-07-01").get_data(as_text=True)
    side_events.approve_side_event(event=calendar.pending, moderator=found.organiser)
    db.session.commit()
    assert "Waiting for approval" in client.get("/calendar/?from=2022-07-01").get_data(as_text=True)
    assert "Waiting for approval" in client.get("/calendar/day/2022-07-14").get_data(as_text=True)
    titles = [item["title"] for item in client.get("/api/v1/side-events?from=2022-07-01").json["items"]]
    assert "Waiting for approval" in titles


def test_a_booking_changes_the_live_numbers_within_the_live_time(client: FlaskClient, data) -> None:
    found, _calendar = data
    url = f"/programme/sessions/{found.workshop.id}"
    assert "2 of 2 seats booked, 1 on the waiting list." in client.get(url).get_data(as_text=True)
    listed = {item["id"]: item for item in client.get("/api/v1/sessions?day=2022-07-14").json["items"]}
    assert listed[found.workshop.id]["waitlisted"] == 1
    before = client.get(url).headers["ETag"]
    bookings.book_seat(item=found.workshop, delegate=confirmed_delegate("late@example.org"))
    db.session.commit()
    time.sleep(LIVE_SECONDS * 1.5)
    page = client.get(url, headers={"If-None-Match": before})
    assert page.status_code == 200 and "2 of 2 seats booked, 2 on the waiting list." in page.get_data(as_text=True)
    assert client.get(f"/api/v1/sessions/{found.workshop.id}").json["waitlisted"] == 2
    items = {item["id"]: item for item in client.get("/api/v1/sessions").json["items"]}
    assert (items[found.workshop.id]["booked"], items[found.workshop.id]["waitlisted"]) == (2, 2)


def test_a_logged_in_person_sees_their_own_booking_at_once(app: Flask, data) -> None:
    found, _calendar = data
    url = f"/programme/sessions/{found.workshop.id}"
    app.test_client().get(url)  # the anonymous page is in the cache
    me = confirmed_delegate("me@example.org")
    db.session.commit()
    client = app.test_client()
    log_in(client, "me@example.org")
    page = client.get(url)
    assert page.headers["Cache-Control"] == "private, no-cache"
    assert "Join the waiting list" in page.get_data(as_text=True)
    bookings.book_seat(item=found.workshop, delegate=me)
    db.session.commit()
    assert "You are number 2 on the waiting list." in client.get(url).get_data(as_text=True)


def test_a_message_in_the_session_is_never_cached_for_others(app: Flask, data) -> None:
    visitor = app.test_client()
    with visitor.session_transaction() as session:
        session["_flashes"] = [("success", "Only for this browser")]
    assert "Only for this browser" in visitor.get("/programme/?day=2022-07-13").get_data(as_text=True)
    assert "Only for this browser" not in app.test_client().get("/programme/?day=2022-07-13").get_data(as_text=True)


def test_scheme_and_host_are_in_the_key(client: FlaskClient, data) -> None:
    """The changes feed links to itself absolutely: another host must not get those links."""
    here = client.get("/programme/changes.atom", base_url="https://esof.test").get_data(as_text=True)
    there = client.get("/programme/changes.atom", base_url="http://other.test").get_data(as_text=True)
    assert "https://esof.test/programme/changes" in here and "esof.test" not in there
    assert "http://other.test/programme/changes" in there


def test_another_build_never_gets_the_pages_of_the_old_one(
        client: FlaskClient, data, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a deploy with changed templates, Redis still holds yesterday's renders: the build is
    in the key, so the new code renders afresh instead of serving the old markup for a day."""
    first = client.get("/venues/")
    assert first.status_code == 200
    assert client.get("/venues/").headers["ETag"] == first.headers["ETag"]
    cache = page_cache.page_cache()
    entries = len(cache.local.entries)
    monkeypatch.setenv("ESOF_BUILD", "next-deploy")
    page_cache.build_version.cache_clear()
    try:
        again = client.get("/venues/")
        assert again.status_code == 200
        assert len(cache.local.entries) == entries + 1  # a new entry: the old one was not used
    finally:
        monkeypatch.delenv("ESOF_BUILD")
        page_cache.build_version.cache_clear()


def test_the_build_is_a_digest_of_the_package_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ESOF_BUILD", raising=False)
    page_cache.build_version.cache_clear()
    first = page_cache.build_version()
    page_cache.build_version.cache_clear()
    assert page_cache.build_version() == first and len(first) == 16
    monkeypatch.setenv("ESOF_BUILD", "2022.07.1")
    page_cache.build_version.cache_clear()
    assert page_cache.build_version() == "2022.07.1"
    page_cache.build_version.cache_clear()


def without_csrf_tokens(body: bytes) -> bytes:
    return re.sub(rb'name="csrf_token" value="[^"]+"', b'name="csrf_token"', body)


def test_a_logged_in_person_gets_the_shared_page_with_their_own_header(
        app: Flask, data, count_queries: QueryCounter) -> None:
    found, _calendar = data
    confirmed_delegate("me@example.org")
    db.session.commit()
    me = app.test_client()
    log_in(me, "me@example.org")
    assert "You are logged in." in me.get("/programme/changes").get_data(as_text=True)  # a message: whole
    for url in ("/programme/?day=2022-07-13", "/programme/grid?day=2022-07-14", "/programme/speakers/",
                "/programme/changes", "/calendar/?from=2022-07-01", "/calendar/month/2022-07"):
        anonymous = app.test_client().get(url)  # fills the cache
        count_queries.reset()
        spliced = me.get(url)
        spliced_queries = count_queries.count
        assert spliced.headers["Cache-Control"] == "private, no-cache" and "ETag" not in spliced.headers, url
        app.config["PAGE_CACHE_ENABLED"] = False
        count_queries.reset()
        whole = me.get(url)
        app.config["PAGE_CACHE_ENABLED"] = True
        # The same page but for the CSRF tokens, which are signed with the time (to the second).
        assert without_csrf_tokens(spliced.data) == without_csrf_tokens(whole.data), url
        # Only the person and their header (the delegate check) were read, not the page.
        assert spliced_queries < count_queries.count, (url, spliced_queries)
        assert "My agenda" in spliced.get_data(as_text=True) and "My agenda" not in anonymous.get_data(as_text=True)
        assert "Log out" in spliced.get_data(as_text=True)


def test_an_organiser_gets_the_calendar_with_their_own_links(app: Flask, data) -> None:
    found, _calendar = data
    anonymous = app.test_client().get("/calendar/month/2022-07")
    organiser = app.test_client()
    log_in(organiser, found.organiser.email)
    page = organiser.get("/calendar/month/2022-07").get_data(as_text=True)
    assert "Moderation" in page and "Moderation" not in anonymous.get_data(as_text=True)
