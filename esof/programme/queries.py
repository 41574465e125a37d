"""Reusable reads of the published programme. Public pages read only the latest version;
each page loads its rows with a fixed number of queries (eager loading), whatever the size."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload, undefer

from esof.conference import conference_zone
from esof.extensions import db
from esof.programme.filters import ProgrammeFilters
from esof.programme.models import (
    Person,
    ProgrammeSession,
    PublishedSession,
    PublishedSpeaker,
    ScheduleVersion,
    SessionStatus,
    Track,
)
from esof.venues.models import Room, Venue

# Confirmed bookings and waiting places are counted per session by the bookings area in this table. Programme
# reads the count through a light table description instead of importing the bookings models:
# bookings depends on programme, never the other way round.
SESSION_SEATS = sa.table(
    "session_seats", sa.column("session_id"), sa.column("confirmed_count"), sa.column("waitlist_count"))


# Everything a page shows of a published session: its room and venue, track and speakers.
PUBLISHED_SESSION_LOADS = (
    joinedload(PublishedSession.room).joinedload(Room.venue),
    joinedload(PublishedSession.track),
    selectinload(PublishedSession.speakers),
)


def published_sessions_stmt(version_id: int, filters: ProgrammeFilters) -> sa.Select:
    """The sessions of a published version that match the filters, as the version shows them."""
    stmt = (
        sa.select(PublishedSession)
        .where(PublishedSession.version_id == version_id)
        .options(*PUBLISHED_SESSION_LOADS)
        .order_by(PublishedSession.starts_at, PublishedSession.ends_at, PublishedSession.title)
    )
    if filters.day is not None:
        zone = conference_zone()
        start = datetime.combine(filters.day, time(0), tzinfo=zone)
        end = datetime.combine(filters.day + timedelta(days=1), time(0), tzinfo=zone)
        stmt = stmt.where(PublishedSession.starts_at >= start, PublishedSession.starts_at < end)
    if filters.track:
        stmt = stmt.where(PublishedSession.track_id.in_(sa.select(Track.id).where(Track.slug == filters.track)))
    if filters.venue:
        stmt = stmt.where(PublishedSession.room_id.in_(
            sa.select(Room.id).join(Venue).where(Venue.slug == filters.venue)))
    if filters.format:
        stmt = stmt.where(PublishedSession.format == filters.format)
    if filters.language:
        stmt = stmt.where(PublishedSession.language == filters.language)
    if filters.q:
        pattern = f"%{filters.q.strip().lower()}%"
        speaker_match = sa.select(PublishedSpeaker.published_session_id).where(
            sa.func.lower(PublishedSpeaker.name).like(pattern))
        stmt = stmt.where(sa.or_(
            sa.func.lower(PublishedSession.title).like(pattern),
            sa.func.lower(PublishedSession.title_nl).like(pattern),
            sa.func.lower(PublishedSession.abstract).like(pattern),
            sa.func.lower(PublishedSession.abstract_nl).like(pattern),
            PublishedSession.id.in_(speaker_match),
        ))
    return stmt


def published_sessions(version: ScheduleVersion, filters: ProgrammeFilters) -> list[PublishedSession]:
    return list(db.session.scalars(published_sessions_stmt(version.id, filters)).unique())


def published_session(version: ScheduleVersion, session_id: int) -> PublishedSession | None:
    return db.session.scalars(
        sa.select(PublishedSession)
        .where(PublishedSession.version_id == version.id, PublishedSession.session_id == session_id)
        .options(*PUBLISHED_SESSION_LOADS)
    ).unique().one_or_none()


def filter_choices() -> tuple[list[Track], list[Venue]]:
    tracks = list(db.session.scalars(sa.select(Track).order_by(Track.name)))
    venues = list(db.session.scalars(sa.select(Venue).order_by(Venue.name)))
    return tracks, venues


def latest_version() -> ScheduleVersion | None:
    """The version the public sees now (None before the first publication)."""
    return db.session.scalar(sa.select(ScheduleVersion).order_by(ScheduleVersion.number.desc()).limit(1))


@dataclass(frozen=True)
class VersionStamp:
    id: int
    number: int
    published_at: datetime


def latest_version_stamp() -> VersionStamp | None:
    """The latest version's number and time in one small query: what a cached feed's key needs."""
    row = db.session.execute(
        sa.select(ScheduleVersion.id, ScheduleVersion.number, ScheduleVersion.published_at)
        .order_by(ScheduleVersion.number.desc()).limit(1)
    ).first()
    return VersionStamp(*row) if row else None


def latest_version_id() -> sa.ScalarSelect[int]:
    """The latest published version's id, as a subquery for WHERE clauses."""
    return sa.select(ScheduleVersion.id).order_by(ScheduleVersion.number.desc()).limit(1).scalar_subquery()


def recent_versions(limit: int = 50) -> list[ScheduleVersion]:
    return list(db.session.scalars(
        sa.select(ScheduleVersion).options(undefer(ScheduleVersion.changelog))
        .order_by(ScheduleVersion.number.desc()).limit(limit)))


def live_seats(session_id: int) -> tuple[int, int | None]:
    """Confirmed bookings and the session's own seat limit, in one query. Seats are not
    programme content: both are read live, not from the published version."""
    row = db.session.execute(
        sa.select(sa.func.coalesce(SESSION_SEATS.c.confirmed_count, 0), ProgrammeSession.booking_cap)
        .select_from(ProgrammeSession)
        .outerjoin(SESSION_SEATS, SESSION_SEATS.c.session_id == ProgrammeSession.id)
        .where(ProgrammeSession.id == session_id)
    ).first()
    return (row[0], row[1]) if row else (0, None)


def seats_booked_by_session(session_ids: list[int]) -> dict[int, int]:
    """Confirmed bookings of many sessions in one query (sessions without any are left out)."""
    if not session_ids:
        return {}
    rows = db.session.execute(
        sa.select(SESSION_SEATS.c.session_id, SESSION_SEATS.c.confirmed_count)
        .where(SESSION_SEATS.c.session_id.in_(session_ids), SESSION_SEATS.c.confirmed_count > 0)
    )
    return dict(rows.tuples().all())


def seats_booked(session_id: int) -> int:
    """Confirmed bookings of one session, from the bookings area's counter table."""
    return seats_booked_by_session([session_id]).get(session_id, 0)


# --------------------------------------------------------------------------- public speakers


@dataclass(frozen=True)
class PublicSpeakerRow:
    """A speaker as the public sees them: the name and affiliation the version shows, with the
    bio and photo address the speaker keeps on their profile (live, like a room's name)."""

    person_id: int
    name: str
    affiliation: str
    bio: str
    photo_url: str


def _listed_speakers(version_id: int, q: str = "", person_id: int | None = None) -> sa.Select:
    """One row per person with a session of the version that is not cancelled."""
    stmt = (
        sa.select(PublishedSpeaker.person_id.label("person_id"), sa.func.min(PublishedSpeaker.name).label("name"),
                  sa.func.min(PublishedSpeaker.affiliation).label("affiliation"))
        .join(PublishedSession, PublishedSession.id == PublishedSpeaker.published_session_id)
        .where(PublishedSession.version_id == version_id, PublishedSession.status != SessionStatus.CANCELLED,
               PublishedSpeaker.person_id.is_not(None))
        .group_by(PublishedSpeaker.person_id)
    )
    if q.strip():
        pattern = f"%{q.strip().lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(PublishedSpeaker.name).like(pattern),
                                 sa.func.lower(PublishedSpeaker.affiliation).like(pattern)))
    if person_id is not None:
        stmt = stmt.where(PublishedSpeaker.person_id == person_id)
    return stmt


def published_speakers_stmt(version_id: int, q: str = "", person_id: int | None = None) -> sa.Select:
    """The version's speakers, alphabetical by the published name; `q` matches name or affiliation."""
    listed = _listed_speakers(version_id, q, person_id).subquery()
    return (
        sa.select(listed.c.person_id, listed.c.name, listed.c.affiliation, Person.bio, Person.photo_url)
        .join(Person, Person.id == listed.c.person_id)
        .order_by(sa.func.lower(listed.c.name), listed.c.person_id)
    )


def count_published_speakers(version_id: int, q: str = "") -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(_listed_speakers(version_id, q).subquery())) or 0


def published_speakers(version_id: int, *, q: str = "", limit: int, offset: int = 0) -> list[PublicSpeakerRow]:
    rows = db.session.execute(published_speakers_stmt(version_id, q).limit(limit).offset(offset))
    return [PublicSpeakerRow(*row) for row in rows]


def published_speaker(version_id: int, person_id: int) -> PublicSpeakerRow | None:
    """One speaker of the version; None when they have no session in it that is not cancelled."""
    row = db.session.execute(published_speakers_stmt(version_id, person_id=person_id)).first()
    return PublicSpeakerRow(*row) if row else None


def speaker_published_sessions(version_id: int, person_id: int) -> list[PublishedSession]:
    """The person's sessions in the version (cancelled ones too, marked so), by start time."""
    theirs = sa.select(PublishedSpeaker.published_session_id).where(PublishedSpeaker.person_id == person_id)
    return list(db.session.scalars(
        sa.select(PublishedSession)
        .where(PublishedSession.version_id == version_id, PublishedSession.id.in_(theirs))
        .options(*PUBLISHED_SESSION_LOADS)
        .order_by(PublishedSession.starts_at, PublishedSession.ends_at, PublishedSession.title)
    ).unique())


def speaker_session_ids(version_id: int, person_ids: list[int]) -> dict[int, list[int]]:
    """Each person's session ids in the version, by start time: one query for a whole page."""
    found: dict[int, list[int]] = {person_id: [] for person_id in person_ids}
    if not person_ids:
        return found
    rows = db.session.execute(
        sa.select(PublishedSpeaker.person_id, PublishedSession.session_id)
        .join(PublishedSession, PublishedSession.id == PublishedSpeaker.published_session_id)
        .where(PublishedSession.version_id == version_id, PublishedSpeaker.person_id.in_(person_ids))
        .order_by(PublishedSpeaker.person_id, PublishedSession.starts_at, PublishedSession.session_id)
    )
    for person_id, session_id in rows:
        if session_id not in found[person_id]:
            found[person_id].append(session_id)
    return found
