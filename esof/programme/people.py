"""Programme people and tracks: speakers (with their availability) and the tracks sessions belong to."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext, ngettext

from esof.extensions import db
from esof.programme.models import Person, PersonAvailability, ProgrammeSession, SessionSpeaker, Track
from esof.programme.schedule import check_times
from esof.text import unique_slug


def save_track(*, track: Track | None = None, name: str, name_nl: str = "", colour: str = "#1f4e79") -> Track:
    name = name.strip()
    if track is None:
        track = Track(slug=unique_slug(Track.slug, name, fallback="track"))
        db.session.add(track)
    track.name, track.name_nl, track.colour = name, name_nl.strip(), colour
    db.session.flush()
    return track


def track_deletion_effects(track: Track) -> list[str]:
    sessions = db.session.scalar(
        sa.select(sa.func.count(ProgrammeSession.id)).where(ProgrammeSession.track_id == track.id)) or 0
    return [ngettext("%(num)d session of this track stays in the programme, without a track.",
                     "%(num)d sessions of this track stay in the programme, without a track.", sessions)]


def person_deletion_effects(person: Person) -> list[str]:
    sessions = db.session.scalar(
        sa.select(sa.func.count(SessionSpeaker.session_id)).where(SessionSpeaker.person_id == person.id)) or 0
    return [ngettext("%(num)d session loses this speaker.", "%(num)d sessions lose this speaker.", sessions),
            gettext("Their availability windows are deleted too.")]


def delete_track(*, track: Track) -> None:
    """Sessions of the track keep existing, without a track (foreign key SET NULL)."""
    db.session.delete(track)
    db.session.flush()


def save_person(
    *, person: Person | None = None, name: str, affiliation: str = "", email: str | None = None,
    bio: str = "", needs_step_free: bool = False,
) -> Person:
    if person is None:
        person = Person()
        db.session.add(person)
    person.name = name.strip()
    person.affiliation = affiliation.strip()
    person.email = (email or "").strip().lower() or None
    person.bio = bio
    person.needs_step_free = needs_step_free
    db.session.flush()
    return person



def add_availability(*, person: Person, starts_at: datetime, ends_at: datetime) -> PersonAvailability:
    check_times(starts_at, ends_at)
    window = PersonAvailability(person=person, starts_at=starts_at, ends_at=ends_at)
    db.session.add(window)
    db.session.flush()
    return window


def remove_availability(*, window: PersonAvailability) -> None:
    db.session.delete(window)
    db.session.flush()


def delete_person(*, person: Person) -> None:
    db.session.delete(person)
    db.session.flush()


def list_people(*, q: str = "") -> list[Person]:
    stmt = sa.select(Person).order_by(Person.name)
    if q:
        stmt = stmt.where(sa.or_(Person.name.icontains(q, autoescape=True),
                                 Person.affiliation.icontains(q, autoescape=True)))
    return list(db.session.scalars(stmt))
