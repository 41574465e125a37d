"""Deleting asks first: each destructive organiser action answers its first POST with a page
that says what will happen and a danger button, and acts only on the confirmed second POST."""
from __future__ import annotations

import re

import sqlalchemy as sa

from esof.extensions import db
from esof.programme.models import Person, ProgrammeSession, ScheduleSlot, Track
from esof.venues.models import Room, Venue
from tests.programme.factories import PersonFactory, SessionFactory, SlotFactory, TrackFactory, add_speaker
from tests.programme.test_views import publish_now
from tests.support import csrf_token_from, submit_form
from tests.venues.factories import RoomFactory

DANGER_BUTTON = re.compile(r'<button type="submit" class="button button-danger">([^<]+)</button>')


def ask_then_confirm(client, url: str, page: str) -> tuple[str, int]:
    """The first POST's page and the confirmed POST's status, as a browser would send them."""
    asked = submit_form(client, url, {}, page=page)
    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert f'action="{url}"' in html and 'name="confirmed" value="yes"' in html
    confirmed = client.post(url, data={"csrf_token": csrf_token_from(html), "confirmed": "yes"})
    return html, confirmed.status_code


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_deleting_a_track_says_its_sessions_stay(organiser_client) -> None:
    track = TrackFactory(name="Climate")
    SessionFactory(track=track)
    SessionFactory(track=track)
    db.session.commit()
    url = f"/programme/organiser/tracks/{track.id}/delete"
    asked = submit_form(organiser_client, url, {}, page="/programme/organiser/tracks")
    html = asked.get_data(as_text=True)
    assert "Delete the track “Climate”?" in html
    assert "2 sessions of this track stay in the programme, without a track." in html
    assert DANGER_BUTTON.search(html).group(1) == "Delete the track"
    assert count(Track) == 1, "the first click deletes nothing"

    _html, status = ask_then_confirm(organiser_client, url, "/programme/organiser/tracks")
    assert status == 302 and count(Track) == 0 and count(ProgrammeSession) == 2


def test_deleting_a_person_counts_their_sessions(organiser_client) -> None:
    person = PersonFactory(name="Ada Lovelace")
    add_speaker(SessionFactory(), person)
    db.session.commit()
    page = f"/programme/organiser/people/{person.id}"
    html, status = ask_then_confirm(organiser_client, f"{page}/delete", page)
    assert "Delete Ada Lovelace from the programme&#39;s people?" in html and "1 session loses this speaker." in html
    assert status == 302 and count(Person) == 0


def test_deleting_a_draft_session_frees_its_place(organiser_client) -> None:
    slot = SlotFactory(session=SessionFactory(title="Alpha"))
    db.session.commit()
    page = f"/programme/organiser/sessions/{slot.session_id}"
    html, status = ask_then_confirm(organiser_client, f"{page}/delete", page)
    assert "Delete the session “Alpha”?" in html and "Its place in the draft schedule is freed." in html
    assert status == 302 and count(ProgrammeSession) == 0 and count(ScheduleSlot) == 0


def test_a_published_session_is_not_offered_for_deletion(organiser_client) -> None:
    slot = SlotFactory(session=SessionFactory(title="Alpha"))
    db.session.commit()
    publish_now()
    page = f"/programme/organiser/sessions/{slot.session_id}"
    html = submit_form(organiser_client, f"{page}/delete", {}, page=page).get_data(as_text=True)
    assert "Cancel it instead of deleting it." in html
    assert not DANGER_BUTTON.search(html)
    assert count(ProgrammeSession) == 1


def test_deleting_a_venue_and_a_room(organiser_client) -> None:
    room = RoomFactory(name="Attic")
    RoomFactory(venue=room.venue)
    db.session.commit()
    venue_id, page = room.venue_id, f"/organiser/venues/{room.venue_id}"
    html, status = ask_then_confirm(organiser_client, f"/organiser/venues/rooms/{room.id}/delete", page)
    assert "Delete the room “Attic” of" in html and status == 302 and count(Room) == 1
    html, status = ask_then_confirm(organiser_client, f"/organiser/venues/{venue_id}/delete", page)
    assert "Its 1 room and the opening hours go with it." in html
    assert status == 302 and count(Venue) == 0


def test_unscheduling_a_room_says_how_many_sessions_go(organiser_client) -> None:
    slot = SlotFactory()
    SlotFactory(room=slot.room)
    db.session.commit()
    page = f"/organiser/venues/{slot.room.venue_id}"
    html, status = ask_then_confirm(organiser_client, f"/programme/organiser/rooms/{slot.room_id}/unschedule", page)
    assert "2 sessions go back to the unscheduled list" in html
    assert status == 302 and count(ScheduleSlot) == 0


def test_a_confirmation_without_its_csrf_token_deletes_nothing(organiser_client) -> None:
    track = TrackFactory()
    db.session.commit()
    response = organiser_client.post(f"/programme/organiser/tracks/{track.id}/delete", data={"confirmed": "yes"})
    assert response.status_code in (302, 400)
    assert count(Track) == 1
