"""Sessions in Dutch and English: a Dutch title and abstract where the session has them, the
English ones otherwise, on pages, in feeds and in the API; published like every other field."""
from __future__ import annotations

import pytest
from icalendar import Calendar

from esof.extensions import db
from esof.programme import services
from esof.programme.publishing import compute_publication
from tests.programme.factories import SessionFactory, SlotFactory, at, publish_now


@pytest.fixture
def sessions(app):
    both = SessionFactory(title="Science and the city", title_nl="Wetenschap en de stad",
                          abstract="Why cities need science.", abstract_nl="Waarom steden wetenschap nodig hebben.")
    english_only = SessionFactory(title="Open data", abstract="Data for all.")
    SlotFactory(session=both, starts_at=at(13, "10:00"), ends_at=at(13, "11:00"))
    SlotFactory(session=english_only, starts_at=at(13, "12:00"), ends_at=at(13, "13:00"))
    db.session.commit()
    publish_now()
    return both, english_only


def test_pages_show_the_dutch_text_in_dutch_and_fall_back_to_english(client, sessions) -> None:
    both, english_only = sessions
    dutch = client.get(f"/programme/sessions/{both.id}", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Wetenschap en de stad" in dutch and "Waarom steden wetenschap nodig hebben." in dutch
    english = client.get(f"/programme/sessions/{both.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Science and the city" in english and "Wetenschap en de stad" not in english
    fallback = client.get(f"/programme/sessions/{english_only.id}",
                          headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Open data" in fallback and "Data for all." in fallback
    listing = client.get("/programme/?day=2022-07-13", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Wetenschap en de stad" in listing and "Open data" in listing


def test_search_finds_words_of_either_language(client, sessions) -> None:
    assert "Science and the city" in client.get("/programme/?q=steden").get_data(as_text=True)


def test_feed_and_api_follow_the_asked_language(client, sessions) -> None:
    both, _english_only = sessions
    feed = Calendar.from_ical(client.get("/feeds/programme.ics?lang=nl").data)
    assert sorted(str(e["SUMMARY"]) for e in feed.walk("VEVENT")) == ["Open data", "Wetenschap en de stad"]
    english_feed = Calendar.from_ical(client.get("/feeds/programme.ics").data)
    assert sorted(str(e["SUMMARY"]) for e in english_feed.walk("VEVENT")) == ["Open data", "Science and the city"]
    item = client.get(f"/api/v1/sessions/{both.id}?lang=nl").get_json()
    assert (item["title"], item["title_language"], item["abstract"]) == (
        "Wetenschap en de stad", "nl", "Waarom steden wetenschap nodig hebben.")
    assert client.get(f"/api/v1/sessions/{both.id}").get_json()["title"] == "Science and the city"
    assert client.get(f"/api/v1/sessions/{both.id}?lang=de").status_code == 400


def test_a_dutch_edit_stays_in_the_draft_until_published(client, sessions) -> None:
    both, _english_only = sessions
    services.save_session(item=both, title=both.title, format=both.format, abstract=both.abstract,
                          title_nl="Stad en wetenschap", abstract_nl="Nieuwe tekst.")
    db.session.commit()
    assert "Wetenschap en de stad" in client.get(
        f"/programme/sessions/{both.id}", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    (row,) = [r for r in compute_publication() if r.changes]
    assert row.changes == ["retitled", "abstract-changed"]
    version = publish_now()
    assert version.changelog[0]["after"]["title_nl"] == "Stad en wetenschap"
    assert "Stad en wetenschap" in client.get(
        f"/programme/sessions/{both.id}", headers={"Accept-Language": "nl"}).get_data(as_text=True)


def test_saving_without_dutch_keeps_the_dutch_text(app, sessions) -> None:
    both, _english_only = sessions
    services.save_session(item=both, title="Science and the city", format=both.format)
    assert (both.title_nl, both.abstract_nl) == ("Wetenschap en de stad", "Waarom steden wetenschap nodig hebben.")
