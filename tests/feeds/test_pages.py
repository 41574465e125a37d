"""Subscribe and add-to-calendar links on pages; the agenda address on the account page."""
from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from esof.extensions import db
from tests.factories import UserFactory
from tests.feeds.conftest import Programme
from tests.support import log_in, submit_form


def test_programme_page_offers_a_subscription_matching_its_filter(client: FlaskClient, published: Programme) -> None:
    html = client.get("/programme/?track=health&day=2022-07-13").get_data(as_text=True)
    assert 'href="webcal://esof.test/feeds/programme.ics?track=health&amp;day=2022-07-13"' in html
    assert "https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2Fesof.test%2Ffeeds%2Fprogramme.ics" in html


def test_a_dutch_page_offers_the_dutch_feed_and_a_feed_speaks_what_its_address_says(
    client: FlaskClient, published: Programme
) -> None:
    client.get("/language/nl")
    html = client.get("/programme/?track=health&day=2022-07-13").get_data(as_text=True)
    assert 'href="webcal://esof.test/feeds/programme.ics?track=health&amp;day=2022-07-13&amp;lang=nl"' in html
    # Calendar servers poll without cookies, so the address alone decides the language:
    # this browser's Dutch preference does not leak into a (publicly cacheable) feed.
    assert "X-WR-CALNAME:ESOF 2022 — Health track" in client.get("/feeds/programme.ics?track=health").text
    assert "X-WR-CALNAME:ESOF 2022 — Track Health" in client.get("/feeds/programme.ics?track=health&lang=nl").text


def test_session_page_offers_a_download_and_google_template(client: FlaskClient, published: Programme) -> None:
    html = client.get(f"/programme/sessions/{published.opening.id}").get_data(as_text=True)
    assert f'href="/programme/sessions/{published.opening.id}.ics" download' in html
    # 09:00–10:30 CEST is 07:00–08:30 UTC.
    assert "dates=20220713T070000Z%2F20220713T083000Z" in html
    assert "webcal://" not in html.split("<main", 1)[1].split("subscribe", 1)[0]


def test_account_page_creates_shows_and_regenerates_the_agenda_address(app: Flask, client: FlaskClient,
                                                                       published: Programme) -> None:
    UserFactory(email="delegate@example.org")
    db.session.commit()
    log_in(client, "delegate@example.org")
    page = client.get("/account/").get_data(as_text=True)
    assert "Create my agenda address" in page
    response = submit_form(client, "/account/agenda-feed", {}, page="/account/")
    assert response.status_code == 302
    page = client.get("/account/").get_data(as_text=True)
    first = re.search(r'id="agenda-url"[^>]*value="(http://esof\.test/feeds/agenda/[^"]+\.ics)"', page).group(1)
    assert client.get(first.removeprefix("http://esof.test")).status_code == 200
    assert client.get("/account/").get_data(as_text=True).count(first) == 1  # shown again, unchanged
    submit_form(client, "/account/agenda-feed", {}, page="/account/")
    page = client.get("/account/").get_data(as_text=True)
    second = re.search(r'id="agenda-url"[^>]*value="(http://esof\.test/feeds/agenda/[^"]+\.ics)"', page).group(1)
    assert second != first
    assert client.get(first.removeprefix("http://esof.test")).status_code == 404
    assert client.get(second.removeprefix("http://esof.test")).status_code == 200


def test_regenerating_the_agenda_address_needs_csrf_and_login(client: FlaskClient, published: Programme) -> None:
    anonymous = submit_form(client, "/account/agenda-feed", {}, page="/account/login")
    assert anonymous.status_code == 302
    assert "/account/login" in anonymous.headers["Location"]
    UserFactory(email="d2@example.org")
    db.session.commit()
    log_in(client, "d2@example.org")
    assert client.post("/account/agenda-feed").status_code == 400


def test_agenda_page_offers_the_agenda_subscription(app: Flask, client: FlaskClient, published: Programme) -> None:
    from tests.bookings.factories import confirmed_delegate

    confirmed_delegate(email="agenda@example.org")
    db.session.commit()
    log_in(client, "agenda@example.org")
    submit_form(client, "/account/agenda-feed", {}, page="/account/")
    html = client.get("/programme/agenda").get_data(as_text=True)
    feed = re.search(r'id="agenda-url"[^>]*value="(http://esof\.test/feeds/agenda/[^"]+\.ics)"', html).group(1)
    assert 'href="webcal://esof.test/feeds/agenda/' in html
    assert client.get(feed.removeprefix("http://esof.test")).status_code == 200
