"""Taking a seat, giving it back, and the waiting list in between.

The one capacity rule: confirmed bookings of a session never exceed its capacity, the
capacity of the room in the latest published version, or the session's lower booking cap.
Every change of seats goes through the session's one `session_seats` row (see
:mod:`esof.bookings.seats`):

* a seat is taken by ONE conditional UPDATE (``confirmed_count = confirmed_count + 1 WHERE
  confirmed_count < capacity``), so two requests can never both take the last seat;
* that UPDATE (or, for cancellations and capacity changes, ``SELECT ... FOR UPDATE``) locks
  the row until the transaction ends, which serialises the waiting list of that session
  and nothing else. On SQLite the first write of the transaction takes the database's
  write lock (BEGIN IMMEDIATE semantics): it is issued before any read that a decision
  rests on;
* on PostgreSQL the delegate's own user row is locked first, so one delegate's bookings of
  two overlapping sessions cannot both pass the clash check (:mod:`esof.bookings.locks`);
* a lock that cannot be had in time (PostgreSQL ``lock_timeout``, SQLite busy timeout,
  a deadlock) answers :class:`esof.errors.Busy`: "busy, please try again".

Waiting positions are 1..N without gaps or repeats: joining takes N + 1 under the row lock,
and leaving, promotion and demotion renumber the list in order. Services flush, never
commit; mails are queued in the same transaction. Seats that follow a change of capacity
are in :mod:`esof.bookings.reconcile`.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from esof.accounts.models import User
from esof.bookings.locks import lock_confirmed_delegate, lock_user, set_lock_timeout
from esof.bookings.mail import mail_seat_change
from esof.bookings.models import LIVE, Booking, BookingStatus, SessionSeats
from esof.bookings.published import PublishedState, published_states
from esof.bookings.refusals import AlreadyBooked, BookingClash, NoBooking, NotBookable, NotPublished
from esof.bookings.seats import change_counts, claim_place, ensure_seats_row, is_postgresql, lock_seats, take_seat
from esof.db import utcnow
from esof.errors import busy_on_lock_timeout
from esof.extensions import db
from esof.programme import scheduling
from esof.programme.models import ProgrammeSession, PublishedSession, SessionStatus
from esof.programme.queries import latest_version_id


def _bookable_state(session_id: int) -> PublishedState:
    state = published_states([session_id]).get(session_id)
    if state is None:
        raise NotPublished()
    if state.cancelled:
        raise NotBookable(_("This session is cancelled."))
    if not state.counts.bookable:
        raise NotBookable()
    return state


def live_booking(user_id: int, session_id: int) -> Booking | None:
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
        set_lock_timeout()
        lock_confirmed_delegate(delegate)
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
        set_lock_timeout()
        lock_user(delegate.id)
        lock_seats(item.id)
        booking = live_booking(delegate.id, item.id)
        if booking is None:
            raise NoBooking()
        return cancel_locked(booking)


def cancel_locked(booking: Booking) -> CancelResult:
    """Cancel a booking whose session row is locked."""
    was = booking.status
    booking.status = BookingStatus.CANCELLED
    booking.position = None
    db.session.flush()
    if was is BookingStatus.WAITLISTED:
        renumber_waitlist(booking.session_id)
        return CancelResult(was)
    change_counts(booking.session_id, confirmed=-1)
    state = published_states([booking.session_id]).get(booking.session_id)
    promoted = promote_waiting(state) if state is not None and state.counts.bookable else []
    return CancelResult(was, promoted)


def renumber_waitlist(session_id: int) -> None:
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


def promote_waiting(state: PublishedState) -> list[Booking]:
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
        lock_user(booking.user_id)
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
        renumber_waitlist(state.session_id)
        for booking in promoted:
            mail_seat_change(booking, "booking_promoted", state)
    return promoted

