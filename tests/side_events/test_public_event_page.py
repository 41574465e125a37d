"""The public event page: Google Calendar links for every kind of event, with a description;
cancelled events stay (marked, with the reason), withdrawn submissions are gone; the cached
page follows a cancellation at once."""
from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from esof.extensions import db
from esof.feeds.links import plain_details
from esof.side_events import services
from esof.side_events.recurrence import Frequency, Recurrence
from esof.venues import services as venues
from tests.side_events.factories import make_event
from tests.support import log_in

EN = {"Accept-Language": "en"}


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"PAGE_CACHE_ENABLED": True}


def page(client: FlaskClient, url: str) -> str:
    response = client.get(url, headers=EN)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def google_query(html: str) -> dict[str, str]:
    found = re.search(r'href="(https://calendar\.google\.com/calendar/render\?action=TEMPLATE[^"]*)"', html)
    assert found, "no Google Calendar link"
    query = parse_qs(urlsplit(found.group(1).replace("&amp;", "&")).query)
    return {key: values[0] for key, values in query.items()}


def test_a_timed_event_links_to_google_with_its_description_and_address(client: FlaskClient, org, editor,
                                                                         organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)
    db.session.commit()
    query = google_query(page(client, f"/calendar/events/{event.id}"))
    assert query["text"] == "Stars over Leiden"
    assert query["dates"] == "20220714T080000Z/20220714T100000Z"  # 10:00-12:00 CEST
    assert query["details"].startswith("A talk about telescopes.")
    assert query["details"].endswith(f"/calendar/events/{event.id}")
    assert query["location"] == "Sterrewacht, Sterrenwachtlaan 11, Leiden"


def test_multi_day_all_day_event_gets_a_google_link_with_the_exclusive_end(client: FlaskClient, org, editor,
                                                                            organiser) -> None:
    fair = make_event(org, editor, approve_by=organiser, title_en="Science fair", all_day=True,
                      start_date=date(2022, 7, 14), end_date=date(2022, 7, 16), start_time=None, end_time=None)
    one_day = make_event(org, editor, approve_by=organiser, title_en="Open day", all_day=True,
                         start_date=date(2022, 7, 20), end_date=date(2022, 7, 20), start_time=None, end_time=None)
    db.session.commit()
    assert google_query(page(client, f"/calendar/events/{fair.id}"))["dates"] == "20220714/20220717"
    assert google_query(page(client, f"/calendar/events/{one_day.id}"))["dates"] == "20220720/20220721"


def test_a_repeating_event_offers_the_ics_not_a_one_date_google_link(client: FlaskClient, org, editor,
                                                                       organiser) -> None:
    weekly = make_event(org, editor, approve_by=organiser, recurrence=Recurrence(Frequency.WEEKLY,
                                                                                  until=date(2022, 7, 28)))
    db.session.commit()
    html = page(client, f"/calendar/events/{weekly.id}?from=2022-07-01")
    assert "calendar.google.com" not in html and "Add to my calendar (.ics)" in html


def test_plain_details_reads_the_html_and_cuts_at_a_word() -> None:
    assert plain_details("<p>Fish &amp; <strong>chips</strong></p><p>Bring a coat.</p>", "https://x/e/1") == (
        "Fish & chips\nBring a coat.\n\nhttps://x/e/1")
    long = plain_details("<p>" + "word " * 400 + "</p>", "https://x/e/1")
    text, url = long.split("\n\n")
    assert len(text) <= 601 and text.endswith("word…") and url == "https://x/e/1"
    assert plain_details("", "https://x/e/1") == "https://x/e/1"


def test_the_labels_sit_in_a_two_column_list_on_the_event_page(client: FlaskClient, org, editor,
                                                               organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)
    db.session.commit()
    facts = page(client, f"/calendar/events/{event.id}").split('<dl class="se-facts">')[1].split("</dl>")[0]
    labels = re.findall(r"<dt>([^<]+)</dt>\s*<dd>", facts)
    assert labels[:2] == ["When", "Where"] and "Price" in labels  # each label right before its value


def test_a_cancelled_event_stays_and_the_cached_page_says_so_at_once(client: FlaskClient, org, editor,
                                                                     organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)
    db.session.commit()
    before = page(client, f"/calendar/events/{event.id}")
    assert "This event is cancelled." not in before and "calendar.google.com" in before
    assert page(client, f"/calendar/events/{event.id}") == before  # from the cache
    services.cancel_side_event(event=event, actor=editor, reason="The telescope broke.")
    db.session.commit()
    after = page(client, f"/calendar/events/{event.id}")
    assert "This event is cancelled." in after and "Reason: The telescope broke." in after
    assert "calendar.google.com" not in after and "Book or get tickets" not in after


def test_a_withdrawn_submission_is_404_for_visitors_and_its_editor(client: FlaskClient, org, editor) -> None:
    """Decision: a withdrawn submission was never public (only unapproved ones can be
    withdrawn), so nobody has a link to keep working: it answers 404, for its editor too."""
    waiting = make_event(org, editor, title_en="Plankton evening")
    db.session.commit()
    services.withdraw_side_event(event=waiting, actor=editor)
    db.session.commit()
    assert client.get(f"/calendar/events/{waiting.id}", headers=EN).status_code == 404
    log_in(client, editor.email)
    assert client.get(f"/calendar/events/{waiting.id}", headers=EN).status_code == 404


def test_an_event_at_a_venue_links_the_venue_page_with_its_address_once(client: FlaskClient, org, editor,
                                                                         organiser) -> None:
    museum = venues.save_venue(name="Museum Volkenkunde", address="Steenstraat 1, 2312 BS Leiden")
    hall = venues.save_venue(name="Stadsgehoorzaal", address="Breestraat 60")
    at_museum = make_event(org, editor, approve_by=organiser, venue_id=museum.id, location_name="", address="")
    at_hall = make_event(org, editor, approve_by=organiser, venue_id=hall.id, location_name="", address="")
    db.session.commit()
    html = page(client, f"/calendar/events/{at_museum.id}")
    assert '<a href="/venues/museum-volkenkunde">Museum Volkenkunde</a>' in html
    assert "Steenstraat 1, 2312 BS Leiden<br>" in html and "Leiden, Leiden" not in html
    assert google_query(html)["location"] == "Museum Volkenkunde, Steenstraat 1, 2312 BS Leiden"
    assert "Breestraat 60, Leiden<br>" in page(client, f"/calendar/events/{at_hall.id}")
