"""Delegates: registering in a category, changing their details, cancelling.

A new registration is confirmed, waits for an organiser's approval, or joins the waiting
list; the places themselves are taken and given back in :mod:`esof.registration.places`.
A confirmed one with something to pay gets its invoice in the same transaction
(:func:`esof.registration.invoicing.issue_invoice_if_due`).
"""
from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from esof.accounts.models import User
from esof.accounts.services import record_audit
from esof.db import utcnow
from esof.errors import Conflict, ValidationFailed, busy_on_lock_timeout
from esof.extensions import db
from esof.registration import countries
from esof.registration.billing_models import BillingDetails
from esof.registration.categories import category_state, fee_for, find_category, today_in_conference_zone
from esof.registration.errors import (
    AlreadyRegistered,
    CategoryClosed,
    CategoryNotOpen,
    ConsentMissing,
    EmailNotVerified,
    FieldTooLong,
    StatusChanged,
    UnknownCountry,
    WrongAccessCode,
)
from esof.registration.fees import Availability, availability
from esof.registration.invoicing import BillingInput, check_billing, issue_invoice_if_due
from esof.registration.mail import send_registration_mail
from esof.registration.models import (
    PLACE_HOLDING,
    PaymentStatus,
    Registration,
    RegistrationStatus,
)
from esof.registration.places import (
    Claim,
    claim_place,
    conference_settings,
    lock_places,
    next_waitlist_number,
    promote_waitlisted,
    release_place,
    transition_status,
)
from esof.registration.questions import check_answers, list_questions, save_answers
from esof.registration.references import make_payment_reference
from esof.registration.refunds import refund_on_cancel
from esof.registration.signals import registration_cancelled
from esof.registration.vouchers import give_back_voucher_use, take_voucher_use, usable_voucher, voucher_price


@dataclass
class DelegateProfile:
    first_name: str
    last_name: str
    affiliation: str = ""
    country: str = ""
    dietary_needs: str = ""
    accessibility_needs: str = ""
    public_listing: bool = False

    def cleaned(self) -> DelegateProfile:
        text = {k: (v or "").strip() for k, v in asdict(self).items() if k != "public_listing"}
        text["country"] = text["country"].upper()
        return DelegateProfile(**text, public_listing=bool(self.public_listing))


PROFILE_LIMITS = {
    "first_name": 100, "last_name": 100, "affiliation": 200,
    "dietary_needs": 500, "accessibility_needs": 500,
}


def check_profile(profile: DelegateProfile) -> DelegateProfile:
    profile = profile.cleaned()
    if not profile.first_name or not profile.last_name:
        raise ValidationFailed(str(_l("Please give your first and last name.")))
    for name, limit in PROFILE_LIMITS.items():
        if len(getattr(profile, name)) > limit:
            raise FieldTooLong()
    if not countries.is_country_code(profile.country):
        raise UnknownCountry()
    return profile


def _active_registration_of(user_id: int) -> sa.ColumnElement[bool]:
    return sa.and_(Registration.user_id == user_id, Registration.status != RegistrationStatus.CANCELLED)


def active_registration_for(user: User) -> Registration | None:
    return db.session.scalar(sa.select(Registration).where(_active_registration_of(user.id)))


def has_active_registration(user_id: int) -> bool:
    """One indexed EXISTS (the registration index on user_id answers it)."""
    return bool(db.session.scalar(sa.select(sa.exists().where(_active_registration_of(user_id)))))


def _new_payment_reference() -> str:
    for _ in range(10):
        reference = make_payment_reference()
        taken = db.session.scalar(sa.select(Registration.id).where(Registration.payment_reference == reference))
        if taken is None:
            return reference
    raise Conflict()


@busy_on_lock_timeout()
def register_delegate(
    *,
    user: User,
    category_code: str,
    profile: DelegateProfile,
    consent: bool,
    access_code: str = "",
    voucher_code: str = "",
    answers: Mapping[int, Sequence[str]] | None = None,
    billing: BillingInput | None = None,
    now: datetime | None = None,
) -> Registration:
    """Register a verified user: confirmed, waitlisted or awaiting approval.

    A second registration (double submit, two tabs) raises AlreadyRegistered; when two
    requests race, the database's partial unique index decides and the loser's
    transaction must be rolled back (the error handler does it). The voucher (its use is
    taken after the settings row, see vouchers.py), the answers to the organisers' questions
    and the billing details are checked before anything is written and saved in the same
    transaction: a refusal of any of them leaves nothing behind once the caller rolls back.
    """
    now = now or utcnow()
    if not user.is_verified:
        raise EmailNotVerified()
    category = find_category(category_code)
    settings = conference_settings()
    state = category_state(category, settings, 0)
    seen = availability(state, now)
    if seen is Availability.NOT_YET_OPEN:
        raise CategoryNotOpen()
    if seen is Availability.CLOSED:
        raise CategoryClosed()
    if category.access_code and not hmac.compare_digest(
        (access_code or "").strip().encode(), category.access_code.encode()
    ):
        raise WrongAccessCode()
    profile = check_profile(profile)
    if not consent:
        raise ConsentMissing()
    voucher = usable_voucher(voucher_code, category_id=category.id, now=now)
    billing = check_billing(billing) if billing is not None else None
    # Last of the checks: the form shows the answers' problems along with any refusal above.
    checked_answers = check_answers(list_questions(), answers or {}, category_id=category.id)
    existing = active_registration_for(user)
    if existing is not None:
        raise AlreadyRegistered(existing)

    price = voucher_price(voucher, fee_for(category, today_in_conference_zone(now)))
    amount = price.charged_cents
    registration = Registration(
        user=user,
        category=category,
        attendance=category.attendance,
        status=RegistrationStatus.WAITLISTED,
        **asdict(profile),
        consent_version=current_app.config["PRIVACY_STATEMENT_VERSION"],
        consent_at=now,
        amount_due_cents=amount,
        voucher_id=voucher.id if voucher is not None else None,
        discount_cents=price.discount_cents,
        payment_status=PaymentStatus.PENDING if amount > 0 else PaymentStatus.WAIVED,
        payment_reference=_new_payment_reference(),
        ticket_nonce=secrets.token_hex(16),
        created_at=now,
    )
    # From here on places and waiting-list numbers change: settings row first. Holding it
    # also makes the queue check below see every waiting person committed before us.
    lock_places()
    db.session.add(registration)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:
        if "registration.user_id" in str(exc.orig) or "uq_registration_active_user" in str(exc.orig):
            raise AlreadyRegistered() from exc
        raise
    if voucher is not None:
        take_voucher_use(voucher.id)  # VoucherUsedUp when the last use went meanwhile
    save_answers(registration, checked_answers)
    if billing is not None and any(asdict(billing).values()):
        db.session.add(BillingDetails(registration_id=registration.id, **asdict(billing)))

    # Nobody jumps the queue: with people waiting in this category, newcomers wait too. A
    # voucher that reserves a place beyond the capacity takes none of theirs, so it may.
    beyond = voucher is not None and voucher.beyond_capacity
    queue_exists = not beyond and db.session.scalar(
        sa.select(Registration.id).where(
            Registration.category_id == category.id,
            Registration.status == RegistrationStatus.WAITLISTED,
            Registration.id != registration.id,
        ).limit(1)
    )
    claim = (
        Claim.CATEGORY_FULL if queue_exists
        else claim_place(category.id, category.attendance, beyond_capacity=beyond)
    )
    if claim is Claim.TAKEN and category.moderated:
        registration.status = RegistrationStatus.AWAITING_APPROVAL
        template = "registration_awaiting_approval"
    elif claim is Claim.TAKEN:
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
        template = "registration_confirmed"
    else:
        registration.waitlist_position = next_waitlist_number()
        template = "registration_waitlisted"
    db.session.flush()
    issue_invoice_if_due(registration, now=now)  # confirmed with something to pay: invoiced now
    send_registration_mail(registration, template)
    return registration


@busy_on_lock_timeout()
def update_profile(*, registration: Registration, profile: DelegateProfile, actor: User) -> Registration:
    if not registration.is_active:
        raise StatusChanged()
    profile = check_profile(profile)
    for name, value in asdict(profile).items():
        setattr(registration, name, value)
    if actor.id != registration.user_id:
        record_audit(actor, "registration-edit", registration)
    db.session.flush()
    return registration


@busy_on_lock_timeout()
def cancel_registration(
    *,
    registration: Registration,
    actor: User | None,
    reason: str = "delegate",
    notify: bool = True,
    now: datetime | None = None,
) -> list[Registration]:
    """Cancel; a released place goes to the next person waiting. Returns who was promoted.

    In the same transaction the voucher gets its use back (vouchers.py) and a paid
    registration gets its refund due (refunds.refund_on_cancel)."""
    now = now or utcnow()
    lock_places()  # before the registration and category rows: see the lock order in places.py
    db.session.refresh(registration, with_for_update=True)
    previous = registration.status
    if previous == RegistrationStatus.CANCELLED:
        raise StatusChanged()
    if not transition_status(
        registration.id, (previous,), RegistrationStatus.CANCELLED, cancelled_at=now, cancel_reason=reason
    ):
        raise StatusChanged()
    if previous in PLACE_HOLDING:
        release_place(registration.category_id, registration.attendance)
    if registration.voucher_id is not None:
        give_back_voucher_use(registration.voucher_id)
    refund_on_cancel(registration=registration, reason=reason, now=now)
    if registration.user is not None:
        registration_cancelled.send(registration.user)
    if actor is not None and actor.id != registration.user_id:
        record_audit(actor, "registration-cancel", registration, previous=previous.value)
    if notify:
        send_registration_mail(
            registration, "registration_rejected" if reason == "rejected" else "registration_cancelled"
        )
    return promote_waitlisted(now=now) if previous in PLACE_HOLDING else []
