"""A session page names its venue with a link to the venue's page, the address with the city
once, and an "add to Google Calendar" link that carries the abstract and the page's address."""
from __future__ import annotations

import html as html_lib
from urllib.parse import parse_qs, urlsplit

from tests.feeds.conftest import build_programme


def google_link(page: str) -> dict[str, list[str]]:
    start = page.index("https://calendar.google.com/")
    return parse_qs(urlsplit(html_lib.unescape(page[start:page.index('"', start)])).query)


def test_the_session_page_links_its_venue_and_fills_the_calendar_link(app, client) -> None:
    programme = build_programme()
    page = client.get(f"/programme/sessions/{programme.opening.id}").get_data(as_text=True)
    assert '<a href="/venues/pieterskerk">Pieterskerk</a>' in page
    assert "Kloksteeg 16, Leiden" in page and "Leiden, Leiden" not in page
    query = google_link(page)
    assert "Welcome to ESOF, Leiden; 2022" in query["details"][0]
    assert query["details"][0].endswith(f"http://esof.test/programme/sessions/{programme.opening.id}")
    assert "Kloksteeg 16, Leiden" in query["location"][0]
