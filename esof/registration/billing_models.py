"""Billing: a registration's billing details, its invoices and credit notes (one table, two
gapless sequences), the counters those numbers come from, the organisers' cancellation rules
and the refunds that cancelling a paid registration opens."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from esof.db import enum_type, utcnow
from esof.extensions import Model
from esof.registration.models import Registration


class DocumentKind(enum.StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit-note"


class RefundStatus(enum.StrEnum):
    DUE = "due"
    DONE = "done"


class BillingDetails(Model):
    """Who the invoice is made out to; one row per registration, editable by the delegate.

    `invoice_id` is the invoice that is valid now. Issuing one sets it with a conditional
    UPDATE (`… WHERE invoice_id IS NULL` or the one it replaces), so two requests issuing at
    once cannot both keep their number: the loser rolls back and its number with it."""

    __tablename__ = "billing_details"

    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    address: Mapped[str] = mapped_column(sa.String(1000), default="", server_default="")
    vat_number: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")
    po_reference: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("billing_document.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    registration: Mapped[Registration] = relationship()


class BillingCounter(Model):
    """The last number handed out in one sequence ("invoice", "credit-note"). It is raised by
    one UPDATE in the transaction that writes the document, so a rolled-back document gives its
    number back and the committed ones have no gap; the row lock queues concurrent issuers."""

    __tablename__ = "billing_counter"
    __table_args__ = (sa.CheckConstraint("last_number >= 0", name="last_number_not_negative"),)

    kind: Mapped[DocumentKind] = mapped_column(enum_type(DocumentKind, "kind"), primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0, server_default="0")


class BillingDocument(Model):
    """An invoice or a credit note as issued: every line and amount is stored, and the PDF is
    drawn from this row alone, so it never changes once issued (rows are never updated)."""

    __tablename__ = "billing_document"
    __table_args__ = (
        sa.UniqueConstraint("kind", "number"),
        sa.CheckConstraint("number > 0", name="number_positive"),
        sa.CheckConstraint("total_cents = net_cents + vat_cents", name="total_is_net_plus_vat"),
        sa.CheckConstraint("total_cents >= 0 AND net_cents >= 0 AND vat_cents >= 0", name="amounts_not_negative"),
        sa.CheckConstraint("kind = 'invoice' OR credits_id IS NOT NULL", name="credit_note_credits_invoice"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DocumentKind] = mapped_column(enum_type(DocumentKind, "kind"))
    number: Mapped[int]
    # As printed: the prefix of the sequence (settings) and the number, e.g. ESOF2022-00042.
    number_text: Mapped[str] = mapped_column(sa.String(40), unique=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id"), index=True)
    # A credit note names the invoice it (partly) cancels.
    credits_id: Mapped[int | None] = mapped_column(sa.ForeignKey("billing_document.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_on: Mapped[date]  # the date printed, in Europe/Amsterdam
    due_on: Mapped[date | None]
    # The language it was issued in: it is always drawn in that language.
    language: Mapped[str] = mapped_column(sa.String(5), default="en")
    # Seller, buyer and bank details as they were at issue (settings may change later).
    seller: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    buyer: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # [{"text": ..., "cents": ...}]: the fee, the discount (negative) or the credited amount.
    lines: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    delegate_name: Mapped[str] = mapped_column(sa.String(200), default="")
    category_name: Mapped[str] = mapped_column(sa.String(200), default="")
    payment_reference: Mapped[str] = mapped_column(sa.String(32), default="")
    vat_rate_bp: Mapped[int] = mapped_column(default=0)  # basis points: 2100 is 21 %
    reverse_charge: Mapped[bool] = mapped_column(default=False)
    net_cents: Mapped[int]
    vat_cents: Mapped[int]
    total_cents: Mapped[int]
    # Why a credit note was issued: "cancelled", "refund" or "details-changed".
    reason: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")

    registration: Mapped[Registration] = relationship()
    credits: Mapped[BillingDocument | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<BillingDocument {self.number_text}>"


class CancellationPolicy(Model):
    """One row: the organisers' cancellation rules. A delegate who cancels on or before
    `full_refund_until` gets everything back, until `partial_refund_until` that percentage,
    later nothing (dates in Europe/Amsterdam; no dates: always everything)."""

    __tablename__ = "cancellation_policy"
    __table_args__ = (
        sa.CheckConstraint("id = 1", name="one_row"),
        sa.CheckConstraint("partial_refund_percent BETWEEN 0 AND 100", name="percent_range"),
        sa.CheckConstraint(
            "full_refund_until IS NULL OR partial_refund_until IS NULL OR partial_refund_until >= full_refund_until",
            name="partial_after_full",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    full_refund_until: Mapped[date | None]
    partial_refund_percent: Mapped[int] = mapped_column(default=50, server_default="50")
    partial_refund_until: Mapped[date | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Refund(Model):
    """Money owed back to a delegate after cancelling a paid registration; organisers mark it
    done once transferred (one conditional UPDATE from due, one audit row)."""

    __tablename__ = "refund"
    __table_args__ = (
        sa.CheckConstraint("amount_cents > 0", name="amount_positive"),
        sa.CheckConstraint("percent BETWEEN 0 AND 100", name="percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A registration is cancelled once, so it has at most one refund.
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id"), unique=True)
    status: Mapped[RefundStatus] = mapped_column(enum_type(RefundStatus, "status"), index=True)
    paid_cents: Mapped[int]
    percent: Mapped[int]
    amount_cents: Mapped[int]
    credit_note_id: Mapped[int | None] = mapped_column(sa.ForeignKey("billing_document.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    registration: Mapped[Registration] = relationship()
