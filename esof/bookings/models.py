"""Seat bookings in sessions that need them, and starred sessions."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from esof.accounts.models import User
from esof.db import enum_type, utcnow
from esof.extensions import Model
from esof.programme.models import ProgrammeSession


class BookingStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


# A live booking holds a seat or a place in line (the partial unique index below: one per user and session).
LIVE = (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED)


class SessionSeats(Model):
    """The one row locked or conditionally updated when a seat in a session changes hands."""

    __tablename__ = "session_seats"
    __table_args__ = (
        sa.CheckConstraint("confirmed_count >= 0", name="confirmed_not_negative"),
        sa.CheckConstraint("waitlist_count >= 0", name="waitlist_not_negative"),
    )

    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programme_session.id", ondelete="CASCADE"), primary_key=True
    )
    confirmed_count: Mapped[int] = mapped_column(default=0)
    # Waiting bookings hold positions 1..waitlist_count, without gaps or repeats.
    waitlist_count: Mapped[int] = mapped_column(default=0)
    # How many times anyone joined the waiting list (a running total for statistics).
    waitlist_seq: Mapped[int] = mapped_column(default=0)

    session: Mapped[ProgrammeSession] = relationship()


class Booking(Model):
    __tablename__ = "booking"
    __table_args__ = (
        # One live booking (confirmed or waitlisted) per user and session.
        sa.Index(
            "uq_booking_live_user_session",
            "user_id",
            "session_id",
            unique=True,
            postgresql_where=sa.text("status <> 'cancelled'"),
            sqlite_where=sa.text("status <> 'cancelled'"),
        ),
        sa.Index("ix_booking_session_status", "session_id", "status"),
        sa.CheckConstraint("position IS NULL OR position > 0", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("programme_session.id", ondelete="CASCADE"))
    status: Mapped[BookingStatus] = mapped_column(enum_type(BookingStatus, "status"))
    # Place on the waiting list (1 = next to be promoted); None unless waitlisted.
    position: Mapped[int | None]
    # When the seat became this booking's (booked directly or promoted): "most recent
    # bookings" that move back to the waiting list when a room shrinks are ordered by it.
    confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()
    session: Mapped[ProgrammeSession] = relationship()


class Star(Model):
    __tablename__ = "star"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programme_session.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
