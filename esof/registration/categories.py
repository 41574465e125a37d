"""Registration categories: what a delegate is offered now (open, full, closed; the fee for
today), and organisers creating or changing a category."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from esof.accounts.models import User
from esof.accounts.services import record_audit
from esof.conference import zone_name
from esof.db import utcnow
from esof.errors import ValidationFailed, busy_on_lock_timeout
from esof.extensions import db
from esof.registration.errors import CategoryCodeTaken, UnknownCategory
from esof.registration.fees import Availability, CategoryState, availability, conference_date, fee_on, more_room
from esof.registration.models import Attendance, ConferenceSettings, RegistrationCategory
from esof.registration.places import conference_settings, lock_places, promote_waitlisted
from esof.registration.queries import waiting_counts


def list_categories() -> list[RegistrationCategory]:
    return list(
        db.session.scalars(
            sa.select(RegistrationCategory).order_by(RegistrationCategory.sort_order, RegistrationCategory.id)
        )
    )


def find_category(code: str) -> RegistrationCategory:
    category = db.session.scalar(
        sa.select(RegistrationCategory).where(RegistrationCategory.code == (code or "").strip())
    )
    if category is None:
        raise UnknownCategory()
    return category


def category_state(category: RegistrationCategory, settings: ConferenceSettings, waiting: int) -> CategoryState:
    return CategoryState(
        opens_at=category.opens_at,
        closes_at=category.closes_at,
        capacity=category.capacity,
        places_taken=category.confirmed_count,
        onsite=category.attendance == Attendance.ONSITE,
        onsite_cap=settings.onsite_cap,
        onsite_taken=settings.onsite_confirmed,
        waiting=waiting,
    )


def today_in_conference_zone(now: datetime | None = None) -> date:
    return conference_date(now or utcnow(), zone_name())


def fee_for(category: RegistrationCategory, today: date) -> int:
    return fee_on(
        fee_cents=category.fee_cents,
        early_fee_cents=category.early_fee_cents,
        early_deadline=category.early_deadline,
        today=today,
    )


@dataclass(frozen=True)
class CategoryOffer:
    category: RegistrationCategory
    availability: Availability
    fee_cents: int
    early_bird: bool

    @property
    def can_register(self) -> bool:
        return self.availability in (Availability.OPEN, Availability.FULL)


def category_offers(now: datetime | None = None) -> list[CategoryOffer]:
    """Every category with what a delegate sees now: open, full (waiting list), closed ..."""
    now = now or utcnow()
    today = today_in_conference_zone(now)
    settings = conference_settings()
    waiting = waiting_counts()
    offers = []
    for category in list_categories():
        fee = fee_for(category, today)
        offers.append(
            CategoryOffer(
                category=category,
                availability=availability(category_state(category, settings, waiting.get(category.id, 0)), now),
                fee_cents=fee,
                early_bird=fee != category.fee_cents,
            )
        )
    return offers


CATEGORY_FIELDS = (
    "code", "name", "name_nl", "description", "fee_cents", "early_fee_cents", "early_deadline",
    "opens_at", "closes_at", "capacity", "moderated", "access_code", "attendance", "sort_order",
)


@busy_on_lock_timeout()
def save_category(
    *, actor: User, category: RegistrationCategory | None = None, **values: Any
) -> RegistrationCategory:
    """Create or change a category; more capacity promotes people from its waiting list."""
    unknown = set(values) - set(CATEGORY_FIELDS)
    if unknown:
        raise ValidationFailed(f"unknown fields {sorted(unknown)}")
    code = (values.get("code") or (category.code if category else "")).strip()
    clash = db.session.scalar(
        sa.select(RegistrationCategory.id).where(
            RegistrationCategory.code == code,
            RegistrationCategory.id != (category.id if category else -1),
        )
    )
    if clash is not None:
        raise CategoryCodeTaken()
    if values.get("access_code") == "":
        values["access_code"] = None
    creating = category is None
    lock_places()  # a larger capacity promotes: settings row before the category row
    if category is not None:
        # Compare with the capacity as it is now, not as the organiser's page showed it.
        db.session.refresh(category, with_for_update={"key_share": True})
    else:
        category = RegistrationCategory(confirmed_count=0, attendance=values.get("attendance", Attendance.ONSITE))
        db.session.add(category)
    before = {name: getattr(category, name, None) for name in CATEGORY_FIELDS}
    for name, value in values.items():
        setattr(category, name, value)
    db.session.flush()
    changed = {
        name: str(values[name]) for name in values if before.get(name) != values[name] and name != "access_code"
    }
    record_audit(actor, "category-create" if creating else "category-edit", category, **changed)
    if not creating and "capacity" in values and more_room(before["capacity"], values["capacity"]):
        promote_waitlisted()
    return category
