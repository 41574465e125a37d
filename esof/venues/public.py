"""What the public venue pages read: the venues with their rooms, and the sessions of the
published programme in a venue's rooms, grouped by conference day.

The programme builds on venues, so this area does not import it: like the programme reading
the bookings' counters, it reads the published rows through a light table description (only
the columns it shows). The latest published version is the one with the highest number; the
organisers' draft is never read.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from esof.db import UTCDateTime
from esof.extensions import db
from esof.venues.models import Room, Venue

PUBLISHED_SESSION = sa.table(
    "published_session", sa.column("session_id", sa.Integer), sa.column("version_id", sa.Integer),
    sa.column("room_id", sa.Integer), sa.column("title", sa.String), sa.column("title_nl", sa.String),
    sa.column("starts_at", UTCDateTime()), sa.column("ends_at", UTCDateTime()), sa.column("status", sa.String),
)
SCHEDULE_VERSION = sa.table("schedule_version", sa.column("id", sa.Integer), sa.column("number", sa.Integer))
CANCELLED = "cancelled"  # programme's SessionStatus.CANCELLED, as stored


@dataclass(frozen=True)
class VenueSession:
    session_id: int
    title: str
    room_name: str
    starts_at: datetime
    ends_at: datetime
    cancelled: bool


def public_venues() -> list[Venue]:
    return list(db.session.scalars(
        sa.select(Venue).options(selectinload(Venue.rooms)).order_by(Venue.name)))


def venue_by_slug(slug: str) -> Venue | None:
    return db.session.scalar(sa.select(Venue).options(selectinload(Venue.rooms)).where(Venue.slug == slug))


def sessions_by_day(venue: Venue, *, language: str, zone: ZoneInfo) -> dict[date, list[VenueSession]]:
    """The latest published version's sessions in the venue's rooms, by local day, in time
    order (one query); cancelled ones stay, marked, as the programme shows them."""
    latest = sa.select(SCHEDULE_VERSION.c.id).order_by(SCHEDULE_VERSION.c.number.desc()).limit(1).scalar_subquery()
    s = PUBLISHED_SESSION.c
    rows = db.session.execute(
        sa.select(s.session_id, s.title, s.title_nl, Room.name, s.starts_at, s.ends_at, s.status)
        .join(Room, Room.id == s.room_id)
        .where(s.version_id == latest, Room.venue_id == venue.id)
        .order_by(s.starts_at, Room.name, s.title)
    ).all()
    days: dict[date, list[VenueSession]] = defaultdict(list)
    for session_id, title, title_nl, room_name, starts_at, ends_at, status in rows:
        shown = title_nl if language == "nl" and title_nl else title
        days[starts_at.astimezone(zone).date()].append(
            VenueSession(session_id, shown, room_name, starts_at, ends_at, status == CANCELLED))
    return dict(days)
