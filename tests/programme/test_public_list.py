"""The public programme list as visitors and delegates use it: a search covers every day,
a cancelled session keeps its page, and each item carries its booking marks in words with
the forms to star and book, right at once after a change (through the page cache too)."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from esof.extensions import db
from esof.programme import services as programme
from esof.programme.models import SessionFormat
from tests.api.factories import Programme, at, build_programme, confirmed_delegate
from tests.support import QueryCounter, csrf_token_from, log_in


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"PAGE_CACHE_ENABLED": True, "PAGE_CACHE_LIVE_SECONDS": 0}


@pytest.fixture
def found(app: Flask) -> Programme:
    return build_programme()


def titles(html: str) -> list[str]:
    return re.findall(r'<h3 class="title"><a href="[^"]+">([^<]+)</a>', html)


def item_of(html: str, session_id: int) -> str:
    match = re.search(rf'<article [^>]*id="session-{session_id}">(.*?)</article>', html, re.S)
    assert match, f"no item for session {session_id}"
    return match.group(1)


def test_a_search_from_one_days_tab_finds_the_matches_of_every_day(client: FlaskClient, found: Programme) -> None:
    # The workshop is on 14 July; the visitor searches while looking at 13 July.
    html = client.get("/programme/?day=2022-07-13&q=workshop").get_data(as_text=True)
    assert titles(html) == ["Science communication workshop"]
    assert "0 sessions" not in html and "on all days" in html
    assert '<a href="#day-2022-07-14">' in html and "(1 match)" in html and "(no matches)" in html
    assert 'id="day-2022-07-14"' in html
    # Clearing the words goes back to the day the visitor came from.
    assert '<input type="hidden" name="day" value="2022-07-13">' in html
    assert titles(client.get("/programme/?day=2022-07-13").get_data(as_text=True)) == [
        "Opening ceremony", "Vaccines, trust &amp; society"]


def test_a_cancelled_session_keeps_its_page_api_status_and_feed_entry(client: FlaskClient, found: Programme) -> None:
    page = client.get(f"/programme/sessions/{found.debate.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Sea level debate" in html and "This session is cancelled." in html
    assert "Other sessions that day" in html and "<dt>Seats</dt>" not in html and "add-to-calendar" not in html
    assert client.get(f"/api/v1/sessions/{found.debate.id}").json["status"] == "cancelled"
    feed = client.get("/feeds/programme.ics").get_data(as_text=True)
    entry = feed[feed.index("SUMMARY:Sea level debate") - 600:feed.index("SUMMARY:Sea level debate") + 600]
    assert "STATUS:CANCELLED" in entry
    listed = client.get("/programme/?day=2022-07-14").get_data(as_text=True)
    assert "Cancelled" in item_of(listed, found.debate.id)


def test_a_session_taken_off_the_schedule_is_shown_cancelled_not_404(client: FlaskClient, found: Programme) -> None:
    programme.unschedule_session(item=found.panel)
    programme.publish_schedule(actor=found.organiser, note="Panel dropped")
    db.session.commit()
    page = client.get(f"/programme/sessions/{found.panel.id}")
    assert page.status_code == 200 and "This session is cancelled." in page.get_data(as_text=True)
    assert client.get(f"/api/v1/sessions/{found.panel.id}").json["status"] == "cancelled"


def test_a_visitor_sees_booking_required_and_no_forms(client: FlaskClient, found: Programme) -> None:
    html = client.get("/programme/?day=2022-07-14").get_data(as_text=True)
    assert "Booking required" in item_of(html, found.workshop.id)
    assert "Booking required" not in item_of(html, found.debate.id)
    assert "/star" not in html and "/book" not in html


def post_from_list(client: FlaskClient, html: str, action: str, session_id: int) -> Any:
    form = re.search(rf'<form method="post" action="/programme/sessions/{session_id}/{action}">(.*?)</form>',
                     html, re.S)
    assert form, f"no {action} form for {session_id}"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(1)))
    assert fields["csrf_token"] == csrf_token_from(html)
    return client.post(f"/programme/sessions/{session_id}/{action}", data=fields)


def test_a_delegate_stars_and_books_from_the_list_and_sees_it_at_once(app: Flask, found: Programme) -> None:
    url = "/programme/?day=2022-07-14"
    app.test_client().get(url)  # the visitor's page is in the cache
    extra = programme.save_session(title="Coastal walk", format=SessionFormat.WORKSHOP, needs_booking=True)
    programme.schedule_session(item=extra, room_id=found.ids["nave"], starts_at=at(14, 11), ends_at=at(14, 12))
    programme.publish_schedule(actor=found.organiser, note="Walk added")
    confirmed_delegate("me@example.org")
    db.session.commit()
    me = app.test_client()
    log_in(me, "me@example.org")
    me.get("/programme/changes")  # takes the log-in message

    html = me.get(url).get_data(as_text=True)
    workshop = item_of(html, found.workshop.id)
    assert "Booking required" in workshop and "Full" in workshop and "Join the waiting list" in workshop
    assert "Book a seat" in item_of(html, extra.id) and "Full" not in item_of(html, extra.id)
    assert "/book" not in item_of(html, found.debate.id)  # cancelled: nothing to do

    starred = post_from_list(me, html, "star", extra.id)
    assert starred.status_code == 302 and starred.location == f"{url}#session-{extra.id}"
    after = me.get(url).get_data(as_text=True)  # with the message: rendered whole
    assert "Starred: the session is in your agenda." in after and "★ Starred" in item_of(after, extra.id)
    again = me.get(url)  # no message: the cached page with their marks
    assert again.headers["Cache-Control"] == "private, no-cache"
    assert "★ Starred" in item_of(again.get_data(as_text=True), extra.id)

    booked = post_from_list(me, again.get_data(as_text=True), "book", extra.id)
    assert booked.status_code == 302
    me.get(url)
    item = item_of(me.get(url).get_data(as_text=True), extra.id)
    assert "Booked" in item and "★ Starred" in item and "Book a seat" not in item

    waiting = post_from_list(me, me.get(url).get_data(as_text=True), "book", found.workshop.id)
    assert waiting.status_code == 302
    me.get(url)
    assert "Waiting list, number 2" in item_of(me.get(url).get_data(as_text=True), found.workshop.id)
    # The visitor's cached page never shows the delegate's marks.
    anonymous = app.test_client().get(url).get_data(as_text=True)
    assert "Starred" not in anonymous and "Booked" not in anonymous and "Waiting list" not in anonymous


def test_the_delegates_list_costs_the_same_queries_for_few_or_many_sessions(app: Flask, found: Programme) -> None:
    app.config["PAGE_CACHE_ENABLED"] = False  # count the render, not a cache hit
    confirmed_delegate("me@example.org")
    db.session.commit()
    me = app.test_client()
    log_in(me, "me@example.org")
    me.get("/programme/changes")
    url = "/programme/?day=2022-07-15"

    def count() -> int:
        with QueryCounter(db.engine) as counter:
            assert me.get(url).status_code == 200
        return counter.count

    def add_posters(n: int, first: int) -> None:
        for k in range(first, first + n):
            poster = programme.save_session(title=f"Poster {k:03d}", format=SessionFormat.POSTER,
                                            needs_booking=k % 2 == 0)
            starts = at(15, 8) + timedelta(minutes=20 * k)  # one room, one after the other
            programme.schedule_session(item=poster, room_id=found.ids["nave"], starts_at=starts,
                                       ends_at=starts + timedelta(minutes=15))
        programme.publish_schedule(actor=found.organiser, note="Posters")
        db.session.commit()

    add_posters(2, 0)
    few = count()
    add_posters(40, 2)
    html = me.get(url).get_data(as_text=True)
    assert len(titles(html)) == 42 and html.count("☆ Star") == 42
    assert count() == few
