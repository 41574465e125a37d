"""Billing pages of delegates and organisers: invoice, receipt and credit-note PDFs, the
billing part of the registration pages, the cancel confirmation that says what is refunded,
and marking a refund done. The organisers' cancellation rules and bank statements are in
:mod:`esof.registration.billing_admin_views`, attached to the blueprint from here.

A delegate's documents are looked up through their own registrations only (a number of
someone else's answers 404, as a registration id does). The PDFs only read: an invoice is
issued when the registration becomes due one (invoicing.issue_invoice_if_due), so a
registration without one answers the "no invoice" page, and a GET never takes a number.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from esof import access
from esof.accounts.auth import roles_required
from esof.accounts.models import Role
from esof.errors import Busy, DomainError
from esof.extensions import db
from esof.registration import billing_admin_views, commands
from esof.registration.billing_errors import InvoiceNotIssuedYet, NoInvoice, NoReceipt, RefundNotDue
from esof.registration.billing_models import BillingDetails, BillingDocument, DocumentKind, Refund, RefundStatus
from esof.registration.blueprint import answers_busy, bp
from esof.registration.forms import ConfirmForm
from esof.registration.invoice_pdf import document_pdf
from esof.registration.invoicing import invoice_due, invoice_for, valid_invoice
from esof.registration.models import PaymentStatus, Registration
from esof.registration.refunds import (
    RefundPreview,
    RefundTotals,
    mark_refund_done,
    refund_of,
    refund_preview,
    refund_totals,
)

__all__ = ["billing_admin_views"]

commands.register_commands(bp)


@dataclass(frozen=True)
class BillingSummary:
    """What the registration pages show of billing, in three small queries."""

    details: BillingDetails | None
    invoice: BillingDocument | None
    invoice_available: bool  # issued (when the registration became due one)
    receipt_available: bool
    credit_notes: list[BillingDocument]
    refund: Refund | None


log = logging.getLogger(__name__)


@bp.app_template_global("billing_summary")
def billing_summary(registration: Registration) -> BillingSummary:
    invoice = valid_invoice(registration)
    credit_notes = list(db.session.scalars(
        sa.select(BillingDocument)
        .where(BillingDocument.registration_id == registration.id, BillingDocument.kind == DocumentKind.CREDIT_NOTE)
        .order_by(BillingDocument.number)
    ))
    available = invoice is not None
    return BillingSummary(
        details=db.session.get(BillingDetails, registration.id),
        invoice=invoice,
        invoice_available=available,
        receipt_available=available and registration.payment_status == PaymentStatus.PAID,
        credit_notes=credit_notes,
        refund=refund_of(registration.id),
    )


@bp.app_template_global("billing_confirm_form")
def billing_confirm_form() -> ConfirmForm:
    return ConfirmForm()


@bp.app_template_global("refund_counts")
def refund_counts() -> dict[RefundStatus, RefundTotals]:
    """Refunds due and done (number and sum) for a counts page, in one grouped query."""
    return refund_totals()


def _pdf(data: bytes, document: BillingDocument, kind: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{kind}-{document.number_text}.pdf"'
    # Personal data with an address and an amount: never kept by a shared cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _missing(error: DomainError, registration: Registration | None) -> ResponseReturnValue:
    db.session.rollback()
    return render_template("registration/billing_missing.html", message=error.message, registration=registration), 404


def _not_issued(registration: Registration, fallback: DomainError) -> DomainError:
    """Why there is no document: nothing to pay, or an invoice due that was never issued (then
    the operators are told in the log which command issues it)."""
    if not invoice_due(registration):
        return fallback
    log.warning("Registration %s is due an invoice and has none: run `flask registration issue-invoices`",
                registration.id)
    return InvoiceNotIssuedYet()


def _invoice_response(registration: Registration) -> ResponseReturnValue:
    try:
        invoice = invoice_for(registration)
    except NoInvoice as exc:
        return _missing(_not_issued(registration, exc), registration)
    return _pdf(document_pdf(invoice), invoice, "invoice")


def _receipt_response(registration: Registration) -> ResponseReturnValue:
    if registration.payment_status != PaymentStatus.PAID:
        return _missing(NoReceipt(), registration)
    try:
        invoice = invoice_for(registration)
    except NoInvoice:
        return _missing(_not_issued(registration, NoReceipt()), registration)
    data = document_pdf(invoice, receipt_paid_at=registration.paid_at or registration.updated_at)
    return _pdf(data, invoice, "receipt")


def _credit_note_response(registration: Registration) -> ResponseReturnValue:
    """The credit note named by ?number= (of this registration), else its latest one."""
    stmt = sa.select(BillingDocument).where(
        BillingDocument.registration_id == registration.id, BillingDocument.kind == DocumentKind.CREDIT_NOTE
    )
    number = request.args.get("number", "")[:40]
    if number:
        stmt = stmt.where(BillingDocument.number_text == number)
    note = db.session.scalar(stmt.order_by(BillingDocument.number.desc()).limit(1))
    if note is None:
        abort(404)
    credited = note.credits.number_text if note.credits is not None else ""
    return _pdf(document_pdf(note, credited_number=credited), note, "credit-note")


def _delegate_registration() -> Registration:
    """The delegate's latest registration (after a cancellation its credit note is still theirs)."""
    registration = db.session.scalar(
        sa.select(Registration)
        .where(Registration.user_id == current_user.id)
        .order_by(Registration.created_at.desc(), Registration.id.desc())
        .limit(1)
    )
    if registration is None:
        abort(404)
    return registration


def _delegate_registration_with(number: str) -> Registration:
    """The delegate's registration holding document `number`, or their latest one."""
    if not number:
        return _delegate_registration()
    registration = db.session.scalar(
        sa.select(Registration)
        .join(BillingDocument, BillingDocument.registration_id == Registration.id)
        .where(Registration.user_id == current_user.id, BillingDocument.number_text == number[:40])
    )
    if registration is None:
        abort(404)
    return registration


@bp.get("/invoice.pdf")
@login_required
@access.login
@answers_busy
def invoice_pdf() -> ResponseReturnValue:
    return _invoice_response(_delegate_registration())


@bp.get("/receipt.pdf")
@login_required
@access.login
@answers_busy
def receipt_pdf() -> ResponseReturnValue:
    return _receipt_response(_delegate_registration())


@bp.get("/credit-note.pdf")
@login_required
@access.login
def credit_note_pdf() -> ResponseReturnValue:
    return _credit_note_response(_delegate_registration_with(request.args.get("number", "")))


@bp.get("/<int:registration_id>/cancel/confirm")
@login_required
@access.owner("registration", check="Registration.user_id is the current user, else 404")
def registration_cancel_confirm(registration_id: int) -> ResponseReturnValue:
    registration = db.get_or_404(Registration, registration_id)
    if registration.user_id != current_user.id or not registration.is_active:
        abort(404)
    preview: RefundPreview | None = refund_preview(registration)
    return render_template(
        "registration/refund_cancel_confirm.html", registration=registration, preview=preview,
        unpaid_invoice=registration.payment_status == PaymentStatus.PENDING and valid_invoice(registration),
        cancel_form=ConfirmForm(),
    )


@bp.get("/organiser/<int:registration_id>/invoice.pdf")
@roles_required(Role.ORGANISER)
@answers_busy
def organiser_invoice_pdf(registration_id: int) -> ResponseReturnValue:
    return _invoice_response(db.get_or_404(Registration, registration_id))


@bp.get("/organiser/<int:registration_id>/receipt.pdf")
@roles_required(Role.ORGANISER)
@answers_busy
def organiser_receipt_pdf(registration_id: int) -> ResponseReturnValue:
    return _receipt_response(db.get_or_404(Registration, registration_id))


@bp.get("/organiser/<int:registration_id>/credit-note.pdf")
@roles_required(Role.ORGANISER)
def organiser_credit_note_pdf(registration_id: int) -> ResponseReturnValue:
    return _credit_note_response(db.get_or_404(Registration, registration_id))


@bp.post("/organiser/<int:registration_id>/refund-done")
@roles_required(Role.ORGANISER)
@answers_busy
def organiser_refund_done(registration_id: int) -> ResponseReturnValue:
    registration = db.get_or_404(Registration, registration_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    refund = refund_of(registration.id)
    if refund is None:
        abort(404)
    try:
        mark_refund_done(refund=refund, actor=current_user)
    except Busy:
        raise  # answered by @answers_busy: 503, not a flash
    except RefundNotDue as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("The refund is marked done."), "success")
    if request.form.get("next_page") == "refunds":
        return redirect(url_for("registration.organiser_refunds"))
    return redirect(url_for("registration.organiser_registration", registration_id=registration_id))
