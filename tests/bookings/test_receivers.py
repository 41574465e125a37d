"""Bookings connected to the other areas' signals: once, however often it is asked to."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from blinker import Signal

from esof.bookings import receivers, services
from esof.bookings.models import Booking, BookingStatus
from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.programme.signals import booking_cap_changed, schedule_published
from esof.registration.signals import account_erasing, registration_cancelled
from esof.venues import services as venue_services
from esof.venues.signals import BookingsBeyondCapacity, room_capacity_changed, room_capacity_lowering
from tests.bookings.factories import bookable_session, confirmed_delegate, publish
from tests.venues.factories import RoomFactory


def connections(signal: Signal, receiver: Callable[..., Any]) -> int:
    return sum(1 for connected in signal.receivers.values() if connected is receiver)


def test_connecting_the_receivers_again_connects_each_once(app) -> None:
    receivers.connect_receivers()
    receivers.connect_receivers()
    assert [connections(signal, receiver) for signal, receiver in (
        (account_erasing, receivers.release_bookings_of),
        (registration_cancelled, receivers.release_seats_of),
        (schedule_published, receivers.reconcile_published_seats),
        (booking_cap_changed, receivers.reconcile_capacity),
        (room_capacity_changed, receivers.reconcile_room),
        (room_capacity_lowering, receivers.bookings_beyond_room_capacity),
    )] == [1, 1, 1, 1, 1, 1]


def test_connecting_the_receivers_again_does_not_react_twice(app) -> None:
    receivers.connect_receivers()
    receivers.connect_receivers()
    room = RoomFactory(capacity=4)
    item = bookable_session(room=room, title="Soil lab")
    publish()
    for number in range(4):
        services.book_seat(item=item, delegate=confirmed_delegate(email=f"d{number}@example.org"))
    db.session.commit()
    assert venue_services.bookings_beyond(room=room, capacity=2) == [BookingsBeyondCapacity("Soil lab", 4, 2)]
    venue_services.save_room(room=room, venue=room.venue, name=room.name, capacity=2)
    db.session.commit()
    statuses = db.session.scalars(sa.select(Booking.status).where(Booking.session_id == item.id)).all()
    assert sorted(statuses) == [BookingStatus.CONFIRMED, BookingStatus.CONFIRMED,
                                BookingStatus.WAITLISTED, BookingStatus.WAITLISTED]
    assert db.session.scalars(sa.select(OutboxMessage.to_address).order_by(OutboxMessage.id)).all() == [
        "d2@example.org", "d3@example.org"]
