"""Helpers for check-in tests: delegates with a confirmed registration, staff, doors."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from esof.accounts.models import Role, User
from esof.checkin import services
from esof.checkin.models import CheckIn
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


# The scans staff made, without the moves they implied at the other door (services.reconcile).
SCANNED = CheckIn.source != services.IMPLIED


def scanned() -> sa.Select[tuple[CheckIn]]:
    return sa.select(CheckIn).where(SCANNED)


def scanned_count() -> sa.Select[tuple[int]]:
    return sa.select(sa.func.count()).select_from(CheckIn).where(SCANNED)
