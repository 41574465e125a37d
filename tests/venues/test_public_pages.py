"""The public venue pages, /venues/ and /venues/<slug>: the address with the city once, a map
link, step-free entrance, rooms with their seats, and the published sessions held there by
day (cancelled ones marked, the draft never); served from the page cache and new at once
after a venue edit or a publication; the organisers' venue pages stay guarded."""
from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from esof.extensions import db
from esof.programme import services as programme
from esof.venues import services as venues
from esof.venues.models import Venue, address_with_city
from tests.api.factories import Programme, at, build_programme
from tests.support import log_in

EN = {"Accept-Language": "en"}


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"PAGE_CACHE_ENABLED": True}


def page(app: Flask, url: str, headers: dict[str, str] = EN) -> str:
    response = app.test_client().get(url, headers=headers)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def day_section(html: str, day: str) -> str:
    """The list under the day's heading ("Wednesday, July 13, 2022" in English)."""
    found = re.search(rf"<h3>[^<]*\b{day}\b[^<]*</h3>(.*?)</ul>", html, re.S)
    assert found, day
    return found.group(1)


@pytest.mark.parametrize(("address", "city", "shown"), [
    ("Steenstraat 1, 2312 BS Leiden", "Leiden", "Steenstraat 1, 2312 BS Leiden"),
    ("Kloksteeg 16, leiden", "Leiden", "Kloksteeg 16, leiden"),
    ("Breestraat 60", "Leiden", "Breestraat 60, Leiden"),
    ("Leidsestraat 3", "Leiden", "Leidsestraat 3, Leiden"),
    ("", "Leiden", "Leiden"),
    ("Rapenburg 73", "", "Rapenburg 73"),
])
def test_the_city_is_shown_once(address: str, city: str, shown: str) -> None:
    assert address_with_city(address, city) == shown


def test_the_venue_list_names_each_venue_with_its_address_once(any_app: Flask) -> None:
    build_programme()
    html = page(any_app, "/venues/")
    assert 'href="/venues/pieterskerk"' in html and 'href="/venues/kamerlingh-onnes-gebouw"' in html
    assert "Kloksteeg 16, Leiden" in html and "Leiden, Leiden" not in html
    assert "2 rooms" in html


def test_a_venue_page_lists_rooms_and_the_published_sessions_by_day(any_app: Flask) -> None:
    build_programme()
    html = page(any_app, "/venues/kamerlingh-onnes-gebouw")
    assert "<h1>Kamerlingh Onnes Gebouw</h1>" in html
    assert "Steenschuur 25, Leiden" in html and "Leiden, Leiden" not in html
    assert "https://www.openstreetmap.org/?mlat=52.15650&amp;mlon=4.48770" in html
    assert re.search(r"<dt>Step-free entrance</dt><dd>No</dd>", html)
    assert re.search(r'<th scope="row">Lorentzzaal</th><td>120</td>', html)
    assert re.search(r'<th scope="row">Cleveringazaal</th><td>40</td>', html)
    wednesday = day_section(html, "July 13")
    assert "11:00</time>–<time" in wednesday and "Vaccines, trust &amp; society" in wednesday
    thursday = day_section(html, "July 14")
    assert thursday.index("Sea level debate") < thursday.index("Science communication workshop")  # by time
    debate = re.search(r'<li class="venue-session-cancelled">.*?</li>', thursday, re.S)
    assert debate and ">Cancelled</strong>" in debate.group(0) and "Sea level debate" in debate.group(0)
    assert "Opening ceremony" not in html  # another venue's
    church = page(any_app, "/venues/pieterskerk")
    assert "Opening ceremony" in church and "Not yet published" not in church  # the draft is private
    assert "Times in Europe/Amsterdam (CEST)." in church


def test_unknown_venue_is_404(any_app: Flask) -> None:
    assert any_app.test_client().get("/venues/nowhere").status_code == 404


def test_a_venue_without_sessions_says_so(any_app: Flask) -> None:
    venues.save_venue(name="Museum Volkenkunde", address="Steenstraat 1, 2312 BS Leiden")
    db.session.commit()
    html = page(any_app, "/venues/museum-volkenkunde")
    assert "Steenstraat 1, 2312 BS Leiden" in html and "Leiden, Leiden" not in html
    assert "No sessions of the published programme take place here." in html
    assert "openstreetmap.org/search?query=Steenstraat+1" in html  # no coordinates: an address search


def test_the_cached_venue_page_follows_an_edit_and_a_publication(app: Flask) -> None:
    found: Programme = build_programme()
    url = "/venues/pieterskerk"
    first = page(app, url)
    assert page(app, url) == first
    church = db.session.get(Venue, found.ids["pieterskerk"])
    venues.save_venue(venue=church, name="Pieterskerk", address="Pieterskerkhof 1a, 2311 SR Leiden",
                      latitude=church.latitude, longitude=church.longitude, step_free=True)
    db.session.commit()
    edited = page(app, url)
    assert "Pieterskerkhof 1a, 2311 SR Leiden" in edited and "Kloksteeg" not in edited
    programme.schedule_session(item=found.draft_only, room_id=found.ids["nave"],
                               starts_at=at(16, 9), ends_at=at(16, 10))
    programme.publish_schedule(actor=found.organiser, note="One more")
    db.session.commit()
    assert "Not yet published" in page(app, url)


def test_dutch_titles_on_the_dutch_page(app: Flask) -> None:
    found = build_programme()
    found.opening.title_nl = "Openingsceremonie"
    programme.publish_schedule(actor=found.organiser, note="Dutch title")
    db.session.commit()
    assert "Openingsceremonie" in page(app, "/venues/pieterskerk", {"Accept-Language": "nl"})
    assert "Opening ceremony" in page(app, "/venues/pieterskerk")


def test_organiser_venue_pages_stay_guarded_and_the_public_pages_open_to_everyone(app: Flask) -> None:
    found = build_programme()
    anonymous = app.test_client()
    response = anonymous.get("/organiser/venues/")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert anonymous.get(f"/organiser/venues/{found.ids['kog']}").status_code == 302
    organiser = app.test_client()
    log_in(organiser, found.organiser.email)
    assert organiser.get("/organiser/venues/").status_code == 200
    assert organiser.get("/venues/pieterskerk").status_code == 200


def test_every_page_names_the_favicon_and_both_files_are_served(app: Flask) -> None:
    client = app.test_client()
    html = page(app, "/venues/")
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    assert '<link rel="icon" href="/static/favicon.png" type="image/png" sizes="32x32">' in html
    svg, png = client.get("/static/favicon.svg"), client.get("/static/favicon.png")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data[:8] == b"\x89PNG\r\n\x1a\n"
