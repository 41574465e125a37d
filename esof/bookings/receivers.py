"""What bookings does when other areas change something, and its part of a delegate's data.

The lower areas send signals instead of importing bookings (see docs/ARCHITECTURE.md, "Areas
that react to each other"); :func:`connect_receivers` connects bookings to all of them, once
per process whatever the number of apps (blinker keeps one connection per receiver function,
and a data-export section is registered under its name). Receivers flush, never commit.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import url_for

from esof.accounts.models import User
from esof.bookings.capacity import cancel_locked, live_booking
from esof.bookings.locks import lock_user, set_lock_timeout
from esof.bookings.models import LIVE, Booking, Star
from esof.bookings.reconcile import (
    bookings_beyond_room_capacity,
    reconcile_capacity,
    reconcile_published_seats,
    reconcile_room,
)
from esof.bookings.seats import lock_seats
from esof.errors import busy_on_lock_timeout
from esof.extensions import db
from esof.programme.models import ProgrammeSession, PublishedSession
from esof.programme.queries import latest_version_id
from esof.programme.signals import booking_cap_changed, schedule_published
from esof.registration.gdpr import register_personal_data_section
from esof.registration.models import Registration
from esof.registration.person_activity import ActivityRow, register_person_activity
from esof.registration.signals import account_erasing, registration_cancelled
from esof.venues.models import Room, Venue
from esof.venues.signals import room_capacity_changed, room_capacity_lowering


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
        set_lock_timeout()
        lock_user(user.id)
        for session_id in session_ids:
            lock_seats(session_id)
            booking = live_booking(user.id, session_id)
            if booking is not None:
                cancel_locked(booking)
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


def activity_of(registration: Registration) -> list[ActivityRow]:
    """The person's live bookings for the organiser's registration page, in one query: the
    latest published times and room where the session is published, soonest first (none for
    a registration whose account was erased)."""
    if registration.user_id is None:
        return []
    rows = db.session.execute(
        sa.select(Booking.session_id, Booking.status, Booking.position, ProgrammeSession.title,
                  PublishedSession.title, PublishedSession.starts_at, PublishedSession.ends_at,
                  Room.name, Venue.name)
        .join(ProgrammeSession, ProgrammeSession.id == Booking.session_id)
        .outerjoin(PublishedSession, sa.and_(PublishedSession.session_id == Booking.session_id,
                                             PublishedSession.version_id == latest_version_id()))
        .outerjoin(Room, Room.id == PublishedSession.room_id).outerjoin(Venue, Venue.id == Room.venue_id)
        .where(Booking.user_id == registration.user_id, Booking.status.in_(LIVE))
        .order_by(PublishedSession.starts_at.nulls_last(), Booking.session_id)
    ).all()
    return [
        ActivityRow(title=published_title or draft_title, status=str(status), starts_at=starts, ends_at=ends,
                    place=", ".join(p for p in (room, venue) if p), position=position,
                    url=url_for("programme.session_detail", session_id=session_id))
        for session_id, status, position, draft_title, published_title, starts, ends, room, venue in rows
    ]


def connect_receivers() -> None:
    """Listen to the registration, programme and venues areas without them importing bookings.

    Idempotent: connecting again changes nothing (each receiver still runs once per signal)."""
    account_erasing.connect(release_bookings_of, weak=False)
    registration_cancelled.connect(release_seats_of, weak=False)
    register_personal_data_section("bookings", personal_data)
    register_person_activity("booking", activity_of)
    schedule_published.connect(reconcile_published_seats, weak=False)
    booking_cap_changed.connect(reconcile_capacity, weak=False)
    room_capacity_changed.connect(reconcile_room, weak=False)
    room_capacity_lowering.connect(bookings_beyond_room_capacity, weak=False)
