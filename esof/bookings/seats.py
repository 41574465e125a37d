"""The counter row of a session (SessionSeats): the one row every seat change goes through.

Capacity is never exceeded because a seat is taken by a conditional UPDATE of this row
(`confirmed_count < capacity`), which PostgreSQL re-checks against the latest committed row
when another transaction changed it first; SQLite has one writer at a time. Everything that
holds the row's lock is kept short: the bookings of a popular workshop queue on it.

The statements are built once, at import. SQLAlchemy memoises a statement's cache key on the
statement object, so reusing it skips building and keying it on every booking (together a
third of a booking's CPU time); the values go in as bind parameters.
"""
from __future__ import annotations

from datetime import datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import make_transient_to_detached

from esof.bookings.models import Booking, BookingStatus, SessionSeats
from esof.db import rows_matched, utcnow
from esof.errors import Busy
from esof.extensions import db

# Tries at "a seat, or a place in line" before answering busy: a try fails only when seats
# come free and go again between our two conditions, which takes a very busy session.
SEAT_ATTEMPTS = 5

# Declarative models map to Tables; the class attribute is typed as the wider FromClause.
SEATS = cast(sa.Table, SessionSeats.__table__)
BOOKINGS = cast(sa.Table, Booking.__table__)

TAKE_SEAT = (
    SEATS.update()
    .where(SEATS.c.session_id == sa.bindparam("sid"), SEATS.c.confirmed_count < sa.bindparam("capacity"))
    .values(confirmed_count=SEATS.c.confirmed_count + 1)
)
# Conditional like TAKE_SEAT: a seat freed after a failed TAKE_SEAT makes this one fail too,
# so nobody joins the waiting list while a seat is free.
JOIN_WAITLIST_IF_FULL = (
    SEATS.update()
    .where(SEATS.c.session_id == sa.bindparam("sid"), SEATS.c.confirmed_count >= sa.bindparam("capacity"))
    .values(waitlist_count=SEATS.c.waitlist_count + 1, waitlist_seq=SEATS.c.waitlist_seq + 1)
    .returning(SEATS.c.waitlist_count)
)


def _claim_in_one_statement() -> sa.Insert:
    """PostgreSQL: take a seat or a waiting position AND insert the booking, in one statement.

    The counter row stays locked from its UPDATE until the commit; with everything in one
    statement the commit follows at once, so the queue on a popular session moves faster.
    `took` and `waited` exclude each other (waited needs took to be empty); if neither
    applies (a seat came free mid-statement), nothing is inserted and the caller tries again.
    """
    took = TAKE_SEAT.returning(SEATS.c.session_id).cte("took")
    waited = (
        SEATS.update()
        .where(SEATS.c.session_id == sa.bindparam("sid"), SEATS.c.confirmed_count >= sa.bindparam("capacity"),
               ~sa.exists(sa.select(took.c.session_id)))
        .values(waitlist_count=SEATS.c.waitlist_count + 1, waitlist_seq=SEATS.c.waitlist_seq + 1)
        .returning(SEATS.c.waitlist_count)
        .cte("waited")
    )
    user_id = sa.bindparam("user_id", type_=sa.Integer)
    session_id = sa.bindparam("sid", type_=sa.Integer)
    now = sa.bindparam("now", type_=BOOKINGS.c.created_at.type)
    status = BOOKINGS.c.status.type
    confirmed = sa.select(user_id, session_id, sa.literal(BookingStatus.CONFIRMED, status),
                          sa.literal(None, sa.Integer), now, now, now).select_from(took)
    waiting = sa.select(user_id, session_id, sa.literal(BookingStatus.WAITLISTED, status), waited.c.waitlist_count,
                        sa.literal(None, BOOKINGS.c.confirmed_at.type), now, now).select_from(waited)
    return (
        BOOKINGS.insert()
        .from_select(["user_id", "session_id", "status", "position", "confirmed_at", "created_at", "updated_at"],
                     sa.union_all(confirmed, waiting))
        .returning(BOOKINGS.c.id, BOOKINGS.c.status, BOOKINGS.c.position)
        .add_cte(took, waited)
    )


CLAIM_IN_ONE_STATEMENT = _claim_in_one_statement()


def is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def ensure_seats_row(session_id: int) -> None:
    """Create the session's counter row if it is missing.

    On SQLite this is the first write of the transaction and so takes the database's write
    lock at once (BEGIN IMMEDIATE semantics): the reads that follow see a state nobody else
    can change before we commit."""
    values = {"session_id": session_id, "confirmed_count": 0, "waitlist_count": 0, "waitlist_seq": 0}
    dialect = postgresql if is_postgresql() else sqlite
    db.session.execute(dialect.insert(SessionSeats).values(**values).on_conflict_do_nothing())


def lock_seats(session_id: int) -> tuple[int, int]:
    """Lock the session's counter row; returns (confirmed_count, waitlist_count)."""
    ensure_seats_row(session_id)
    row = db.session.execute(
        sa.select(SessionSeats.confirmed_count, SessionSeats.waitlist_count)
        .where(SessionSeats.session_id == session_id)
        .with_for_update()
    ).one()
    return row[0], row[1]


def change_counts(session_id: int, *, confirmed: int = 0, waitlisted: int = 0) -> None:
    db.session.execute(
        sa.update(SessionSeats)
        .where(SessionSeats.session_id == session_id)
        .values(confirmed_count=SessionSeats.confirmed_count + confirmed,
                waitlist_count=SessionSeats.waitlist_count + waitlisted)
        .execution_options(synchronize_session=False)
    )


def take_seat(session_id: int, capacity: int) -> bool:
    """The atomic part: one conditional UPDATE takes a seat, or none is left."""
    return rows_matched(db.session.execute(TAKE_SEAT, {"sid": session_id, "capacity": capacity})) == 1


def claim_place(*, user_id: int, session_id: int, capacity: int) -> Booking:
    """A confirmed booking if a seat is free, else a waiting one with the next position.

    Raises IntegrityError if the user already has a live booking (the partial unique index)."""
    now = utcnow()
    for _attempt in range(SEAT_ATTEMPTS):
        if is_postgresql():
            row = db.session.execute(CLAIM_IN_ONE_STATEMENT, {
                "user_id": user_id, "sid": session_id, "capacity": capacity, "now": now}).first()
            if row is not None:
                return _known_booking(row.id, user_id, session_id, row.status, row.position, now)
            continue
        if take_seat(session_id, capacity):
            return _added(Booking(user_id=user_id, session_id=session_id, status=BookingStatus.CONFIRMED,
                                  confirmed_at=now, created_at=now))
        position = db.session.execute(
            JOIN_WAITLIST_IF_FULL, {"sid": session_id, "capacity": capacity}).scalar_one_or_none()
        if position is not None:
            return _added(Booking(user_id=user_id, session_id=session_id, status=BookingStatus.WAITLISTED,
                                  position=position, created_at=now))
    raise Busy()


def _added(booking: Booking) -> Booking:
    db.session.add(booking)
    db.session.flush()
    return booking


def _known_booking(booking_id: int, user_id: int, session_id: int, status: BookingStatus,
                   position: int | None, now: datetime) -> Booking:
    """The row the statement inserted, as a session object, without loading it again."""
    booking = Booking(id=booking_id, user_id=user_id, session_id=session_id, status=BookingStatus(status),
                      position=position, confirmed_at=now if status == BookingStatus.CONFIRMED else None,
                      created_at=now, updated_at=now)
    make_transient_to_detached(booking)
    db.session.add(booking)
    return booking
