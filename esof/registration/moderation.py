"""Organisers deciding about a registration: approving or rejecting one that awaits approval,
and recording its payment. An approval, and a payment status moved away from waived, issue
the invoice the registration is then due (invoicing.issue_invoice_if_due), in that transaction."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from esof.accounts.models import User
from esof.accounts.services import record_audit
from esof.db import rows_matched, utcnow
from esof.errors import busy_on_lock_timeout
from esof.extensions import db
from esof.registration.delegates import cancel_registration
from esof.registration.errors import StatusChanged
from esof.registration.invoicing import issue_invoice_if_due, lock_registration, reissue_invoice, valid_invoice
from esof.registration.mail import send_registration_mail
from esof.registration.models import PaymentStatus, Registration, RegistrationStatus
from esof.registration.places import transition_status


@busy_on_lock_timeout()
def approve_registration(*, registration: Registration, actor: User, now: datetime | None = None) -> Registration:
    now = now or utcnow()
    if not transition_status(
        registration.id, (RegistrationStatus.AWAITING_APPROVAL,), RegistrationStatus.CONFIRMED, confirmed_at=now
    ):
        raise StatusChanged()
    issue_invoice_if_due(registration, now=now)
    record_audit(actor, "registration-approve", registration)
    send_registration_mail(registration, "registration_confirmed")
    return registration


@busy_on_lock_timeout()
def reject_registration(*, registration: Registration, actor: User) -> list[Registration]:
    if registration.status != RegistrationStatus.AWAITING_APPROVAL:
        raise StatusChanged()
    record_audit(actor, "registration-reject", registration)
    return cancel_registration(registration=registration, actor=None, reason="rejected")


@busy_on_lock_timeout()
def set_payment_status(
    *, registration: Registration, status: PaymentStatus, actor: User, seen: PaymentStatus | None = None,
    now: datetime | None = None,
) -> Registration:
    """Move the payment status on from the one the organiser saw (`seen`, else the one this
    request read), in one conditional UPDATE.

    Two organisers marking the same registration paid at once: the first change counts (one
    audit entry, one mail); the other finds it already made and changes nothing. If the
    status meanwhile became something else, StatusChanged: the organiser should look again.
    """
    previous = seen or registration.payment_status
    if previous == status and registration.payment_status == status:
        return registration
    moved = rows_matched(db.session.execute(
        sa.update(Registration)
        .where(Registration.id == registration.id, Registration.payment_status == previous)
        .values(
            payment_status=status,
            paid_at=(now or utcnow()) if status == PaymentStatus.PAID else None,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    ))
    db.session.expire(registration)
    if moved != 1:
        if registration.payment_status == status:
            return registration  # someone else made the same change first
        raise StatusChanged()
    record_audit(actor, "registration-payment", registration, previous=previous.value, status=status.value)
    db.session.flush()
    if status != PaymentStatus.WAIVED:
        issue_invoice_if_due(registration, now=now)  # away from waived: something to pay, so its invoice
    elif valid_invoice(registration) is not None:
        # Nothing is owed any more: the invoice is credited in full (an issued one never changes).
        lock_registration(registration)
        reissue_invoice(registration=registration, reason="fee-waived", now=now)
    if status == PaymentStatus.PAID:
        send_registration_mail(registration, "payment_received")
    return registration
