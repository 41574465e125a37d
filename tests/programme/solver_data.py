"""Small programmes in the database for the solver's service, CLI and page tests."""
from __future__ import annotations

from datetime import date, time

import sqlalchemy as sa

from esof.extensions import db
from esof.programme.models import (
    Person,
    PersonAvailability,
    ProgrammeSession,
    ScheduleProposal,
    ScheduleSlot,
    ScheduleVersion,
    SessionSpeaker,
    Track,
)
from esof.programme.solver import draft_fingerprint
from esof.venues.models import Room, Venue, VenueOpeningHours
from tests.programme.factories import PersonFactory, SessionFactory, TrackFactory, add_speaker
from tests.venues.factories import RoomFactory, VenueFactory

CENTRE, SCIENCE_PARK = (52.1572, 4.4874), (52.1692, 4.4574)
DAYS = (date(2022, 7, 13), date(2022, 7, 14))


def open_venue(venue: Venue, days=DAYS, opens: time = time(9), closes: time = time(18)) -> None:
    for day in days:
        db.session.add(VenueOpeningHours(venue=venue, day=day, opens=opens, closes=closes))


def small_programme(sessions: int = 8) -> dict:
    """Two venues 38 minutes' walk apart, open 09:00-18:00 on 13 and 14 July, four rooms, two
    tracks, four speakers, `sessions` unscheduled sessions."""
    centre = VenueFactory(latitude=CENTRE[0], longitude=CENTRE[1])
    park = VenueFactory(latitude=SCIENCE_PARK[0], longitude=SCIENCE_PARK[1])
    open_venue(centre)
    open_venue(park)
    rooms = [RoomFactory(venue=centre, capacity=200), RoomFactory(venue=centre, capacity=60),
             RoomFactory(venue=park, capacity=120), RoomFactory(venue=park, capacity=40, step_free=False)]
    tracks = [TrackFactory(), TrackFactory()]
    people = [PersonFactory() for _ in range(4)]
    items = []
    for n in range(sessions):
        item = SessionFactory(track_id=tracks[n % 2].id, expected_audience=(30, 50, 100, 150)[n % 4])
        add_speaker(item, people[n % 4])
        items.append(item)
    db.session.flush()
    return {"rooms": rooms, "tracks": tracks, "people": people, "sessions": items, "venues": [centre, park]}


def clear_programme() -> None:
    for model in (ScheduleProposal, ScheduleSlot, SessionSpeaker, ProgrammeSession, PersonAvailability, Person,
                  Room, VenueOpeningHours, Venue, Track):
        db.session.execute(sa.delete(model))
    db.session.flush()


def draft_state() -> tuple[str, int, int, int]:
    """What must not change when nothing is applied: the draft, the jobs and the versions."""
    return (draft_fingerprint(), db.session.scalar(sa.select(sa.func.count(ScheduleSlot.id))),
            db.session.scalar(sa.select(sa.func.count(ScheduleProposal.id))),
            db.session.scalar(sa.select(sa.func.count(ScheduleVersion.id))))


def slots() -> dict[int, tuple[int, object, object]]:
    return {s.session_id: (s.room_id, s.starts_at, s.ends_at) for s in db.session.scalars(sa.select(ScheduleSlot))}
