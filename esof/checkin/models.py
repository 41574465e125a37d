"""Check-ins at venue and room doors, and the live occupancy counters they keep."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from esof.db import enum_type, utcnow
from esof.extensions import Model
from esof.registration.models import Registration


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"


class CheckIn(Model):
    __tablename__ = "check_in"
    __table_args__ = (
        sa.CheckConstraint(
            "(venue_id IS NOT NULL) OR (room_id IS NOT NULL)", name="has_door"
        ),
        sa.Index("ix_check_in_registration_time", "registration_id", "scanned_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id", ondelete="CASCADE"))
    venue_id: Mapped[int | None] = mapped_column(sa.ForeignKey("venue.id", ondelete="SET NULL"))
    room_id: Mapped[int | None] = mapped_column(sa.ForeignKey("room.id", ondelete="SET NULL"))
    direction: Mapped[Direction] = mapped_column(enum_type(Direction, "direction"))
    scanned_at: Mapped[datetime] = mapped_column(default=utcnow)
    scanned_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    warnings: Mapped[str] = mapped_column(sa.Text, default="")
    # Whether this scan moved the door's counter (a repeated "in" or an "out" of someone
    # who was not inside is recorded but not counted): present = counted ins - counted outs.
    counted: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The id a scanner gave a scan it made offline (a UUID): unique, so a batch sent twice
    # (a lost answer, a retry) records each scan once. Online scans have none.
    client_id: Mapped[str | None] = mapped_column(sa.String(36), unique=True)
    # Where the scan came from: "" online (the server's time), "offline" (the scanner's
    # time, sent later by /checkin/sync).
    source: Mapped[str] = mapped_column(sa.String(16), default="", server_default="")

    registration: Mapped[Registration] = relationship()


class Occupancy(Model):
    """People present behind one door (a room or a venue), updated atomically per scan."""

    __tablename__ = "occupancy"
    __table_args__ = (
        sa.CheckConstraint("present >= 0", name="present_not_negative"),
        sa.CheckConstraint(
            "(venue_id IS NULL) <> (room_id IS NULL)", name="exactly_one_door"
        ),
        sa.UniqueConstraint("venue_id", "room_id"),
        # NULLs are distinct in a unique constraint, so the one above lets twin rows in; these
        # partial indexes give each room and each venue exactly one counter row.
        sa.Index(
            "uq_occupancy_room", "room_id", unique=True,
            postgresql_where=sa.text("room_id IS NOT NULL"), sqlite_where=sa.text("room_id IS NOT NULL"),
        ),
        sa.Index(
            "uq_occupancy_venue", "venue_id", unique=True,
            postgresql_where=sa.text("venue_id IS NOT NULL"), sqlite_where=sa.text("venue_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int | None] = mapped_column(sa.ForeignKey("venue.id", ondelete="CASCADE"))
    room_id: Mapped[int | None] = mapped_column(sa.ForeignKey("room.id", ondelete="CASCADE"))
    present: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DoorPresence(Model):
    """Who is behind a door now: inserted on a counted "in", deleted on a counted "out".

    Its partial unique indexes make the per-person decision atomic: of two simultaneous
    "in" scans of the same ticket at the same room only one inserts a row, so only one
    raises the counter."""

    __tablename__ = "door_presence"
    __table_args__ = (
        sa.CheckConstraint("(venue_id IS NULL) <> (room_id IS NULL)", name="exactly_one_door"),
        sa.Index(
            "uq_door_presence_room", "registration_id", "room_id", unique=True,
            postgresql_where=sa.text("room_id IS NOT NULL"), sqlite_where=sa.text("room_id IS NOT NULL"),
        ),
        sa.Index(
            "uq_door_presence_venue", "registration_id", "venue_id", unique=True,
            postgresql_where=sa.text("venue_id IS NOT NULL"), sqlite_where=sa.text("venue_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id", ondelete="CASCADE"))
    venue_id: Mapped[int | None] = mapped_column(sa.ForeignKey("venue.id", ondelete="CASCADE"))
    room_id: Mapped[int | None] = mapped_column(sa.ForeignKey("room.id", ondelete="CASCADE"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
