"""Organisers' voucher pages: the list with usage per code, creating one code or a batch,
changing a voucher's rules, the registrations that used it, and the CSV of vouchers."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from flask import Response, flash, redirect, render_template, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from esof.accounts.auth import roles_required
from esof.accounts.models import Role
from esof.conference import conference_zone, to_local
from esof.csv_safety import stream_csv
from esof.errors import Busy, DomainError
from esof.extensions import db
from esof.form_choices import choices
from esof.registration.blueprint import answers_busy, bp, euro, page_language
from esof.registration.categories import list_categories
from esof.registration.errors import VoucherCodeTaken
from esof.registration.forms import VoucherForm, VoucherRulesForm, cents
from esof.registration.models import DiscountKind, Voucher
from esof.registration.vouchers import (
    VoucherSpec,
    create_vouchers,
    list_vouchers,
    update_voucher,
    voucher_registrations,
    vouchers_select,
)

PAGE_SIZE = 100  # a batch holds up to 500 codes; the CSV has them all

VOUCHER_CSV_COLUMNS = (
    "code", "batch", "kind", "value", "max_uses", "used_count", "valid_from", "valid_until", "categories",
    "beyond_capacity", "note", "created_at",
)


def _leiden(value: datetime | None) -> datetime | None:
    """A wall-clock time typed in the form, as a moment in Leiden's zone."""
    return value.replace(tzinfo=conference_zone()) if value else None


def _form_time(value: datetime | None) -> datetime | None:
    return to_local(value).replace(tzinfo=None) if value else None


def _category_choices(form: VoucherRulesForm) -> None:
    form.categories.choices = choices((c.id, c.label(page_language())) for c in list_categories())


def _spec(form: VoucherRulesForm, kind: DiscountKind, value: int) -> VoucherSpec:
    return VoucherSpec(
        kind=kind, value=value, max_uses=form.max_uses.data or 0,
        valid_from=_leiden(form.valid_from.data), valid_until=_leiden(form.valid_until.data),
        beyond_capacity=bool(form.beyond_capacity.data), note=form.note.data or "",
        category_ids=list(form.categories.data or []),
    )


def value_text(voucher: Voucher) -> str:
    """'50 %', '−€100.00' or '€0.00 instead': what the list and the CSV show."""
    if voucher.kind == DiscountKind.PERCENT:
        return f"{voucher.value} %"
    if voucher.kind == DiscountKind.AMOUNT:
        return _("%(amount)s off", amount=euro(voucher.value))
    return _("price %(amount)s", amount=euro(voucher.value))


@bp.route("/organiser/vouchers", methods=["GET", "POST"])
@roles_required(Role.ORGANISER)
@answers_busy
def organiser_vouchers() -> ResponseReturnValue:
    """The list; a POST here creates, as on the new-voucher page (the contract names this URL
    with its field `code`, so a tool may post to it)."""
    if request.method == "POST":
        return _create_voucher()
    batch = request.args.get("batch", "")[:40]
    page = db.paginate(vouchers_select(batch), per_page=PAGE_SIZE, max_per_page=PAGE_SIZE, error_out=False)
    return render_template(
        "registration/voucher_list.html", page=page, vouchers=page.items, batch=batch, value_text=value_text,
    )


@bp.route("/organiser/vouchers/new", methods=["GET", "POST"])
@roles_required(Role.ORGANISER)
@answers_busy
def organiser_voucher_new() -> ResponseReturnValue:
    return _create_voucher()


def _create_voucher() -> ResponseReturnValue:
    form = VoucherForm()
    _category_choices(form)
    if form.validate_on_submit():
        kind = DiscountKind(form.kind.data)
        amount = form.value.data
        value = int(amount) if kind == DiscountKind.PERCENT and amount is not None else cents(amount) or 0
        if kind == DiscountKind.PERCENT and amount is not None and amount != value:
            form.value.errors.append(_("A percentage is a whole number."))
            return render_template("registration/voucher_form.html", form=form, voucher=None), 422
        try:
            made = create_vouchers(
                actor=current_user, spec=_spec(form, kind, value), code=(form.code.data or "").strip(),
                count=form.count.data or 1, prefix=form.prefix.data or "",
            )
        except Busy:
            raise  # answered by @answers_busy: 503, not a form error
        except DomainError as exc:
            db.session.rollback()
            if isinstance(exc, VoucherCodeTaken):
                form.code.errors.append(exc.message)
            else:
                form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(ngettext("%(num)d voucher created.", "%(num)d vouchers created.", len(made)), "success")
            if len(made) == 1:
                return redirect(url_for("registration.organiser_voucher", voucher_id=made[0].id))
            return redirect(url_for("registration.organiser_vouchers", batch=made[0].batch))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("registration/voucher_form.html", form=form, voucher=None), status


@bp.route("/organiser/vouchers/<int:voucher_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ORGANISER)
@answers_busy
def organiser_voucher_edit(voucher_id: int) -> ResponseReturnValue:
    voucher = db.get_or_404(Voucher, voucher_id)
    form = VoucherRulesForm(obj=voucher)
    _category_choices(form)
    if request.method == "GET":
        form.categories.data = [c.id for c in voucher.categories]
        form.valid_from.data, form.valid_until.data = _form_time(voucher.valid_from), _form_time(voucher.valid_until)
    if form.validate_on_submit():
        try:
            update_voucher(actor=current_user, voucher=voucher, spec=_spec(form, voucher.kind, voucher.value))
        except Busy:
            raise
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("The voucher is saved."), "success")
            return redirect(url_for("registration.organiser_voucher", voucher_id=voucher.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("registration/voucher_form.html", form=form, voucher=voucher), status


@bp.get("/organiser/vouchers/<int:voucher_id>")
@roles_required(Role.ORGANISER)
def organiser_voucher(voucher_id: int) -> ResponseReturnValue:
    voucher = db.get_or_404(Voucher, voucher_id)
    return render_template(
        "registration/voucher_detail.html", voucher=voucher, registrations=voucher_registrations(voucher),
        value_text=value_text,
    )


def _csv_rows(vouchers: list[Voucher]) -> Iterator[tuple[object, ...]]:
    for v in vouchers:
        yield (
            v.code, v.batch, v.kind.value, v.value, v.max_uses, v.used_count,
            to_local(v.valid_from).isoformat() if v.valid_from else "",
            to_local(v.valid_until).isoformat() if v.valid_until else "",
            " ".join(c.code for c in v.categories), "yes" if v.beyond_capacity else "no", v.note,
            to_local(v.created_at).isoformat(),
        )


@bp.get("/organiser/vouchers.csv")
@roles_required(Role.ORGANISER)
def organiser_vouchers_csv() -> ResponseReturnValue:
    """Every cell through esof.csv_safety (a note or code could start a formula)."""
    rows = _csv_rows(list_vouchers(request.args.get("batch", "")[:40]))
    response = Response(stream_with_context(stream_csv(VOUCHER_CSV_COLUMNS, rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="esof2022-vouchers.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
