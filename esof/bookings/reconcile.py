"""Seats follow capacity at once: capacity is read live (the published room, the session's
seat limit), so when it changes the bookings are brought in line in the same transaction.

A lower capacity moves the latest confirmed bookings back to the head of the waiting list
(mailed); a higher one promotes the people waiting. Nothing is dropped. Other areas ask for
this through their signals (:mod:`esof.bookings.receivers`).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from esof.bookings.capacity import promote_waiting, renumber_waitlist
from esof.bookings.locks import set_lock_timeout
from esof.bookings.mail import mail_seat_change
from esof.bookings.models import Booking, BookingStatus, SessionSeats
from esof.bookings.published import PublishedState, published_states, session_capacity
from esof.bookings.seats import change_counts, lock_seats
from esof.errors import busy_on_lock_timeout
from esof.extensions import db
from esof.programme.models import ProgrammeSession, PublishedSession, ScheduleVersion
from esof.programme.queries import latest_version_id
from esof.venues.models import Room
from esof.venues.signals import BookingsBeyondCapacity


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
        set_lock_timeout()
        confirmed, _waiting = lock_seats(session.id)
        state = published_states([session.id]).get(session.id)
        if state is None or not state.counts.bookable:
            return result
        capacity = state.counts.capacity or 0
        if confirmed > capacity:
            result.demoted = _demote_latest(state, confirmed - capacity)
        elif confirmed < capacity:
            result.promoted = promote_waiting(state)
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
    renumber_waitlist(state.session_id)
    for booking in demoted:
        mail_seat_change(booking, "booking_waitlisted_again", state)
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
    for sid, state in published_states(session_ids).items():
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
    states = published_states(_published_in_room(room.id)).values()
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

