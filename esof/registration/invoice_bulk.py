"""Invoices issued in bulk: every registration that is due one and has none gets it in one go.

That is what ``flask registration issue-invoices`` does for registrations that became due
before invoices were issued at that moment (rows written by an older version), and what the
demo loader does for the thousands of registrations it writes at once. The numbers are taken
with one raise of the counter row (:func:`esof.registration.invoicing.next_number`), in the
order the registrations were confirmed, so they stay gap-free; the documents are written with
one multi-row INSERT and linked to their billing details by two set-based statements. The
registration rows are held before the counter row (the lock order of invoicing.py).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from esof.accounts.models import User
from esof.db import utcnow
from esof.errors import busy_on_lock_timeout
from esof.extensions import db
from esof.registration.billing_models import BillingDetails, BillingDocument, DocumentKind
from esof.registration.invoicing import (
    BillingInput,
    InvoiceSubject,
    invoice_language,
    invoice_lines,
    invoice_values,
    next_number,
    seller_snapshot,
)
from esof.registration.models import PaymentStatus, Registration, RegistrationCategory, RegistrationStatus, Voucher

CHUNK = 1000


def due_without_invoice() -> sa.ColumnElement[bool]:
    """The registrations invoicing.invoice_due accepts that hold no valid invoice (with the
    billing details outer-joined)."""
    return sa.and_(
        Registration.status == RegistrationStatus.CONFIRMED,
        Registration.amount_due_cents > 0,
        Registration.payment_status != PaymentStatus.WAIVED,
        BillingDetails.invoice_id.is_(None),
    )


def _hold(ids: list[int]) -> None:
    """Hold the registration rows (a write, so that SQLite takes its one write lock too)."""
    for start in range(0, len(ids), CHUNK):
        db.session.execute(
            sa.update(Registration).where(Registration.id.in_(ids[start:start + CHUNK]))
            .values(updated_at=Registration.updated_at).execution_options(synchronize_session=False)
        )


def _subjects() -> list[tuple[InvoiceSubject, BillingInput | None, datetime]]:
    """(what the invoice prints, the billing details if the row exists, when it was confirmed)
    of every registration due an invoice, oldest confirmation first; columns, no ORM objects."""
    rows = db.session.execute(
        sa.select(
            Registration.id, Registration.first_name, Registration.last_name, Registration.affiliation,
            Registration.country, Registration.amount_due_cents, Registration.discount_cents,
            Registration.payment_reference, Registration.confirmed_at, Registration.created_at, User.language,
            RegistrationCategory.name, RegistrationCategory.name_nl, Voucher.code,
            BillingDetails.registration_id.label("billing_row"), BillingDetails.name.label("billing_name"),
            BillingDetails.address, BillingDetails.vat_number, BillingDetails.po_reference,
        )
        .select_from(Registration)
        .join(RegistrationCategory, RegistrationCategory.id == Registration.category_id)
        .outerjoin(User, User.id == Registration.user_id)
        .outerjoin(Voucher, Voucher.id == Registration.voucher_id)
        .outerjoin(BillingDetails, BillingDetails.registration_id == Registration.id)
        .where(due_without_invoice())
        .order_by(Registration.confirmed_at, Registration.id)
    ).all()
    subjects = []
    for row in rows:
        language = invoice_language(row.language)
        subject = InvoiceSubject(
            registration_id=row.id, full_name=f"{row.first_name} {row.last_name}".strip(),
            affiliation=row.affiliation, country=row.country, amount_due_cents=row.amount_due_cents,
            discount_cents=int(row.discount_cents or 0), payment_reference=row.payment_reference,
            language=language, category_name=row.name_nl if language == "nl" and row.name_nl else row.name,
            voucher_code=row.code,
        )
        billing = (BillingInput(row.billing_name, row.address, row.vat_number, row.po_reference)
                   if row.billing_row is not None else None)
        subjects.append((subject, billing, row.confirmed_at or row.created_at))
    return subjects


@busy_on_lock_timeout()
def issue_due_invoices(*, now: datetime | None = None, at_confirmation: bool = False) -> int:
    """Issue the invoice of every registration that is due one and has none; returns how many
    (a second run issues none). Each is dated `now`, or with `at_confirmation` by when its
    registration was confirmed (the demo's 2022 history). Flushes, never commits."""
    now = now or utcnow()
    held = set(db.session.scalars(
        sa.select(Registration.id)
        .outerjoin(BillingDetails, BillingDetails.registration_id == Registration.id)
        .where(due_without_invoice())
    ))
    if not held:
        return 0
    _hold(sorted(held))
    # Read again with the rows held: one may have got its invoice in the meantime.
    subjects = [item for item in _subjects() if item[0].registration_id in held]
    if not subjects:
        return 0
    last = next_number(DocumentKind.INVOICE, len(subjects))
    first = last - len(subjects) + 1
    seller = seller_snapshot()
    lines: dict[tuple[object, ...], list[dict[str, Any]]] = {}  # the same few texts for thousands
    documents = []
    for offset, (subject, billing, confirmed_at) in enumerate(subjects):
        key = (subject.language, subject.category_name, subject.amount_due_cents, subject.discount_cents,
               subject.voucher_code)
        if key not in lines:
            lines[key] = invoice_lines(subject)
        documents.append(invoice_values(
            subject, billing, number=first + offset, now=confirmed_at if at_confirmation else now,
            seller=seller, lines=[dict(line) for line in lines[key]],
        ))
    document: sa.Table = BillingDocument.__table__  # type: ignore[assignment]
    for start in range(0, len(documents), CHUNK):
        db.session.execute(document.insert(), documents[start:start + CHUNK])
    _link(first, last)
    for item in list(db.session.identity_map.values()):
        if isinstance(item, BillingDetails):
            db.session.expire(item)
    return len(subjects)


def _link(first: int, last: int) -> None:
    """Make invoices `first`..`last` the valid ones of their registrations: set on the billing
    details rows that exist, a new row (no details typed) for the others."""
    document: sa.Table = BillingDocument.__table__  # type: ignore[assignment]
    details: sa.Table = BillingDetails.__table__  # type: ignore[assignment]
    issued = sa.and_(document.c.kind == DocumentKind.INVOICE, document.c.number.between(first, last))
    db.session.execute(
        details.update()
        .where(details.c.invoice_id.is_(None),
               details.c.registration_id.in_(sa.select(document.c.registration_id).where(issued)))
        .values(invoice_id=sa.select(document.c.id)
                .where(issued, document.c.registration_id == details.c.registration_id).scalar_subquery())
    )
    empty = sa.literal("")
    db.session.execute(details.insert().from_select(
        ["registration_id", "invoice_id", "name", "address", "vat_number", "po_reference", "updated_at"],
        sa.select(document.c.registration_id, document.c.id, empty, empty, empty, empty, document.c.issued_at)
        .where(issued, ~sa.exists().where(details.c.registration_id == document.c.registration_id)),
    ))
