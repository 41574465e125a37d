"""Organisers' billing pages: the cancellation rules, the refunds (due and done), and marking
registrations paid from a bank statement (upload, preview of matches and mismatches, confirm).

The preview changes nothing; its form carries the matched (reference, amount) pairs back, and
the confirm applies each with one conditional UPDATE, so a confirm sent twice (or the same
statement confirmed by two organisers) pays nobody twice.
"""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from esof.accounts.auth import roles_required
from esof.accounts.models import Role
from esof.conference import to_local
from esof.db import utcnow
from esof.errors import Busy, DomainError
from esof.extensions import db
from esof.registration.bank_statement import Outcome, apply_statement, preview_statement, read_statement
from esof.registration.billing_errors import StatementTooLarge
from esof.registration.billing_forms import BankStatementForm, RefundRulesForm, StatementConfirmForm
from esof.registration.billing_models import RefundStatus
from esof.registration.billing_rules import refund_percent
from esof.registration.blueprint import answers_busy, bp
from esof.registration.forms import ConfirmForm
from esof.registration.refunds import cancellation_rules, refund_list, refund_totals, save_cancellation_rules

# Room for the multipart framing and the CSRF token around the file itself.
FORM_OVERHEAD_BYTES = 16 * 1024


@bp.route("/organiser/refund-rules", methods=["GET", "POST"])
@roles_required(Role.ORGANISER)
@answers_busy
def organiser_refund_rules() -> ResponseReturnValue:
    rules = cancellation_rules()
    form = RefundRulesForm(data=None if request.method == "POST" else {
        "full_refund_until": rules.full_refund_until,
        "partial_refund_percent": rules.partial_refund_percent,
        "partial_refund_until": rules.partial_refund_until,
    })
    if form.validate_on_submit():
        try:
            save_cancellation_rules(
                full_refund_until=form.full_refund_until.data,
                partial_refund_percent=int(form.partial_refund_percent.data),
                partial_refund_until=form.partial_refund_until.data,
                actor=current_user,
            )
        except Busy:
            raise  # answered by @answers_busy: 503, not a form error
        except DomainError as exc:
            db.session.rollback()
            form.partial_refund_until.errors = [*form.partial_refund_until.errors, exc.message]
        else:
            db.session.commit()
            flash(_("The cancellation rules are saved."), "success")
            return redirect(url_for("registration.organiser_refund_rules"))
    status = 422 if form.errors else 200
    today = to_local(utcnow()).date()
    return render_template("registration/refund_rules.html", form=form, today=today,
                           today_percent=refund_percent(rules, today)), status


@bp.get("/organiser/refunds")
@roles_required(Role.ORGANISER)
def organiser_refunds() -> ResponseReturnValue:
    wanted = request.args.get("status", "due")
    status = RefundStatus(wanted) if wanted in {s.value for s in RefundStatus} else None
    return render_template(
        "registration/refund_list.html", refunds=refund_list(status), totals=refund_totals(),
        status=status, done_form=ConfirmForm(),
    )


def _statement_page(form: BankStatementForm, status: int = 200, **context: object) -> ResponseReturnValue:
    return render_template("registration/bank_statement.html", form=form, outcomes=Outcome, **context), status


@bp.route("/organiser/bank-statement", methods=["GET", "POST"])
@roles_required(Role.ORGANISER)
def organiser_bank_statement() -> ResponseReturnValue:
    limit = int(current_app.config["BANK_STATEMENT_MAX_BYTES"])
    if request.method == "POST" and (request.content_length or 0) > limit + FORM_OVERHEAD_BYTES:
        # Refused by its declared size before the file is read as a statement. (The site-wide
        # MAX_CONTENT_LENGTH is what keeps a huge body from being parsed at all.)
        form = BankStatementForm(formdata=None)
        form.statement.errors = [StatementTooLarge(limit).message]
        return _statement_page(form, 413)
    form = BankStatementForm()
    if request.method == "GET":
        return _statement_page(form)
    if not form.validate_on_submit():
        return _statement_page(form, 400 if form.csrf_token.errors else 422)
    # One byte past the limit is enough to know the file is too large.
    data = form.statement.data.stream.read(limit + 1)
    try:
        lines = read_statement(data, max_bytes=limit)
    except DomainError as exc:
        form.statement.errors = [*form.statement.errors, exc.message]
        return _statement_page(form, exc.status_code)
    preview = preview_statement(lines)
    matches = [line for line in preview if line.outcome is Outcome.MATCH]
    confirm = StatementConfirmForm(formdata=None, matches=",".join(
        f"{line.line.reference}:{line.line.amount_cents}" for line in matches))
    return _statement_page(form, preview=preview, matches=matches, confirm_form=confirm)


@bp.post("/organiser/bank-statement/confirm")
@roles_required(Role.ORGANISER)
@answers_busy
def organiser_bank_statement_confirm() -> ResponseReturnValue:
    form = StatementConfirmForm()
    if not form.validate_on_submit():
        flash(_("Nothing was marked paid: the confirmation was not valid. Upload the statement again."), "error")
        return _statement_page(BankStatementForm(formdata=None), 400)
    pairs = []
    for item in form.matches.data.split(","):
        reference, _sep, cents = item.partition(":")
        pairs.append((reference, int(cents)))
    result = apply_statement(matches=pairs, actor=current_user)
    db.session.commit()
    flash(_("%(applied)d registrations marked paid; %(skipped)d skipped (paid or changed in the meantime).",
            applied=len(result.applied), skipped=len(result.skipped)), "success")
    return _statement_page(BankStatementForm(formdata=None), result=result)
