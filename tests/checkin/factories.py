"""Helpers for check-in tests: delegates with a confirmed registration, staff, doors."""
from __future__ import annotations

from typing import Any

from esof.accounts.models import Role, User
from esof.checkin import services
from esof.registration.models import PaymentStatus, Registration, RegistrationCategory
from esof.venues.models import Room
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory, profile, register
from tests.venues.factories import RoomFactory


def delegate(category: RegistrationCategory | None = None, *, paid: bool = True, **names: Any) -> Registration:
    """A verified user with a confirmed registration (paid unless told otherwise)."""
    registration = register(UserFactory(), category or CategoryFactory(), profile=profile(**names))
    if paid:
        registration.payment_status = PaymentStatus.PAID
    return registration


def staff(**kwargs: Any) -> User:
    return UserFactory(roles=[Role.CHECKIN], **kwargs)


def room_door(capacity: int = 100, **kwargs: Any) -> tuple[Room, services.Door]:
    room = RoomFactory(capacity=capacity, **kwargs)
    return room, services.find_door(f"room:{room.id}")
