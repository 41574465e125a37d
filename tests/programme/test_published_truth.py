"""What is public is what was published: an organiser's edit of the draft reaches no page, API
answer or feed until it is published; then the changelog names it and SEQUENCE rises."""
from __future__ import annotations

from dataclasses import replace

import pytest
from icalendar import Calendar

from esof.accounts.models import Role
from esof.extensions import db
from esof.programme import services
from esof.programme.models import PublishedSession, ScheduleVersion, SessionFormat, SessionStatus
from esof.programme.publishing import changes_between, compute_publication, public_content
from tests.factories import UserFactory
from tests.programme.factories import (
    PersonFactory,
    SessionFactory,
    SlotFactory,
    TrackFactory,
    add_speaker,
    at,
    publish_now,
)
from tests.support import log_in


@pytest.fixture
def published(app):
    """One published session with a speaker, then an organiser's unpublished edit of everything."""
    speaker = PersonFactory(name="Ada Lovelace", affiliation="Analytical Engines")
    session = SessionFactory(title="Old title", abstract="The published abstract.", format=SessionFormat.PANEL,
                             language="en", needs_booking=False, track=TrackFactory(slug="health", name="Health"))
    add_speaker(session, speaker)
    slot = SlotFactory(session=session, starts_at=at(13, "10:00"), ends_at=at(13, "11:00"))
    db.session.commit()
    publish_now()
    services.save_session(
        item=session, title="Draft title", abstract="A draft abstract nobody may read yet.",
        format=SessionFormat.WORKSHOP, language="nl", track_id=TrackFactory(slug="energy", name="Energy").id,
        speaker_ids=[PersonFactory(name="Grace Hopper", affiliation="Navy").id], needs_booking=True,
    )
    speaker.affiliation = "Royal Society"
    db.session.commit()
    return session, slot


def ics(client, path: str) -> Calendar:
    response = client.get(path)
    assert response.status_code == 200
    return Calendar.from_ical(response.data)


def only_event(calendar: Calendar):
    (event,) = calendar.walk("VEVENT")
    return event


def test_session_page_shows_the_published_text_until_publishing(client, published) -> None:
    session, _slot = published
    html = client.get(f"/programme/sessions/{session.id}").get_data(as_text=True)
    assert ("Old title" in html, "The published abstract." in html, "Ada Lovelace" in html,
            "Analytical Engines" in html, "Panel" in html, "Health" in html) == (True,) * 6
    assert ("Draft title" in html, "draft abstract" in html, "Grace Hopper" in html, "Royal Society" in html,
            "Workshop" in html, "Energy" in html, "Booking required" in html) == (False,) * 7


def test_programme_list_and_search_read_the_published_version(client, published) -> None:
    listing = client.get("/programme/?day=2022-07-13").get_data(as_text=True)
    assert "Old title" in listing and "Ada Lovelace" in listing and "Grace Hopper" not in listing
    # Search matches published words only: the draft's speaker and abstract find nothing.
    assert "Old title" in client.get("/programme/?q=lovelace").get_data(as_text=True)
    assert "Old title" not in client.get("/programme/?q=hopper").get_data(as_text=True)
    assert "Old title" not in client.get("/programme/?q=nobody").get_data(as_text=True)
    # Filters too: the draft's format and language are not the published ones.
    assert "Old title" in client.get("/programme/?day=2022-07-13&format=panel").get_data(as_text=True)
    assert "Old title" not in client.get("/programme/?day=2022-07-13&format=workshop").get_data(as_text=True)
    assert "Old title" not in client.get("/programme/?day=2022-07-13&language=nl").get_data(as_text=True)


def test_api_answers_the_published_version(client, published) -> None:
    session, _slot = published
    item = client.get(f"/api/v1/sessions/{session.id}").get_json()
    assert {key: item[key] for key in ("title", "abstract", "format", "language", "needs_booking")} == {
        "title": "Old title", "abstract": "The published abstract.", "format": "panel", "language": "en",
        "needs_booking": False}
    assert item["track"]["slug"] == "health"
    assert [(s["name"], s["affiliation"]) for s in item["speakers"]] == [("Ada Lovelace", "Analytical Engines")]
    listed = client.get("/api/v1/sessions?format=workshop").get_json()
    assert listed["total"] == 0


def test_feeds_show_the_published_version_and_keep_their_sequence(client, published) -> None:
    session, _slot = published
    single = only_event(ics(client, f"/programme/sessions/{session.id}.ics"))
    assert str(single["SUMMARY"]) == "Old title"
    assert "The published abstract." in str(single["DESCRIPTION"])
    assert "Grace Hopper" not in str(single["DESCRIPTION"])
    assert int(single["SEQUENCE"]) == 0
    feed = only_event(ics(client, "/feeds/programme.ics"))
    assert (str(feed["SUMMARY"]), int(feed["SEQUENCE"])) == ("Old title", 0)


def test_publishing_names_every_change_and_raises_sequence(client, published) -> None:
    session, _slot = published
    version = publish_now()
    (entry,) = version.changelog
    assert entry["changes"] == ["retitled", "speakers-changed", "abstract-changed", "format-changed",
                                "language-changed", "track-changed", "booking-changed"]
    assert (entry["before"]["speakers"], entry["after"]["speakers"]) == (
        ["Ada Lovelace (Analytical Engines)"], ["Grace Hopper (Navy)"])
    assert (entry["before"]["abstract"], entry["after"]["format"]) == ("The published abstract.", "workshop")
    html = client.get(f"/programme/sessions/{session.id}").get_data(as_text=True)
    assert "Draft title" in html and "Grace Hopper" in html and "Booking required" in html
    event = only_event(ics(client, f"/programme/sessions/{session.id}.ics"))
    assert (str(event["SUMMARY"]), int(event["SEQUENCE"])) == ("Draft title", 1)
    changes = client.get("/programme/changes").get_data(as_text=True)
    assert "speakers changed" in changes and "abstract changed" in changes


def test_a_speakers_new_affiliation_is_a_published_change(app) -> None:
    person = PersonFactory(name="Lise Meitner", affiliation="Berlin")
    session = SessionFactory(title="Fission")
    add_speaker(session, person)
    SlotFactory(session=session)
    db.session.commit()
    publish_now()
    assert [row.changes for row in compute_publication()] == [[]]
    person.affiliation = "Stockholm"
    db.session.commit()
    (row,) = compute_publication()
    assert (row.changes, row.sequence) == (["speakers-changed"], 1)
    version = publish_now()
    assert version.changelog[0]["after"]["speakers"] == ["Lise Meitner (Stockholm)"]


@pytest.mark.parametrize(("edit", "expected"), [
    ({"title": "New"}, ["retitled"]),
    ({"abstract": "New words"}, ["abstract-changed"]),
    ({"format": SessionFormat.KEYNOTE}, ["format-changed"]),
    ({"language": "nl"}, ["language-changed"]),
    ({"needs_booking": True}, ["booking-changed"]),
    ({"room_id": 99}, ["room-changed"]),
    ({"starts_at": at(14, "10:00"), "ends_at": at(14, "11:00")}, ["moved"]),
    ({"status": SessionStatus.CANCELLED}, ["cancelled"]),
    ({}, []),
])
def test_changes_between_names_each_field(app, edit, expected) -> None:
    session = SessionFactory(title="Old", abstract="Words")
    SlotFactory(session=session)
    db.session.commit()
    version = publish_now()
    (row,) = version_rows(version)
    old = public_content(row)
    assert changes_between(old, replace(old, **edit)) == expected


def version_rows(version: ScheduleVersion) -> list[PublishedSession]:
    return db.session.scalars(db.select(PublishedSession).where(PublishedSession.version_id == version.id)).all()


def test_publish_page_lists_each_pending_change_with_before_and_after(client, published) -> None:
    organiser = UserFactory(roles=[Role.ORGANISER])
    db.session.commit()
    log_in(client, organiser.email)
    html = client.get("/programme/organiser/publish").get_data(as_text=True)
    for code in ("retitled", "speakers-changed", "abstract-changed", "format-changed", "language-changed",
                 "track-changed", "booking-changed"):
        assert f'data-change="{code}"' in html
    assert "Ada Lovelace (Royal Society)" not in html  # the draft says Grace Hopper now
    assert "Ada Lovelace (Analytical Engines)" in html and "Grace Hopper (Navy)" in html
    assert "Old title" in html and "Draft title" in html


def test_capacity_stays_live_between_publications(client, published) -> None:
    session, slot = published
    publish_now()  # needs booking from now on
    slot.room.capacity = 7
    db.session.commit()
    item = client.get(f"/api/v1/sessions/{session.id}").get_json()
    assert (item["needs_booking"], item["capacity"]) == (True, 7)
    services.save_session(item=session, title=session.title, format=session.format, abstract=session.abstract,
                          language=session.language, track_id=session.track_id, needs_booking=True, booking_cap=3,
                          speaker_ids=[p.id for p in session.speakers])
    db.session.commit()
    assert client.get(f"/api/v1/sessions/{session.id}").get_json()["capacity"] == 3
    assert "of 3 seats booked" in client.get(f"/programme/sessions/{session.id}").get_data(as_text=True)
