"""Places: the conference settings row, taking and giving back a place, waiting-list numbers,
status changes, promotion from the waiting list and the onsite cap.

Capacity is never read-checked-written in Python. A place is taken by one conditional
UPDATE (``confirmed_count < capacity``) on the category row and, for onsite categories, one
on the conference settings row; a status change (registration or payment) is one conditional
UPDATE on the registration row. On PostgreSQL the row locks serialise competitors; on SQLite
the single writer does. Every function flushes and never commits; mails are queued in the
outbox in the same transaction and leave only if the caller commits.

Lock order (PostgreSQL): every transaction that changes places, waiting-list numbers or a
category's capacity locks the one conference settings row first (:func:`lock_places`),
and only then category and registration rows. A promotion run touches several categories
and the settings row; two transactions taking them in different orders would deadlock.
With the settings row first they queue there instead, and what they lock after it no
other place-changing transaction holds. Everything else in registration (profile, approval,
payment, ticket) locks one registration row only, so it cannot close a cycle. A lock not
granted within DATABASE_LOCK_TIMEOUT_MS (or a deadlock all the same) raises
:class:`esof.errors.Busy`, which the views answer with 503 and Retry-After.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.util import identity_key

from esof.accounts.models import User
from esof.accounts.services import record_audit
from esof.db import rows_matched, utcnow
from esof.errors import ValidationFailed, busy_on_lock_timeout
from esof.extensions import db
from esof.registration.fees import more_room
from esof.registration.invoicing import issue_invoice_if_due
from esof.registration.mail import send_registration_mail
from esof.registration.models import (
    Attendance,
    ConferenceSettings,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
)

SETTINGS_ID = 1


def conference_settings() -> ConferenceSettings:
    """The one settings row (the migration inserts it; created here if it is missing)."""
    settings = db.session.get(ConferenceSettings, SETTINGS_ID)
    if settings is None:
        settings = ConferenceSettings(id=SETTINGS_ID, onsite_confirmed=0, waitlist_issued=0)
        db.session.add(settings)
        db.session.flush()
    return settings


def lock_places() -> ConferenceSettings:
    """Hold the conference settings row for the rest of the transaction, and return it fresh.

    Taken before any category or registration row by everything that changes places, so
    all such transactions queue here in one order and never deadlock (SQLite ignores the
    FOR clause; its single writer already serialises them). FOR NO KEY UPDATE, the lock an
    UPDATE takes anyway, leaves foreign-key checks of inserts unblocked.
    """
    settings = db.session.scalar(
        sa.select(ConferenceSettings)
        .where(ConferenceSettings.id == SETTINGS_ID)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    return settings if settings is not None else conference_settings()


class Claim(enum.Enum):
    TAKEN = "taken"
    CATEGORY_FULL = "category-full"
    ONSITE_FULL = "onsite-full"


def claim_place(category_id: int, attendance: Attendance, *, beyond_capacity: bool = False) -> Claim:
    """Take one place in the category (and the onsite cap), or none at all.

    `beyond_capacity` (a voucher that reserves a place) takes one even in a full category;
    the onsite cap, the building's limit, still holds. The caller holds lock_places(), so
    the settings row is already ours when the category row is locked here."""
    room_left = sa.or_(
        RegistrationCategory.capacity.is_(None),
        RegistrationCategory.confirmed_count < RegistrationCategory.capacity,
    )
    taken = rows_matched(db.session.execute(
        sa.update(RegistrationCategory)
        .where(RegistrationCategory.id == category_id, sa.true() if beyond_capacity else room_left)
        .values(confirmed_count=RegistrationCategory.confirmed_count + 1)
        .execution_options(synchronize_session=False)
    ))
    if taken != 1:
        return Claim.CATEGORY_FULL
    if attendance == Attendance.ONSITE:
        seat = rows_matched(db.session.execute(
            sa.update(ConferenceSettings)
            .where(
                ConferenceSettings.id == SETTINGS_ID,
                sa.or_(
                    ConferenceSettings.onsite_cap.is_(None),
                    ConferenceSettings.onsite_confirmed < ConferenceSettings.onsite_cap,
                ),
            )
            .values(onsite_confirmed=ConferenceSettings.onsite_confirmed + 1)
            .execution_options(synchronize_session=False)
        ))
        if seat != 1:
            _change_category_count(category_id, -1)
            return Claim.ONSITE_FULL
    _expire_counters()
    return Claim.TAKEN


def release_place(category_id: int, attendance: Attendance) -> None:
    _change_category_count(category_id, -1)
    if attendance == Attendance.ONSITE:
        db.session.execute(
            sa.update(ConferenceSettings)
            .where(ConferenceSettings.id == SETTINGS_ID)
            .values(onsite_confirmed=ConferenceSettings.onsite_confirmed - 1)
            .execution_options(synchronize_session=False)
        )
    _expire_counters()


def _change_category_count(category_id: int, delta: int) -> None:
    db.session.execute(
        sa.update(RegistrationCategory)
        .where(RegistrationCategory.id == category_id)
        .values(confirmed_count=RegistrationCategory.confirmed_count + delta)
        .execution_options(synchronize_session=False)
    )


def _expire_counters() -> None:
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, RegistrationCategory):
            db.session.expire(obj, ["confirmed_count"])
        elif isinstance(obj, ConferenceSettings):
            db.session.expire(obj, ["onsite_confirmed", "waitlist_issued"])


def next_waitlist_number() -> int:
    conference_settings()
    number = db.session.execute(
        sa.update(ConferenceSettings)
        .where(ConferenceSettings.id == SETTINGS_ID)
        .values(waitlist_issued=ConferenceSettings.waitlist_issued + 1)
        .returning(ConferenceSettings.waitlist_issued)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    _expire_counters()
    return number


def transition_status(
    registration_id: int,
    from_statuses: tuple[RegistrationStatus, ...],
    to_status: RegistrationStatus,
    **values: Any,
) -> bool:
    """Move a registration between statuses only if it is still in one of `from_statuses`."""
    moved = rows_matched(db.session.execute(
        sa.update(Registration)
        .where(Registration.id == registration_id, Registration.status.in_(from_statuses))
        .values(status=to_status, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    ))
    registration = db.session.identity_map.get(identity_key(Registration, registration_id))
    if registration is not None:
        db.session.expire(registration)
    return moved == 1


@busy_on_lock_timeout()
def promote_waitlisted(*, now: datetime | None = None) -> list[Registration]:
    """Give free places to waiting delegates in the order they joined; mail each of them."""
    now = now or utcnow()
    lock_places()  # before any category row: see the module's lock order
    promoted: list[Registration] = []
    full: set[int] = set()
    onsite_full = False
    waiting = db.session.execute(
        sa.select(Registration.id, Registration.category_id, Registration.attendance)
        .where(Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.waitlist_position)
    ).all()
    for registration_id, category_id, attendance in waiting:
        if category_id in full or (attendance == Attendance.ONSITE and onsite_full):
            continue
        claim = claim_place(category_id, attendance)
        if claim is Claim.CATEGORY_FULL:
            full.add(category_id)
            continue
        if claim is Claim.ONSITE_FULL:
            onsite_full = True
            continue
        category = db.session.get_one(RegistrationCategory, category_id)
        target = RegistrationStatus.AWAITING_APPROVAL if category.moderated else RegistrationStatus.CONFIRMED
        extra = {"confirmed_at": now} if target == RegistrationStatus.CONFIRMED else {}
        if not transition_status(registration_id, (RegistrationStatus.WAITLISTED,), target, **extra):
            release_place(category_id, attendance)  # someone else moved it first
            continue
        registration = db.session.get_one(Registration, registration_id)
        issue_invoice_if_due(registration, now=now)  # confirmed with something to pay: invoiced now
        send_registration_mail(registration, "registration_promoted")
        promoted.append(registration)
    return promoted


@busy_on_lock_timeout()
def set_onsite_cap(*, cap: int | None, actor: User) -> ConferenceSettings:
    if cap is not None and cap < 0:
        raise ValidationFailed()
    settings = lock_places()
    before = settings.onsite_cap
    settings.onsite_cap = cap
    db.session.flush()
    record_audit(actor, "onsite-cap", settings, before=before, after=cap)
    if more_room(before, cap):
        promote_waitlisted()
    return settings
