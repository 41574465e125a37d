"""Seat bookings, waiting lists and stars.

The one capacity rule: confirmed bookings of a session never exceed its capacity, the
capacity of the room in the latest published version, or the session's lower booking cap.
Every change of seats goes through the session's one `session_seats` row:

* a seat is taken by ONE conditional UPDATE (``confirmed_count = confirmed_count + 1 WHERE
  confirmed_count < capacity``), so two requests can never both take the last seat;
* that UPDATE (or, for cancellations and capacity changes, ``SELECT ... FOR UPDATE``) locks
  the row until the transaction ends, which serialises the waiting list of that session
  and nothing else. On SQLite the first write of the transaction takes the database's
  write lock (BEGIN IMMEDIATE semantics): it is issued before any read that a decision
  rests on;
* on PostgreSQL the delegate's own user row is locked first, so one delegate's bookings of
  two overlapping sessions cannot both pass the clash check;
* a lock that cannot be had in time (PostgreSQL ``lock_timeout``, SQLite busy timeout,
  a deadlock) answers :class:`esof.errors.Busy`: "busy, please try again".

Waiting positions are 1..N without gaps or repeats: joining takes N + 1 under the row lock,
and leaving, promotion and demotion renumber the list in order. Services flush, never
commit; mails are queued in the same transaction.
"""
from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from esof.accounts.models import User
from esof.bookings.models import Booking, BookingStatus, SessionSeats, Star
from esof.bookings.seats import (
    change_counts,
    claim_place,
    ensure_seats_row,
    is_postgresql,
    lock_seats,
    take_seat,
)
from esof.db import utcnow
from esof.errors import Conflict, PermissionDenied, SlotClash, busy_on_lock_timeout
from esof.extensions import db
from esof.i18n import to_local
from esof.mail.services import queue_mail
from esof.programme import scheduling
from esof.programme.models import (
    ProgrammeSession,
    PublishedSession,
    ScheduleVersion,
    SessionStatus,
)
from esof.programme.queries import latest_version_id
from esof.registration.models import Registration, RegistrationStatus
from esof.venues.models import Room, Venue
from esof.venues.signals import BookingsBeyondCapacity

LIVE = (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED)


# --------------------------------------------------------------------------- refusals


class BookingRefused(Conflict):
    default_message = _l("This seat cannot be booked.")


class NotBookable(BookingRefused):
    default_message = _l("This session does not take bookings.")


class AlreadyBooked(BookingRefused):
    default_message = _l("You already have a booking for this session.")


class NoBooking(BookingRefused):
    default_message = _l("You have no booking for this session.")


class NotPublished(BookingRefused):
    default_message = _l("This session is not in the published programme.")


class DelegatesOnly(PermissionDenied):
    default_message = _l("Only delegates with a confirmed registration can star and book sessions.")


class BookingClash(SlotClash):
    """The delegate holds a seat in an overlapping session; the message names it."""

    def __init__(self, title: str) -> None:
        self.clashing_title = title
        super().__init__(_(
            "You already have a seat in “%(title)s” at the same time. Cancel that booking first.",
            title=title,
        ))


# --------------------------------------------------------------------------- capacity facts


def session_capacity(room_capacity: int | None, booking_cap: int | None) -> int:
    """Seats that can be booked: the room's capacity, or the session's lower cap."""
    capacity = room_capacity or 0
    if booking_cap is not None:
        capacity = min(capacity, booking_cap)
    return max(capacity, 0)


@dataclass(frozen=True, slots=True)
class SeatCounts:
    """Seats of one session in the latest published version."""

    capacity: int | None  # None: not published or no room
    booked: int
    waitlisted: int
    needs_booking: bool
    bookable: bool  # needs booking, published, has a room, not cancelled

    @property
    def free(self) -> int:
        return max((self.capacity or 0) - self.booked, 0)

    @property
    def is_full(self) -> bool:
        return self.bookable and self.free == 0


def _published_rows_stmt() -> sa.Select[Any]:
    return (
        sa.select(
            PublishedSession.session_id, PublishedSession.title, PublishedSession.starts_at,
            PublishedSession.ends_at, PublishedSession.status, ProgrammeSession.status,
            ProgrammeSession.needs_booking, ProgrammeSession.booking_cap, Room.capacity,
            sa.func.coalesce(SessionSeats.confirmed_count, 0),
            sa.func.coalesce(SessionSeats.waitlist_count, 0),
            SessionSeats.session_id.is_not(None),
        )
        .join(ProgrammeSession, ProgrammeSession.id == PublishedSession.session_id)
        .outerjoin(Room, Room.id == PublishedSession.room_id)
        .outerjoin(SessionSeats, SessionSeats.session_id == PublishedSession.session_id)
        .where(PublishedSession.version_id == latest_version_id(),
               PublishedSession.session_id.in_(sa.bindparam("session_ids", expanding=True)))
    )


# The statements every booking runs are built once, at import. SQLAlchemy memoises a
# statement's cache key on the object, so a reused statement skips both building and keying:
# that was a third of a booking's CPU time. Parameters go in as bind parameters.
PUBLISHED_ROWS = _published_rows_stmt()


@dataclass(frozen=True, slots=True)
class PublishedState:
    """What booking rules need to know about a session as the public sees it now."""

    session_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    counts: SeatCounts
    has_seats_row: bool = True
    booking_cap: int | None = None


def _state_from_row(row: Any) -> PublishedState:
    (session_id, title, starts_at, ends_at, published_status, draft_status, needs_booking,
     booking_cap, room_capacity, booked, waitlisted, has_seats_row) = row
    cancelled = SessionStatus.CANCELLED in (published_status, draft_status)
    capacity = session_capacity(room_capacity, booking_cap) if room_capacity is not None else None
    counts = SeatCounts(
        capacity=capacity, booked=booked, waitlisted=waitlisted, needs_booking=needs_booking,
        bookable=needs_booking and not cancelled and capacity is not None,
    )
    return PublishedState(session_id, title, starts_at, ends_at, cancelled, counts, bool(has_seats_row),
                          booking_cap)


def _published_states(session_ids: Iterable[int]) -> dict[int, PublishedState]:
    ids = list(dict.fromkeys(session_ids))
    if not ids:
        return {}
    return {row[0]: _state_from_row(row) for row in db.session.execute(PUBLISHED_ROWS, {"session_ids": ids})}


def seat_counts(session_ids: Iterable[int]) -> dict[int, SeatCounts]:
    """Capacity, confirmed and waiting counts per session, in ONE query.

    Sessions that are not in the latest published version are left out.
    """
    return {sid: state.counts for sid, state in _published_states(session_ids).items()}


def seats_over_capacity(session: ProgrammeSession, new_room: Room) -> int:
    """How many confirmed bookings would not fit if the session moved to `new_room`.

    The schedule form calls this to warn before saving; 0 means everybody keeps a seat.
    """
    booked = db.session.scalar(
        sa.select(SessionSeats.confirmed_count).where(SessionSeats.session_id == session.id)
    ) or 0
    if not session.needs_booking:
        return 0
    return max(booked - session_capacity(new_room.capacity, session.booking_cap), 0)


# --------------------------------------------------------------------------- locking


def _set_lock_timeout() -> None:
    """PostgreSQL: a lock wait longer than the limit fails (and answers Busy) instead of
    queueing requests without end. Every connection starts with DATABASE_LOCK_TIMEOUT_MS;
    BOOKING_LOCK_TIMEOUT_MS, if set, changes it for this transaction only."""
    timeout = current_app.config.get("BOOKING_LOCK_TIMEOUT_MS")
    if is_postgresql() and timeout is not None and timeout != current_app.config["DATABASE_LOCK_TIMEOUT_MS"]:
        db.session.execute(sa.text(f"SET LOCAL lock_timeout = '{int(timeout)}ms'"))


def _lock_user(user_id: int) -> None:
    """PostgreSQL: hold this delegate's row, so their own changes run one at a time.
    (SQLite has one writer at a time anyway.)"""
    if is_postgresql():
        db.session.execute(sa.select(User.id).where(User.id == user_id).with_for_update())


_CONFIRMED_DELEGATE = (
    sa.select(sa.exists().where(Registration.user_id == User.id,
                                Registration.status == RegistrationStatus.CONFIRMED))
    .select_from(User).where(User.id == sa.bindparam("user_id"))
)
_CONFIRMED_DELEGATE_LOCKED = _CONFIRMED_DELEGATE.with_for_update(of=User)


def _lock_confirmed_delegate(user: User) -> None:
    """Refuse anyone without a confirmed registration and, on PostgreSQL, hold their user row
    (as _lock_user) — one statement for both, as this runs on every booking."""
    if not getattr(user, "is_authenticated", False):
        raise DelegatesOnly()
    stmt = _CONFIRMED_DELEGATE_LOCKED if is_postgresql() else _CONFIRMED_DELEGATE
    if not db.session.scalar(stmt, {"user_id": user.id}):
        raise DelegatesOnly()


# --------------------------------------------------------------------------- rules


def is_confirmed_delegate(user: User) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(
        sa.select(Registration.id).where(
            Registration.user_id == user.id, Registration.status == RegistrationStatus.CONFIRMED
        ).limit(1)
    ) is not None


def _require_confirmed_delegate(user: User) -> None:
    if not is_confirmed_delegate(user):
        raise DelegatesOnly()


def _bookable_state(session_id: int) -> PublishedState:
    state = _published_states([session_id]).get(session_id)
    if state is None:
        raise NotPublished()
    if state.cancelled:
        raise NotBookable(_("This session is cancelled."))
    if not state.counts.bookable:
        raise NotBookable()
    return state


def _live_booking(user_id: int, session_id: int) -> Booking | None:
    return db.session.scalar(
        sa.select(Booking).where(
            Booking.user_id == user_id, Booking.session_id == session_id, Booking.status.in_(LIVE)
        )
    )


_LIVE_BOOKINGS_WITH_TIMES = (
    sa.select(Booking, PublishedSession.title, PublishedSession.starts_at, PublishedSession.ends_at)
    .outerjoin(PublishedSession, sa.and_(PublishedSession.session_id == Booking.session_id,
                                         PublishedSession.version_id == latest_version_id(),
                                         PublishedSession.status != SessionStatus.CANCELLED))
    .where(Booking.user_id == sa.bindparam("user_id"), Booking.status.in_(LIVE))
    .order_by(PublishedSession.starts_at)
)


def _live_bookings_with_times(user_id: int) -> list[tuple[Booking, str, datetime, datetime]]:
    """The user's live bookings with their published title and times: one query for both the
    "already booked" and the clash check."""
    return [tuple(row) for row in db.session.execute(_LIVE_BOOKINGS_WITH_TIMES, {"user_id": user_id})]


def _first_clash(bookings: Iterable[tuple[Booking, str, datetime, datetime]], state: PublishedState) -> str | None:
    """The title of a confirmed booking that overlaps the session, if any (the programme's rule)."""
    for booking, title, starts_at, ends_at in bookings:
        if (booking.status is BookingStatus.CONFIRMED and booking.session_id != state.session_id
                and starts_at is not None
                and scheduling.overlaps(starts_at, ends_at, state.starts_at, state.ends_at)):
            return title
    return None


def _clashing_title(user_id: int, state: PublishedState) -> str | None:
    return _first_clash(_live_bookings_with_times(user_id), state)


class Outcome(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"


@dataclass
class BookingResult:
    booking: Booking
    outcome: Outcome
    position: int | None = None  # kept apart from `booking`, which expires at the commit

    @property
    def message(self) -> str:
        if self.outcome is Outcome.CONFIRMED:
            return _("Your seat is booked.")
        return _("The session is full. You are number %(position)d on the waiting list; "
                 "we will mail you when a seat is yours.", position=self.position or 0)


def book_seat(*, item: ProgrammeSession, delegate: User) -> BookingResult:
    """Book a seat, or join the waiting list when the session is full."""
    state = _bookable_state(item.id)
    with busy_on_lock_timeout():
        _set_lock_timeout()
        _lock_confirmed_delegate(delegate)
        if not (state.has_seats_row and is_postgresql()):
            # SQLite: always, as the first write takes the write lock for what follows.
            # PostgreSQL: only the first booking of a session creates the counter row.
            ensure_seats_row(item.id)
        live = _live_bookings_with_times(delegate.id)
        existing = next((row[0] for row in live if row[0].session_id == item.id), None)
        if existing is not None:
            if existing.status is BookingStatus.WAITLISTED:
                raise AlreadyBooked(_("You are already number %(position)d on the waiting list.",
                                      position=existing.position or 0))
            raise AlreadyBooked()
        clash = _first_clash(live, state)
        if clash is not None:
            raise BookingClash(clash)
        try:
            booking = claim_place(user_id=delegate.id, session_id=item.id, capacity=state.counts.capacity or 0)
        except sa.exc.IntegrityError as exc:  # the partial unique index: one live booking
            raise AlreadyBooked() from exc
        outcome = Outcome.CONFIRMED if booking.status is BookingStatus.CONFIRMED else Outcome.WAITLISTED
    return BookingResult(booking, outcome, booking.position)


@dataclass
class CancelResult:
    was: BookingStatus
    promoted: list[Booking] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.was is BookingStatus.WAITLISTED:
            return _("You have left the waiting list.")
        return _("Your booking is cancelled.")


def cancel_booking(*, item: ProgrammeSession, delegate: User) -> CancelResult:
    """Cancel a seat (the next person waiting gets it) or leave the waiting list."""
    with busy_on_lock_timeout():
        _set_lock_timeout()
        _lock_user(delegate.id)
        lock_seats(item.id)
        booking = _live_booking(delegate.id, item.id)
        if booking is None:
            raise NoBooking()
        return _cancel_locked(booking)


def _cancel_locked(booking: Booking) -> CancelResult:
    """Cancel a booking whose session row is locked."""
    was = booking.status
    booking.status = BookingStatus.CANCELLED
    booking.position = None
    db.session.flush()
    if was is BookingStatus.WAITLISTED:
        _renumber_waitlist(booking.session_id)
        return CancelResult(was)
    change_counts(booking.session_id, confirmed=-1)
    state = _published_states([booking.session_id]).get(booking.session_id)
    promoted = _promote_waiting(state) if state is not None and state.counts.bookable else []
    return CancelResult(was, promoted)


def _renumber_waitlist(session_id: int) -> None:
    """Positions 1..N in the present order; the counter row says N."""
    waiting = db.session.scalars(
        sa.select(Booking)
        .where(Booking.session_id == session_id, Booking.status == BookingStatus.WAITLISTED)
        .order_by(Booking.position, Booking.id)
    ).all()
    for number, booking in enumerate(waiting, start=1):
        if booking.position != number:
            booking.position = number
    db.session.flush()
    db.session.execute(
        sa.update(SessionSeats).where(SessionSeats.session_id == session_id)
        .values(waitlist_count=len(waiting)).execution_options(synchronize_session=False)
    )


def _promote_waiting(state: PublishedState) -> list[Booking]:
    """Give free seats to the people waiting, in order; mail each. The row is locked.

    Someone who meanwhile holds a seat in an overlapping session keeps their place and is
    passed over: nobody ends up with two overlapping seats.
    """
    capacity = state.counts.capacity or 0
    confirmed = db.session.scalar(
        sa.select(SessionSeats.confirmed_count).where(SessionSeats.session_id == state.session_id)) or 0
    if confirmed >= capacity:
        return []
    waiting = db.session.scalars(
        sa.select(Booking)
        .where(Booking.session_id == state.session_id, Booking.status == BookingStatus.WAITLISTED)
        .order_by(Booking.position, Booking.id)
        .options(joinedload(Booking.user))
    ).all()
    promoted: list[Booking] = []
    now = utcnow()
    for booking in waiting:
        if confirmed >= capacity:
            break
        _lock_user(booking.user_id)
        if _clashing_title(booking.user_id, state) is not None:
            continue
        if not take_seat(state.session_id, capacity):
            break
        confirmed += 1
        booking.status = BookingStatus.CONFIRMED
        booking.position = None
        booking.confirmed_at = now
        promoted.append(booking)
    if promoted:
        db.session.flush()
        _renumber_waitlist(state.session_id)
        for booking in promoted:
            _mail(booking, "booking_promoted", state)
    return promoted


@dataclass
class ReconcileResult:
    demoted: list[Booking] = field(default_factory=list)
    promoted: list[Booking] = field(default_factory=list)


def reconcile_capacity(session: ProgrammeSession) -> ReconcileResult:
    """Bring confirmed bookings in line with the session's capacity now.

    Over capacity (a smaller room, a lower cap): the most recent confirmed bookings move
    back to the head of the waiting list, earliest first, and those delegates are mailed.
    Under capacity with people waiting (a larger room): they are promoted in order.
    Nothing is dropped.
    """
    result = ReconcileResult()
    with busy_on_lock_timeout():
        _set_lock_timeout()
        confirmed, _waiting = lock_seats(session.id)
        state = _published_states([session.id]).get(session.id)
        if state is None or not state.counts.bookable:
            return result
        capacity = state.counts.capacity or 0
        if confirmed > capacity:
            result.demoted = _demote_latest(state, confirmed - capacity)
        elif confirmed < capacity:
            result.promoted = _promote_waiting(state)
    return result


def _demote_latest(state: PublishedState, excess: int) -> list[Booking]:
    latest = db.session.scalars(
        sa.select(Booking)
        .where(Booking.session_id == state.session_id, Booking.status == BookingStatus.CONFIRMED)
        .order_by(sa.func.coalesce(Booking.confirmed_at, Booking.created_at).desc(), Booking.id.desc())
        .limit(excess)
        .options(joinedload(Booking.user))
    ).all()
    demoted = list(reversed(latest))  # the earliest of them ends up first in line
    shift = len(demoted)
    waiting = db.session.scalars(
        sa.select(Booking)
        .where(Booking.session_id == state.session_id, Booking.status == BookingStatus.WAITLISTED)
        .order_by(Booking.position, Booking.id)
    ).all()
    for booking in waiting:
        booking.position = (booking.position or 0) + shift
    for number, booking in enumerate(demoted, start=1):
        booking.status = BookingStatus.WAITLISTED
        booking.position = number
        booking.confirmed_at = None
    db.session.flush()
    change_counts(state.session_id, confirmed=-shift)
    _renumber_waitlist(state.session_id)
    for booking in demoted:
        _mail(booking, "booking_waitlisted_again", state)
    return demoted


def sessions_out_of_balance(version: ScheduleVersion) -> list[int]:
    """Bookable sessions of a version whose confirmed count is above capacity, or below it
    with people waiting."""
    ids = db.session.scalars(
        sa.select(PublishedSession.session_id)
        .join(SessionSeats, SessionSeats.session_id == PublishedSession.session_id)
        .where(PublishedSession.version_id == version.id,
               (SessionSeats.confirmed_count > 0) | (SessionSeats.waitlist_count > 0))
    ).all()
    return _out_of_balance(ids)


def _out_of_balance(session_ids: Iterable[int]) -> list[int]:
    out = []
    for sid, state in _published_states(session_ids).items():
        counts = state.counts
        if not counts.bookable:
            continue
        if counts.booked > (counts.capacity or 0) or (counts.booked < (counts.capacity or 0) and counts.waitlisted):
            out.append(sid)
    return sorted(out)


def reconcile_published_seats(version: ScheduleVersion) -> list[ReconcileResult]:
    """After a publication: every session whose seats no longer match its room."""
    return _reconcile_each(sessions_out_of_balance(version))


def _reconcile_each(session_ids: Iterable[int]) -> list[ReconcileResult]:
    results = []
    for session_id in session_ids:
        session = db.session.get(ProgrammeSession, session_id)
        if session is not None:
            results.append(reconcile_capacity(session))
    return results


def _published_in_room(room_id: int) -> list[int]:
    return list(db.session.scalars(
        sa.select(PublishedSession.session_id)
        .where(PublishedSession.version_id == latest_version_id(), PublishedSession.room_id == room_id)
    ))


def bookings_beyond_room_capacity(room: Room, *, capacity: int) -> list[BookingsBeyondCapacity]:
    """Published sessions in the room whose confirmed bookings `capacity` seats would not hold."""
    states = _published_states(_published_in_room(room.id)).values()
    found = []
    for state in sorted(states, key=lambda state: state.starts_at):
        seats_left = session_capacity(capacity, state.booking_cap)
        if state.counts.bookable and state.counts.booked > seats_left:
            found.append(BookingsBeyondCapacity(state.title, state.counts.booked, seats_left))
    return found


def reconcile_room(room: Room) -> list[ReconcileResult]:
    """After a room's capacity changed: every published session in it, at once (capacity is
    read live, so waiting lists must not wait for the next publication)."""
    return _reconcile_each(_out_of_balance(_published_in_room(room.id)))


# --------------------------------------------------------------------------- stars


def star_session(*, item: ProgrammeSession, delegate: User) -> None:
    """Star a published session (idempotent)."""
    _require_confirmed_delegate(delegate)
    if item.id not in _published_states([item.id]):
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
    logged_in = bool(user is not None and getattr(user, "is_authenticated", False))
    if not logged_in:
        return BookingPanel(counts, None, False, False, False)
    booking = _live_booking(user.id, session_id)
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
    for previous, following in zip(active, active[1:]):
        if previous.item.ends_at > following.item.starts_at:
            continue
        a, b = _venue(previous.item), _venue(following.item)
        if a is None or b is None or a.id == b.id or None in (a.latitude, a.longitude, b.latitude, b.longitude):
            continue
        gap = (following.item.starts_at - previous.item.ends_at).total_seconds() / 60
        needed = scheduling.walking_minutes(scheduling.haversine_km((a.latitude, a.longitude),
                                                                    (b.latitude, b.longitude)))
        if gap < needed:
            following.notes.append(AgendaNote(
                NoteKind.WALK, previous.item.title, gap_minutes=round(gap), needed_minutes=int(-(-needed // 1)),
                from_venue=a.name, to_venue=b.name,
            ))


# --------------------------------------------------------------------------- mail


def _mail(booking: Booking, template: str, state: PublishedState) -> None:
    user = booking.user
    if user is None or getattr(user, "erased_at", None) is not None:
        return
    language = user.language if user.language in current_app.config["LANGUAGES"] else "en"
    adapter = current_app.url_map.bind("localhost")
    link = current_app.config["ESOF_BASE_URL"].rstrip("/") + adapter.build(
        "programme.session_detail", {"session_id": state.session_id})
    queue_mail(
        to=user.email, template=template, language=language, booking=booking,
        name=user.display_name or user.email, title=state.title, starts_at=state.starts_at,
        ends_at=state.ends_at, link=link,
    )


# --------------------------------------------------------------------------- other areas' events


def release_bookings_of(user: User) -> None:
    """Cancel every live booking of a user (seats go to the next in line) and drop stars."""
    release_seats_of(user)
    db.session.execute(sa.delete(Star).where(Star.user_id == user.id))
    db.session.flush()


def release_seats_of(user: User) -> None:
    """Cancel every live booking of a user; each freed seat goes to the next in line."""
    session_ids = db.session.scalars(
        sa.select(Booking.session_id).where(Booking.user_id == user.id, Booking.status.in_(LIVE))
        .order_by(Booking.session_id)
    ).all()
    with busy_on_lock_timeout():
        _set_lock_timeout()
        _lock_user(user.id)
        for session_id in session_ids:
            lock_seats(session_id)
            booking = _live_booking(user.id, session_id)
            if booking is not None:
                _cancel_locked(booking)
    db.session.flush()


def personal_data(user: User) -> dict[str, Any]:
    """The bookings and stars section of a delegate's data export."""
    bookings = db.session.execute(
        sa.select(Booking.session_id, ProgrammeSession.title, Booking.status, Booking.position,
                  Booking.created_at, Booking.confirmed_at)
        .join(ProgrammeSession, ProgrammeSession.id == Booking.session_id)
        .where(Booking.user_id == user.id).order_by(Booking.created_at, Booking.id)
    ).all()
    stars = db.session.execute(
        sa.select(Star.session_id, ProgrammeSession.title, Star.created_at)
        .join(ProgrammeSession, ProgrammeSession.id == Star.session_id)
        .where(Star.user_id == user.id).order_by(Star.created_at)
    ).all()
    return {
        "bookings": [
            {"session_id": sid, "title": title, "status": str(status), "waiting_position": position,
             "created_at": created.isoformat(), "confirmed_at": confirmed.isoformat() if confirmed else None}
            for sid, title, status, position, created, confirmed in bookings
        ],
        "starred_sessions": [
            {"session_id": sid, "title": title, "starred_at": created.isoformat()} for sid, title, created in stars
        ],
    }


def connect_to_other_areas() -> None:
    """Listen to the registration and programme areas without them importing bookings."""
    from esof.programme.signals import booking_cap_changed, schedule_published
    from esof.registration.gdpr import register_personal_data_section
    from esof.registration.signals import account_erasing, registration_cancelled
    from esof.venues.signals import room_capacity_changed, room_capacity_lowering

    account_erasing.connect(release_bookings_of, weak=False)
    registration_cancelled.connect(release_seats_of, weak=False)
    register_personal_data_section("bookings", personal_data)
    schedule_published.connect(reconcile_published_seats, weak=False)
    booking_cap_changed.connect(reconcile_capacity, weak=False)
    room_capacity_changed.connect(reconcile_room, weak=False)
    room_capacity_lowering.connect(bookings_beyond_room_capacity, weak=False)
