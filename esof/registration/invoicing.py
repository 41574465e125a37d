"""Billing details, invoices and credit notes.

An invoice is issued when the registration becomes due one (:func:`invoice_due`: confirmed,
something to pay, not waived), in the transaction that makes it so (:func:`issue_invoice_if_due`,
called by registering with a place, an organiser's approval, a promotion from the waiting list,
a correction of the category and a payment status moved away from waived). Asking for the PDF
only reads: a GET never takes a number (a link prefetcher or a crawler must not use one up).
Registrations that became due before invoices were issued this way get theirs from
``flask registration issue-invoices`` (:mod:`esof.registration.invoice_bulk`, which the demo
loader uses too). An invoice's number comes from the counter row of its sequence, raised in
the same transaction that writes the invoice (:func:`next_number`): a transaction that rolls
back gives its number back, so the committed invoices are numbered without gaps, and the
counter's row lock queues concurrent issuers (SQLite's single writer does the same).

Issued documents are never changed. When the delegate changes the billing details after an
invoice was issued, the old invoice is cancelled by a credit note and a new invoice is issued
with the new details, in the same transaction (what pretix does when an invoice address
changes). Cancelling a registration credits its invoice: in full when nothing was paid, by the
refund when it was (:mod:`esof.registration.refunds`).

Lock order: the registration row (:func:`lock_registration`) before a counter row; a
cancellation holds the conference settings row before both, as every place change does.
"""
from __future__ import annotations

from collections.abc import Mapping
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


def next_number(kind: DocumentKind, count: int = 1) -> int:
    """The next number of the sequence, taken in the caller's transaction (see the module);
    with `count`, that many numbers at once and the last of them is returned.

    One statement, an upsert: the sequence's first number creates its row (a migrated
    database holds no rows, and an emptied one starts again at 1), every later one raises it.
    A plain UPDATE-then-INSERT would let two first issuers both find no row and the second
    fail on the key; with ON CONFLICT the second waits for the first's row and raises it."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(BillingCounter)
        .values(kind=kind, last_number=count)
        .on_conflict_do_update(
            index_elements=[BillingCounter.kind], set_={"last_number": BillingCounter.last_number + count}
        )
        .returning(BillingCounter.last_number)
    )
    return int(db.session.execute(stmt.execution_options(synchronize_session=False)).scalar_one())


def _number_text(kind: DocumentKind, number: int, config: Mapping[str, Any] | None = None) -> str:
    """'ESOF2022-00042': the prefix of the kind and five digits (`config`: the app's, read once
    by a caller that numbers thousands)."""
    key = "INVOICE_NUMBER_PREFIX" if kind is DocumentKind.INVOICE else "CREDIT_NOTE_NUMBER_PREFIX"
    return f"{(config or current_app.config)[key]}{number:05d}"


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


@dataclass(frozen=True)
class InvoiceSubject:
    """What an invoice prints of its registration: read from the row, or from its columns when
    invoices are issued in bulk (:mod:`esof.registration.invoice_bulk`)."""

    registration_id: int
    full_name: str
    affiliation: str
    country: str
    amount_due_cents: int
    discount_cents: int
    payment_reference: str
    language: str
    category_name: str  # in `language`
    voucher_code: str | None


def invoice_language(language: str | None) -> str:
    """The delegate's language if the site has it, else English."""
    return language if language is not None and language in current_app.config["LANGUAGES"] else "en"


def invoice_subject(registration: Registration) -> InvoiceSubject:
    user = registration.user
    language = invoice_language(user.language if user is not None else None)
    voucher = registration.voucher
    return InvoiceSubject(
        registration_id=registration.id, full_name=registration.full_name, affiliation=registration.affiliation,
        country=registration.country, amount_due_cents=registration.amount_due_cents,
        discount_cents=int(registration.discount_cents or 0), payment_reference=registration.payment_reference,
        language=language, category_name=registration.category.label(language),
        voucher_code=voucher.code if voucher is not None else None,
    )


def _buyer(subject: InvoiceSubject, billing: BillingDetails | BillingInput | None) -> dict[str, str]:
    name = billing.name if billing is not None else ""
    return {
        "name": name or subject.full_name,
        "affiliation": subject.affiliation if not name else "",
        "address": billing.address if billing is not None else "",
        "country": subject.country,
        "vat_number": billing.vat_number if billing is not None else "",
        "po_reference": billing.po_reference if billing is not None else "",
    }


def invoice_lines(subject: InvoiceSubject) -> list[dict[str, Any]]:
    """The fee and the discount, in the subject's language."""
    discount = subject.discount_cents
    with force_locale(subject.language):
        lines: list[dict[str, Any]] = [{
            "text": _("Registration fee %(conference)s: %(category)s",
                      conference=current_app.config["CONFERENCE_NAME"], category=subject.category_name),
            "cents": subject.amount_due_cents + discount,
        }]
        if discount:
            code = subject.voucher_code
            text = _("Discount (voucher %(code)s)", code=code) if code is not None else _("Discount")
            lines.append({"text": text, "cents": -discount})
    return lines


def invoice_values(
    subject: InvoiceSubject, billing: BillingDetails | BillingInput | None, *, number: int, now: datetime,
    seller: dict[str, str], lines: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The columns of invoice `number` for the registration as it is now (`lines`: its
    :func:`invoice_lines`, when the caller has them already)."""
    config = current_app.config  # read once: the bulk issuer calls this thousands of times
    buyer = _buyer(subject, billing)
    reverse = reverse_charge_applies(buyer["vat_number"], seller["country"])
    split = split_gross(subject.amount_due_cents, 0 if reverse else rate_basis_points(config["INVOICE_VAT_RATE"]))
    issued_on = to_local(now).date()
    return {
        "kind": DocumentKind.INVOICE, "number": number,
        "number_text": _number_text(DocumentKind.INVOICE, number, config),
        "registration_id": subject.registration_id, "credits_id": None, "issued_at": now, "issued_on": issued_on,
        "due_on": issued_on + timedelta(days=int(config["INVOICE_PAYMENT_DAYS"])),
        "language": subject.language, "seller": dict(seller), "buyer": buyer,
        "lines": lines if lines is not None else invoice_lines(subject),
        "delegate_name": subject.full_name, "category_name": subject.category_name,
        "payment_reference": subject.payment_reference, "vat_rate_bp": split.rate_bp,
        "reverse_charge": reverse, "net_cents": split.net_cents, "vat_cents": split.vat_cents,
        "total_cents": split.total_cents, "reason": "",
    }


def _issue_invoice(registration: Registration, billing: BillingDetails, now: datetime) -> BillingDocument:
    """Write the next invoice for the registration and make it the valid one; the caller holds
    the registration row."""
    number = next_number(DocumentKind.INVOICE)
    invoice = BillingDocument(**invoice_values(
        invoice_subject(registration), billing, number=number, now=now, seller=seller_snapshot()))
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
        elif reason == "fee-waived":
            text = _("Invoice %(number)s cancelled: the fee was waived", number=invoice.number_text)
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


def invoice_for(registration: Registration) -> BillingDocument:
    """The valid invoice of the registration; NoInvoice when it has none. Only reads: the
    invoice was issued when the registration became due one (:func:`issue_invoice_if_due`)."""
    invoice = valid_invoice(registration)
    if invoice is None:
        raise NoInvoice()
    return invoice


@busy_on_lock_timeout()
def issue_invoice_if_due(registration: Registration, *, now: datetime | None = None) -> BillingDocument | None:
    """Issue the registration's invoice if it is due one and has no valid invoice yet; returns
    the invoice issued now (None: not due, or issued before). Called in the transaction that
    made it due, so the invoice and that change are committed or rolled back together; calling
    it again issues nothing. The registration row is held before the number is taken."""
    if not invoice_due(registration) or valid_invoice(registration) is not None:
        return None
    lock_registration(registration)
    db.session.refresh(registration)
    billing = _ensure_billing_details(registration)
    if billing.invoice_id is not None or not invoice_due(registration):  # changed before we held the row
        return None
    return _issue_invoice(registration, billing, now or utcnow())


@busy_on_lock_timeout()
def save_billing_details(
    *, registration: Registration, details: BillingInput, actor: User | None, now: datetime | None = None,
    reissue: bool = True,
) -> BillingDetails:
    """Save the billing details; once an invoice exists, changed details credit it and issue a
    new one with them (an issued invoice itself never changes). `reissue=False`: the caller
    reissues the invoice itself in the same transaction (a correction that also changes the fee)."""
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
    if billing.invoice_id is not None and reissue:
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

    A paid registration without an invoice (one that became due before invoices were issued
    then) gets it now, before the credit note: money was received, so the books need the
    invoice the refund cancels (part of).
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
