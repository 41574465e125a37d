"""Billing details, invoices and credit notes.

An invoice is issued when it is first asked for (pretix's "on request"): by the delegate at
/registration/invoice.pdf or by an organiser from the registration page, for a confirmed
registration with something to pay. Its number comes from the counter row of its sequence,
raised in the same transaction that writes the invoice (:func:`next_number`): a transaction
that rolls back gives its number back, so the committed invoices are numbered without gaps,
and the counter's row lock queues concurrent issuers (SQLite's single writer does the same).

Issued documents are never changed. When the delegate changes the billing details after an
invoice was issued, the old invoice is cancelled by a credit note and a new invoice is issued
with the new details, in the same transaction (what pretix does when an invoice address
changes). Cancelling a registration credits its invoice: in full when nothing was paid, by the
refund when it was (:mod:`esof.registration.refunds`).

Lock order: the registration row (:func:`lock_registration`) before a counter row; a
cancellation holds the conference settings row before both, as every place change does.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite

from esof.accounts.models import User
from esof.accounts.services import record_audit
from esof.conference import to_local
from esof.db import rows_matched, utcnow
from esof.errors import busy_on_lock_timeout
from esof.extensions import db
from esof.registration.billing_errors import BillingInvalid, NoInvoice
from esof.registration.billing_models import BillingCounter, BillingDetails, BillingDocument, DocumentKind
from esof.registration.billing_rules import (
    is_plausible_vat_number,
    normalise_vat_number,
    rate_basis_points,
    reverse_charge_applies,
    split_gross,
)
from esof.registration.errors import StatusChanged
from esof.registration.models import PaymentStatus, Registration, RegistrationStatus

BILLING_LIMITS = {"name": 200, "address": 1000, "vat_number": 20, "po_reference": 100}


@dataclass(frozen=True)
class BillingInput:
    """What the delegate types: all optional (an invoice without them is made out to the
    delegate's name and affiliation)."""

    name: str = ""
    address: str = ""
    vat_number: str = ""
    po_reference: str = ""


def check_billing(details: BillingInput) -> BillingInput:
    cleaned = BillingInput(
        name=(details.name or "").strip(),
        address="\n".join(line.strip() for line in (details.address or "").strip().splitlines() if line.strip()),
        vat_number=normalise_vat_number(details.vat_number),
        po_reference=(details.po_reference or "").strip(),
    )
    for field, limit in BILLING_LIMITS.items():
        if len(getattr(cleaned, field)) > limit:
            raise BillingInvalid(str(_l("At most %(n)d characters.", n=limit)), field)
    if cleaned.vat_number and not is_plausible_vat_number(cleaned.vat_number):
        raise BillingInvalid(
            str(_l("Give the VAT number with its country prefix, such as DE123456789.")), "vat_number"
        )
    return cleaned


def billing_details_for(registration: Registration) -> BillingDetails | None:
    return db.session.get(BillingDetails, registration.id)


def lock_registration(registration: Registration) -> None:
    """Hold the registration row until the transaction ends, with a write, so that SQLite
    takes its one write lock here too and what is read next is the latest committed state."""
    db.session.execute(
        sa.update(Registration)
        .where(Registration.id == registration.id)
        .values(updated_at=Registration.updated_at)
        .execution_options(synchronize_session=False)
    )


def _ensure_billing_details(registration: Registration) -> BillingDetails:
    billing = db.session.scalar(
        sa.select(BillingDetails)
        .where(BillingDetails.registration_id == registration.id)
        .execution_options(populate_existing=True)
    )
    if billing is None:
        billing = BillingDetails(registration_id=registration.id)
        db.session.add(billing)
        db.session.flush()
    return billing


def invoice_due(registration: Registration) -> bool:
    """A confirmed registration with something to pay gets an invoice (not one whose fee the
    organisers waived)."""
    return (
        registration.status == RegistrationStatus.CONFIRMED
        and registration.amount_due_cents > 0
        and registration.payment_status != PaymentStatus.WAIVED
    )


def next_number(kind: DocumentKind) -> int:
    """The next number of the sequence, taken in the caller's transaction (see the module).

    One statement, an upsert: the sequence's first number creates its row (a migrated
    database holds no rows, and an emptied one starts again at 1), every later one raises it.
    A plain UPDATE-then-INSERT would let two first issuers both find no row and the second
    fail on the key; with ON CONFLICT the second waits for the first's row and raises it."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(BillingCounter)
        .values(kind=kind, last_number=1)
        .on_conflict_do_update(
            index_elements=[BillingCounter.kind], set_={"last_number": BillingCounter.last_number + 1}
        )
        .returning(BillingCounter.last_number)
    )
    return int(db.session.execute(stmt.execution_options(synchronize_session=False)).scalar_one())


def _number_text(kind: DocumentKind, number: int) -> str:
    key = "INVOICE_NUMBER_PREFIX" if kind is DocumentKind.INVOICE else "CREDIT_NOTE_NUMBER_PREFIX"
    return f"{current_app.config[key]}{number:05d}"


def seller_snapshot() -> dict[str, str]:
    config = current_app.config
    return {
        "name": config["INVOICE_SELLER_NAME"],
        "address": config["INVOICE_SELLER_ADDRESS"],
        "country": config["INVOICE_SELLER_COUNTRY"],
        "vat_number": config["INVOICE_SELLER_VAT_NUMBER"],
        "account_holder": config["PAYMENT_ACCOUNT_HOLDER"],
        "iban": config["PAYMENT_IBAN"],
        "bic": config["PAYMENT_BIC"],
    }


def _language_of(registration: Registration) -> str:
    user = registration.user
    language = user.language if user is not None else "en"
    return language if language in current_app.config["LANGUAGES"] else "en"


def _buyer(registration: Registration, billing: BillingDetails) -> dict[str, str]:
    return {
        "name": billing.name or registration.full_name,
        "affiliation": registration.affiliation if not billing.name else "",
        "address": billing.address,
        "country": registration.country,
        "vat_number": billing.vat_number,
        "po_reference": billing.po_reference,
    }


def _invoice_lines(registration: Registration, category_name: str) -> list[dict[str, Any]]:
    discount = int(getattr(registration, "discount_cents", 0) or 0)
    lines: list[dict[str, Any]] = [{
        "text": _("Registration fee %(conference)s: %(category)s",
                  conference=current_app.config["CONFERENCE_NAME"], category=category_name),
        "cents": registration.amount_due_cents + discount,
    }]
    if discount:
        voucher = getattr(registration, "voucher", None)
        text = _("Discount (voucher %(code)s)", code=voucher.code) if voucher is not None else _("Discount")
        lines.append({"text": text, "cents": -discount})
    return lines


def _issue_invoice(registration: Registration, billing: BillingDetails, now: datetime) -> BillingDocument:
    """Write the next invoice for the registration and make it the valid one; the caller holds
    the registration row."""
    seller = seller_snapshot()
    buyer = _buyer(registration, billing)
    reverse = reverse_charge_applies(buyer["vat_number"], seller["country"])
    split = split_gross(registration.amount_due_cents, 0 if reverse else rate_basis_points(
        current_app.config["INVOICE_VAT_RATE"]))
    language = _language_of(registration)
    category_name = registration.category.label(language)
    with force_locale(language):
        lines = _invoice_lines(registration, category_name)
    number = next_number(DocumentKind.INVOICE)
    issued_on = to_local(now).date()
    invoice = BillingDocument(
        kind=DocumentKind.INVOICE, number=number, number_text=_number_text(DocumentKind.INVOICE, number),
        registration_id=registration.id, issued_at=now, issued_on=issued_on,
        due_on=issued_on + timedelta(days=int(current_app.config["INVOICE_PAYMENT_DAYS"])),
        language=language, seller=seller, buyer=buyer, lines=lines,
        delegate_name=registration.full_name, category_name=category_name,
        payment_reference=registration.payment_reference, vat_rate_bp=split.rate_bp, reverse_charge=reverse,
        net_cents=split.net_cents, vat_cents=split.vat_cents, total_cents=split.total_cents,
    )
    db.session.add(invoice)
    db.session.flush()
    previous = billing.invoice_id
    moved = rows_matched(db.session.execute(
        sa.update(BillingDetails)
        .where(BillingDetails.registration_id == registration.id,
               BillingDetails.invoice_id.is_(None) if previous is None else BillingDetails.invoice_id == previous)
        .values(invoice_id=invoice.id)
        .execution_options(synchronize_session=False)
    ))
    if moved != 1:  # cannot happen while the registration row is held; never keep two valid invoices
        raise StatusChanged()
    db.session.expire(billing)
    return invoice


def issue_credit_note(
    *, invoice: BillingDocument, amount_cents: int, reason: str, now: datetime | None = None
) -> BillingDocument:
    """A credit note for `amount_cents` (at most the invoice's total) of the invoice, at the
    invoice's VAT rate, with the next number of the credit-note sequence."""
    now = now or utcnow()
    amount = max(0, min(amount_cents, invoice.total_cents))
    split = split_gross(amount, invoice.vat_rate_bp)
    with force_locale(invoice.language):
        if reason == "details-changed":
            text = _("Invoice %(number)s cancelled: the billing details changed", number=invoice.number_text)
        elif reason == "category-changed":
            text = _("Invoice %(number)s cancelled: the registration category changed", number=invoice.number_text)
        elif amount == invoice.total_cents:
            text = _("Invoice %(number)s cancelled: registration cancelled", number=invoice.number_text)
        else:
            text = _("Refund on invoice %(number)s: registration cancelled", number=invoice.number_text)
    number = next_number(DocumentKind.CREDIT_NOTE)
    note = BillingDocument(
        kind=DocumentKind.CREDIT_NOTE, number=number, number_text=_number_text(DocumentKind.CREDIT_NOTE, number),
        registration_id=invoice.registration_id, credits_id=invoice.id, issued_at=now,
        issued_on=to_local(now).date(), due_on=None, language=invoice.language, seller=dict(invoice.seller),
        buyer=dict(invoice.buyer), lines=[{"text": text, "cents": amount}], delegate_name=invoice.delegate_name,
        category_name=invoice.category_name, payment_reference=invoice.payment_reference,
        vat_rate_bp=split.rate_bp if amount else invoice.vat_rate_bp, reverse_charge=invoice.reverse_charge,
        net_cents=split.net_cents, vat_cents=split.vat_cents, total_cents=split.total_cents, reason=reason,
    )
    db.session.add(note)
    db.session.flush()
    return note


def valid_invoice(registration: Registration) -> BillingDocument | None:
    """The invoice that is valid now, without issuing one."""
    invoice_id = db.session.scalar(
        sa.select(BillingDetails.invoice_id).where(BillingDetails.registration_id == registration.id)
    )
    return db.session.get(BillingDocument, invoice_id) if invoice_id is not None else None


@busy_on_lock_timeout()
def invoice_for(registration: Registration, *, now: datetime | None = None) -> BillingDocument:
    """The valid invoice, issued now if the registration has none yet and is due one."""
    invoice = valid_invoice(registration)
    if invoice is not None:
        return invoice
    if not invoice_due(registration):
        raise NoInvoice()
    lock_registration(registration)
    db.session.refresh(registration)
    billing = _ensure_billing_details(registration)
    if billing.invoice_id is not None:  # issued by a request that held the row before us
        return db.session.get_one(BillingDocument, billing.invoice_id)
    if not invoice_due(registration):
        raise NoInvoice()
    return _issue_invoice(registration, billing, now or utcnow())


@busy_on_lock_timeout()
def save_billing_details(
    *, registration: Registration, details: BillingInput, actor: User | None, now: datetime | None = None
) -> BillingDetails:
    """Save the billing details; once an invoice exists, changed details credit it and issue a
    new one with them (an issued invoice itself never changes)."""
    if not registration.is_active:
        raise StatusChanged()
    cleaned = check_billing(details)
    lock_registration(registration)
    billing = _ensure_billing_details(registration)
    if BillingInput(billing.name, billing.address, billing.vat_number, billing.po_reference) == cleaned:
        return billing
    for field, value in asdict(cleaned).items():
        setattr(billing, field, value)
    db.session.flush()
    if billing.invoice_id is not None:
        now = now or utcnow()
        old = db.session.get_one(BillingDocument, billing.invoice_id)
        issue_credit_note(invoice=old, amount_cents=old.total_cents, reason="details-changed", now=now)
        new = _issue_invoice(registration, billing, now)
        record_audit(actor, "invoice-reissued", registration, credited=old.number_text, invoice=new.number_text)
    elif actor is not None and actor.id != registration.user_id:
        record_audit(actor, "billing-edit", registration)
    return billing


def reissue_invoice(*, registration: Registration, reason: str, now: datetime | None = None) -> BillingDocument | None:
    """Credit the valid invoice in full and issue the one the registration is due now (none
    when nothing is to be paid any more), after a change the old invoice does not show. The
    caller holds the registration row. Returns the new invoice."""
    billing = _ensure_billing_details(registration)
    if billing.invoice_id is None:
        return None
    now = now or utcnow()
    old = db.session.get_one(BillingDocument, billing.invoice_id)
    issue_credit_note(invoice=old, amount_cents=old.total_cents, reason=reason, now=now)
    if invoice_due(registration):
        return _issue_invoice(registration, billing, now)
    db.session.execute(
        sa.update(BillingDetails).where(BillingDetails.registration_id == registration.id)
        .values(invoice_id=None).execution_options(synchronize_session=False)
    )
    db.session.expire(billing)
    return None


def documents_of(registration_id: int) -> list[BillingDocument]:
    """Invoices and credit notes of a registration, oldest first."""
    return list(db.session.scalars(
        sa.select(BillingDocument)
        .where(BillingDocument.registration_id == registration_id)
        .order_by(BillingDocument.issued_at, BillingDocument.id)
    ))


def credit_on_cancel(*, registration: Registration, refund_cents: int | None, now: datetime) -> BillingDocument | None:
    """Credit the valid invoice of a registration being cancelled: everything when nothing
    was paid (`refund_cents` None), the refund when it was paid; no note for no refund.

    A paid registration whose invoice was never asked for gets it now, before the credit
    note: money was received, so the books need the invoice the refund cancels (part of).
    The caller holds the registration row."""
    invoice = valid_invoice(registration)
    if invoice is None and refund_cents and registration.amount_due_cents > 0:
        invoice = _issue_invoice(registration, _ensure_billing_details(registration), now)
    if invoice is None:
        return None
    amount = invoice.total_cents if refund_cents is None else refund_cents
    if amount <= 0:
        return None
    return issue_credit_note(
        invoice=invoice, amount_cents=amount, reason="cancelled" if refund_cents is None else "refund", now=now
    )
