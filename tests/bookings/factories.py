"""Helpers for bookings tests: confirmed delegates and published sessions that need booking."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from esof.accounts.models import Role, User
from esof.db import utcnow
from esof.extensions import db
from esof.programme import services as programme_services
from esof.programme.models import ProgrammeSession, ScheduleSlot, ScheduleVersion
from esof.registration.models import Attendance, Registration, RegistrationCategory, RegistrationStatus
from esof.venues.models import Room
from tests.factories import UserFactory
from tests.programme.factories import SessionFactory, SlotFactory, at
from tests.registration.factories import CategoryFactory
from tests.venues.factories import RoomFactory

__all__ = ["at", "bookable_session", "confirmed_delegate", "publish", "move_session"]


def _category() -> RegistrationCategory:
    category = db.session.scalar(sa.select(RegistrationCategory).where(RegistrationCategory.code == "regular"))
    # Online: the places counted are the category's only (no conference-wide onsite cap).
    return category or CategoryFactory(code="regular", attendance=Attendance.ONLINE)


def confirmed_delegate(status: RegistrationStatus = RegistrationStatus.CONFIRMED, **fields) -> User:
    """A verified user with a registration in `status` (confirmed unless told otherwise)."""
    user = UserFactory(**fields)
    category = _category()
    if status is RegistrationStatus.CONFIRMED:  # kept in step, as registration's services do
        category.confirmed_count += 1
    db.session.add(Registration(
        user=user, category=category, status=status, attendance=Attendance.ONLINE,
        first_name="Ada", last_name=f"Delegate {user.id}", country="NL",
        payment_reference=secrets.token_hex(8), ticket_nonce=secrets.token_hex(8),
        confirmed_at=utcnow() if status is RegistrationStatus.CONFIRMED else None,
    ))
    db.session.flush()
    return user


def bookable_session(
    *, capacity: int = 40, cap: int | None = None, starts: datetime | None = None,
    minutes: int = 60, room: Room | None = None, needs_booking: bool = True, title: str | None = None,
) -> ProgrammeSession:
    """A session that needs booking, placed in a room (not yet published)."""
    fields = {"needs_booking": needs_booking, "booking_cap": cap}
    if title:
        fields["title"] = title
    item = SessionFactory(**fields)
    starts = starts or at(13, "10:00")
    SlotFactory(session=item, room=room or RoomFactory(capacity=capacity), starts_at=starts,
                ends_at=starts + timedelta(minutes=minutes))
    db.session.flush()
    return item


def publish() -> ScheduleVersion:
    version = programme_services.publish_schedule(actor=UserFactory(roles=[Role.ORGANISER]), override=False)
    db.session.commit()
    return version


def move_session(item: ProgrammeSession, room: Room) -> ScheduleSlot:
    slot = item.slot
    return programme_services.schedule_session(item=item, room_id=room.id, starts_at=slot.starts_at,
                                               ends_at=slot.ends_at)
