"""Organisers correcting a delegate's registration, and sending its confirmation again.

A correction changes the profile (the delegate's own edit rules: delegates.check_profile), the
billing details (invoicing.save_billing_details: an issued invoice is credited and issued
again) and the category. The attendance (onsite or online) is the category's, so a delegate
moves between onsite and online by moving to a category of the other kind.

A new category follows the rules of places.py: the place held in the old category is given
back and one is taken in the new one by the same conditional UPDATEs (its capacity and, for
onsite, the onsite cap are never exceeded, and nobody jumps its waiting list); a waiting
delegate keeps their number. The fee is the new category's on the day they registered (the
early-bird fee if they registered in time), less their voucher. A changed fee of a paid
registration is refused (the product has no partial payments or top-ups yet: cancel with a
refund and register again); an unpaid one's issued invoice is credited and issued again with
the new fee and category. The caller rolls back on any refusal: places may have moved first.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import format_currency
from flask_babel import lazy_gettext as _l

from esof.accounts.models import AuditLog, User
from esof.accounts.services import record_audit
from esof.db import utcnow
from esof.errors import Conflict, busy_on_lock_timeout
from esof.extensions import db
from esof.registration.blueprint import page_language
from esof.registration.categories import fee_for, today_in_conference_zone
from esof.registration.delegates import DelegateProfile, check_profile
from esof.registration.errors import StatusChanged, UnknownCategory
from esof.registration.invoicing import (
    BillingInput,
    billing_details_for,
    check_billing,
    issue_invoice_if_due,
    lock_registration,
    reissue_invoice,
    save_billing_details,
    valid_invoice,
)
from esof.registration.mail import send_registration_mail
from esof.registration.models import (
    PaymentStatus,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
)
from esof.registration.places import Claim, claim_place, lock_places, promote_waitlisted, release_place
from esof.registration.vouchers import voucher_price

RESEND_INTERVAL = timedelta(minutes=10)
RESEND_TEMPLATES = {
    RegistrationStatus.CONFIRMED: "registration_confirmed",
    RegistrationStatus.WAITLISTED: "registration_waitlisted",
    RegistrationStatus.AWAITING_APPROVAL: "registration_awaiting_approval",
}


class CategoryChangeRefused(Conflict):
    default_message = _l("The registration cannot move to this category.")


class NothingToResend(Conflict):
    default_message = _l("There is no confirmation to send again: the registration is cancelled or "
                         "its email address is not confirmed.")


class ResentRecently(Conflict):
    status_code = 429


def _euro(cents: int) -> str:
    return format_currency(cents / 100, "EUR")


def _named(category: RegistrationCategory) -> str:
    """The category's name in the page's language, for the refusals the organiser reads."""
    return category.label(page_language())


@dataclass(frozen=True)
class Correction:
    """What the organiser's form gives: the profile, the category and, if shown, billing."""

    profile: DelegateProfile
    category_id: int
    billing: BillingInput | None = None


def _new_price(registration: Registration, category: RegistrationCategory) -> tuple[int, int]:
    """(charged, discount) in the new category, by the fee on the day they registered."""
    voucher = registration.voucher
    if voucher is not None and voucher.categories and category not in voucher.categories:
        raise CategoryChangeRefused(str(_l(
            "The voucher %(code)s does not apply to %(category)s: choose a category it covers.",
            code=voucher.code, category=_named(category))))
    price = voucher_price(voucher, fee_for(category, today_in_conference_zone(registration.created_at)))
    return price.charged_cents, price.discount_cents


def _move_place(registration: Registration, old: RegistrationCategory, new: RegistrationCategory) -> bool:
    """Give back the old place and take one in the new category; True when a place was freed."""
    if not registration.holds_place:
        return False
    release_place(old.id, registration.attendance)
    waiting = db.session.scalar(sa.select(sa.func.count()).select_from(Registration).where(
        Registration.category_id == new.id, Registration.status == RegistrationStatus.WAITLISTED))
    claim = Claim.CATEGORY_FULL if waiting else claim_place(new.id, new.attendance)
    if claim is Claim.ONSITE_FULL:
        raise CategoryChangeRefused(str(_l(
            "The onsite cap is reached: %(category)s has no onsite place left.", category=_named(new))))
    if claim is not Claim.TAKEN and waiting:
        raise CategoryChangeRefused(str(_l(
            "%(category)s is full and %(waiting)d people wait for a place there: the registration keeps "
            "its category.", category=_named(new), waiting=waiting)))
    if claim is not Claim.TAKEN:
        raise CategoryChangeRefused(str(_l(
            "%(category)s is full: the registration keeps its category.", category=_named(new))))
    return True


def _change_category(registration: Registration, new: RegistrationCategory, now: datetime) -> dict[str, object]:
    old = registration.category
    charged, discount = _new_price(registration, new)
    before = registration.amount_due_cents
    if charged != before and registration.payment_status == PaymentStatus.PAID:
        raise CategoryChangeRefused(str(_l(
            "This registration is paid (%(paid)s) and %(category)s costs %(fee)s. A paid registration "
            "cannot change its fee yet: cancel it (the refund follows) and let the delegate register again.",
            paid=_euro(before), category=_named(new), fee=_euro(charged))))
    freed = _move_place(registration, old, new)
    registration.category_id, registration.category = new.id, new
    registration.attendance = new.attendance
    registration.amount_due_cents, registration.discount_cents = charged, discount
    if charged == 0 and registration.payment_status == PaymentStatus.PENDING:
        registration.payment_status = PaymentStatus.WAIVED
    elif charged > 0 and before == 0 and registration.payment_status == PaymentStatus.WAIVED:
        registration.payment_status = PaymentStatus.PENDING  # free before, something to pay now
    db.session.flush()
    if valid_invoice(registration) is not None:
        reissue_invoice(registration=registration, reason="category-changed", now=now)
    else:
        issue_invoice_if_due(registration, now=now)  # free before, something to pay now
    if freed:
        promote_waitlisted(now=now)
    elif registration.status == RegistrationStatus.WAITLISTED:
        promote_waitlisted(now=now)  # the new category may have room for them
    return {"category": f"{old.code} -> {new.code}", "amount_cents": f"{before} -> {charged}"}


@busy_on_lock_timeout()
def correct_registration(
    *, registration: Registration, correction: Correction, actor: User, now: datetime | None = None
) -> list[str]:
    """Apply an organiser's correction; returns the names of what changed (empty: nothing).

    One audit row "registration-edit" lists the changed fields (values of the category and
    fee, names only of personal fields); the billing details add their own rows."""
    now = now or utcnow()
    if not registration.is_active:
        raise StatusChanged()
    profile = check_profile(correction.profile)
    billing = check_billing(correction.billing) if correction.billing is not None else None
    new = db.session.get(RegistrationCategory, correction.category_id)
    if new is None:
        raise UnknownCategory()
    detail: dict[str, object] = {}
    places_held = new.id != registration.category_id
    if places_held:
        lock_places()  # places change: the settings row first (places.py's lock order)
    lock_registration(registration)
    db.session.refresh(registration)
    if not registration.is_active:
        raise StatusChanged()
    moving = new.id != registration.category_id  # as the row is now, held
    if moving and not places_held:
        # Moved away meanwhile by someone else: moving it back now would take the places'
        # row after the registration's (a deadlock waiting to happen). The organiser looks again.
        raise StatusChanged()
    changed = [name for name, value in asdict(profile).items() if getattr(registration, name) != value]
    for name in changed:
        setattr(registration, name, getattr(profile, name))
    if billing is not None:
        stored = billing_details_for(registration)
        before = (BillingInput(stored.name, stored.address, stored.vat_number, stored.po_reference)
                  if stored is not None else BillingInput())
        if before != billing:
            # A category change credits and reissues the invoice anyway, with these details:
            # one new invoice for the whole correction, not one per part.
            save_billing_details(registration=registration, details=billing, actor=actor, now=now,
                                 reissue=not moving)
            changed.append("billing")
    if moving:
        detail = _change_category(registration, new, now)
        changed.append("category")
    if changed:
        registration.updated_at = now
        db.session.flush()
        record_audit(actor, "registration-edit", registration, fields=changed, **detail)
    return changed


def last_resent_at(registration: Registration) -> datetime | None:
    return db.session.scalar(
        sa.select(sa.func.max(AuditLog.created_at)).where(
            AuditLog.action == "registration-resend", AuditLog.target_type == "Registration",
            AuditLog.target_id == registration.id)
    )


@busy_on_lock_timeout()
def resend_confirmation(*, registration: Registration, actor: User, now: datetime | None = None) -> str:
    """Queue the mail of the registration's current state again (confirmed, waiting, awaiting
    approval) to the delegate, at most once per RESEND_INTERVAL; returns the address.

    The registration row is held first, so two organisers clicking at once send one mail."""
    now = now or utcnow()
    lock_registration(registration)
    db.session.refresh(registration)
    template = RESEND_TEMPLATES.get(registration.status)
    user = registration.user
    if template is None or user is None or user.erased_at is not None:
        raise NothingToResend()
    last = last_resent_at(registration)
    if last is not None and now - last < RESEND_INTERVAL:
        wait = int(-(-(RESEND_INTERVAL - (now - last)).total_seconds() // 60))
        raise ResentRecently(str(_l(
            "The confirmation was sent again a moment ago; it can be sent once more in %(minutes)d minutes.",
            minutes=wait)))
    send_registration_mail(registration, template)
    db.session.add(AuditLog(actor_id=actor.id, action="registration-resend", target_type="Registration",
                            target_id=registration.id, detail={"template": template}, created_at=now))
    db.session.flush()
    return user.email
