"""A delegate's own programme: stars, the booking panel on a session page, and the personal
agenda by day with clashes and too-short walks between venues pointed out."""
from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from esof.accounts.models import User
from esof.bookings.capacity import live_booking
from esof.bookings.locks import is_confirmed_delegate, require_confirmed_delegate
from esof.bookings.models import LIVE, Booking, Star
from esof.bookings.published import SeatCounts, published_states, seat_counts
from esof.bookings.refusals import NotPublished
from esof.bookings.seats import is_postgresql
from esof.conference import to_local
from esof.db import utcnow
from esof.extensions import db
from esof.programme import scheduling
from esof.programme.models import ProgrammeSession, PublishedSession, SessionStatus
from esof.programme.queries import latest_version_id
from esof.venues.models import Room, Venue

# --------------------------------------------------------------------------- stars


def star_session(*, item: ProgrammeSession, delegate: User) -> None:
    """Star a published session (idempotent)."""
    require_confirmed_delegate(delegate)
    if item.id not in published_states([item.id]):
        raise NotPublished()
    dialect = postgresql if is_postgresql() else sqlite
    db.session.execute(
        dialect.insert(Star).values(user_id=delegate.id, session_id=item.id, created_at=utcnow())
        .on_conflict_do_nothing()
    )
    db.session.flush()


def unstar_session(*, item: ProgrammeSession, delegate: User) -> None:
    db.session.execute(sa.delete(Star).where(Star.user_id == delegate.id, Star.session_id == item.id))
    db.session.flush()


# --------------------------------------------------------------------------- a delegate's view


@dataclass
class BookingPanel:
    """What the session page shows about seats and the current user's booking and star."""

    counts: SeatCounts | None
    booking: Booking | None
    starred: bool
    can_act: bool  # a confirmed delegate
    logged_in: bool


def booking_panel(*, session_id: int, user: User | None) -> BookingPanel:
    counts = seat_counts([session_id]).get(session_id)
    if user is None or not getattr(user, "is_authenticated", False):
        return BookingPanel(counts, None, False, False, False)
    booking = live_booking(user.id, session_id)
    starred = db.session.scalar(
        sa.select(Star.session_id).where(Star.user_id == user.id, Star.session_id == session_id)
    ) is not None
    return BookingPanel(counts, booking, starred, is_confirmed_delegate(user), True)


class NoteKind(enum.StrEnum):
    CLASH = "clash"
    WALK = "walk"


@dataclass
class AgendaNote:
    kind: NoteKind
    other_title: str
    gap_minutes: int = 0
    needed_minutes: int = 0
    from_venue: str = ""
    to_venue: str = ""


@dataclass
class AgendaEntry:
    item: PublishedSession
    booking: Booking | None
    starred: bool
    counts: SeatCounts | None
    notes: list[AgendaNote] = field(default_factory=list)

    @property
    def cancelled(self) -> bool:
        return self.item.status is SessionStatus.CANCELLED


@dataclass
class AgendaDay:
    day: date
    entries: list[AgendaEntry]


def build_agenda(user: User) -> list[AgendaDay]:
    """Booked (confirmed or waiting) and starred sessions by day, in the latest published
    version, with clashes and too-short walks between venues pointed out. A fixed number
    of queries, whatever the size of the agenda."""
    bookings = {b.session_id: b for b in db.session.scalars(
        sa.select(Booking).where(Booking.user_id == user.id, Booking.status.in_(LIVE)))}
    stars = set(db.session.scalars(sa.select(Star.session_id).where(Star.user_id == user.id)))
    ids = set(bookings) | stars
    if not ids:
        return []
    items = db.session.scalars(
        sa.select(PublishedSession)
        .where(PublishedSession.version_id == latest_version_id(), PublishedSession.session_id.in_(ids))
        .options(joinedload(PublishedSession.room).joinedload(Room.venue), joinedload(PublishedSession.session))
        .order_by(PublishedSession.starts_at, PublishedSession.ends_at, PublishedSession.title)
    ).unique().all()
    counts = seat_counts([i.session_id for i in items])
    by_day: dict[date, list[AgendaEntry]] = defaultdict(list)
    for item in items:
        entry = AgendaEntry(item, bookings.get(item.session_id), item.session_id in stars,
                            counts.get(item.session_id))
        by_day[to_local(item.starts_at).date()].append(entry)
    for entries in by_day.values():
        annotate_day(entries)
    return [AgendaDay(day, by_day[day]) for day in sorted(by_day)]


def _venue(item: PublishedSession) -> Venue | None:
    return item.room.venue if item.room is not None else None


def annotate_day(entries: list[AgendaEntry]) -> None:
    """Mark overlapping pairs, and consecutive sessions at different venues with less time
    between them than the walk takes (the programme's own walking-time rule)."""
    active = [e for e in entries if not e.cancelled]
    for i, first in enumerate(active):
        for second in active[i + 1:]:
            if second.item.starts_at >= first.item.ends_at:
                break
            if scheduling.overlaps(first.item.starts_at, first.item.ends_at,
                                   second.item.starts_at, second.item.ends_at):
                first.notes.append(AgendaNote(NoteKind.CLASH, second.item.title))
                second.notes.append(AgendaNote(NoteKind.CLASH, first.item.title))
    for previous, following in pairwise(active):
        if previous.item.ends_at > following.item.starts_at:
            continue
        a, b = _venue(previous.item), _venue(following.item)
        if a is None or b is None or a.id == b.id or a.coordinates is None or b.coordinates is None:
            continue
        gap = (following.item.starts_at - previous.item.ends_at).total_seconds() / 60
        needed = scheduling.walking_minutes(scheduling.haversine_km(a.coordinates, b.coordinates))
        if gap < needed:
            following.notes.append(AgendaNote(
                NoteKind.WALK, previous.item.title, gap_minutes=round(gap), needed_minutes=int(-(-needed // 1)),
                from_venue=a.name, to_venue=b.name,
            ))

