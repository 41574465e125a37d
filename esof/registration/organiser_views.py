"""Organisers' pages: the list of registrations and its CSV, one registration (approve,
reject, cancel, payment, correct, send the confirmation again), the categories and the
onsite cap."""
from __future__ import annotations

from datetime import datetime

from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from esof.accounts.auth import roles_required
from esof.accounts.models import Role
from esof.conference import conference_zone, to_local
from esof.confirmation import confirmation_page, is_confirmed
from esof.errors import Busy, DomainError
from esof.extensions import db
from esof.form_choices import choices
from esof.registration import queries
from esof.registration.billing_errors import BillingInvalid
from esof.registration.blueprint import answers_busy, bp, euro, page_language
from esof.registration.categories import category_offers, list_categories, save_category
from esof.registration.corrections import (
    CategoryChangeRefused,
    Correction,
    correct_registration,
    last_resent_at,
    resend_confirmation,
)
from esof.registration.countries import country_choices
from esof.registration.csv_export import registrations_csv
from esof.registration.delegates import DelegateProfile, cancel_registration
from esof.registration.errors import StatusChanged, UnknownCategory, UnknownCountry
from esof.registration.forms import CategoryForm, ConfirmForm, OnsiteCapForm, PaymentForm, cents
from esof.registration.invoicing import BillingInput, billing_details_for
from esof.registration.labels import label, payment_choices
from esof.registration.models import (
    Attendance,
    PaymentStatus,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
)
from esof.registration.moderation import approve_registration, reject_registration, set_payment_status
from esof.registration.organiser_forms import CorrectionForm
from esof.registration.person_activity import person_activity
from esof.registration.places import conference_settings, set_onsite_cap
from esof.registration.question_views import billing_input, show_billing_error
from esof.registration.questions import answer_text, answers_of, list_questions
from esof.registration.refunds import refund_preview

PAGE_SIZE = 50


def _filters() -> queries.RegistrationFilters:
    args = request.args
    return queries.RegistrationFilters(
        q=args.get("q", "")[:200],
        category=args.get("category", "")[:40],
        status=args.get("status", "")[:30],
        payment=args.get("payment", "")[:20],
        country=args.get("country", "")[:2],
        question=args.get("question", type=int),
        answer=args.get("answer", "")[:200],
    )


@bp.get("/organiser/")
@roles_required(Role.ORGANISER)
def organiser_registrations() -> ResponseReturnValue:
    filters = _filters()
    page = db.paginate(
        queries.filtered_registrations(filters), per_page=PAGE_SIZE, max_per_page=PAGE_SIZE, error_out=False
    )
    return render_template(
        "registration/organiser_list.html",
        page=page,
        filters=filters,
        categories=list_categories(),
        counts=queries.counts_by_category_and_status(),
        statuses=list(RegistrationStatus),
        payments=list(PaymentStatus),
        countries=country_choices(page_language()),
        settings=conference_settings(),
        questions=list_questions(),
        language=page_language(),
    )


@bp.get("/organiser/export.csv")
@roles_required(Role.ORGANISER)
def organiser_export() -> ResponseReturnValue:
    stmt = (
        queries.filtered_registrations(_filters())
        .options(joinedload(Registration.voucher))
        .execution_options(yield_per=500)
    )
    rows = registrations_csv(db.session.scalars(stmt), list_questions(), answers_of())
    response = Response(stream_with_context(rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="esof2022-registrations.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/organiser/<int:registration_id>")
@roles_required(Role.ORGANISER)
def organiser_registration(registration_id: int) -> ResponseReturnValue:
    registration = db.get_or_404(Registration, registration_id)
    form = PaymentForm(payment_status=registration.payment_status.value)
    form.payment_status.choices = choices(payment_choices())
    return render_template(
        "registration/organiser_detail.html",
        registration=registration,
        rank=queries.waitlist_rank(registration),
        payment_form=form,
        action_form=ConfirmForm(),
        questions=[q for q in list_questions() if q.asks(registration.category_id)],
        answers=answers_of([registration.id]).get(registration.id, {}),
        answer_text=answer_text,
        billing_details=billing_details_for(registration),
        activity=person_activity(registration),
        last_resent=last_resent_at(registration),
        language=page_language(),
    )


def _category_choices() -> list[tuple[int, str]]:
    language = page_language()
    return [(c.id, f"{c.label(language)} ({c.code}) · {label('attendance', c.attendance)}") for c in list_categories()]


def _correction(form: CorrectionForm) -> Correction:
    profile = DelegateProfile(**{name: form[name].data or "" for name in (
        "first_name", "last_name", "affiliation", "country", "dietary_needs", "accessibility_needs")},
        public_listing=bool(form.public_listing.data))
    return Correction(profile=profile, category_id=form.category_id.data, billing=billing_input(form))


def _show_correction_error(form: CorrectionForm, error: DomainError) -> None:
    """The refusal's message on its field (category, country, a billing field), else on top."""
    if isinstance(error, BillingInvalid) and show_billing_error(form, error):
        return
    fields = {UnknownCountry: form.country, UnknownCategory: form.category_id, CategoryChangeRefused: form.category_id}
    field = fields.get(type(error))
    if field is None:
        form.form_errors.append(error.message)
    else:
        field.errors = [*field.errors, error.message]


@bp.route("/organiser/<int:registration_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ORGANISER)
@answers_busy
def organiser_registration_edit(registration_id: int) -> ResponseReturnValue:
    registration = db.get_or_404(Registration, registration_id)
    if not registration.is_active:
        abort(404)
    details = billing_details_for(registration) or BillingInput()
    form = CorrectionForm(obj=registration, **({} if request.method == "POST" else {
        f"billing_{name}": getattr(details, name) for name in ("name", "address", "vat_number", "po_reference")}))
    form.country.choices = choices([("", _("Choose a country")), *country_choices(page_language())])
    form.category_id.choices = choices(_category_choices())
    if form.validate_on_submit():
        try:
            changed = correct_registration(registration=registration, correction=_correction(form), actor=current_user)
        except Busy:
            raise  # answered by @answers_busy: 503, not a form error
        except DomainError as exc:
            db.session.rollback()
            _show_correction_error(form, exc)
        else:
            db.session.commit()
            flash(_("The registration is corrected.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("registration.organiser_registration", registration_id=registration.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("registration/organiser_edit.html", form=form, registration=registration), status


@bp.post("/organiser/<int:registration_id>/resend")
@roles_required(Role.ORGANISER)
@answers_busy
def organiser_resend(registration_id: int) -> ResponseReturnValue:
    registration = db.get_or_404(Registration, registration_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        email = resend_confirmation(registration=registration, actor=current_user)
    except Busy:
        raise
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("The confirmation is sent again to %(email)s.", email=email), "success")
    return redirect(url_for("registration.organiser_registration", registration_id=registration_id))


def _organiser_action(registration_id: int, action: str) -> ResponseReturnValue:
    registration = db.get_or_404(Registration, registration_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        if action == "approve":
            approve_registration(registration=registration, actor=current_user)
            message = _("The registration is approved.")
        elif action == "reject":
            reject_registration(registration=registration, actor=current_user)
            message = _("The registration is rejected.")
        else:
            cancel_registration(registration=registration, actor=current_user, reason="organiser")
            message = _("The registration is cancelled.")
    except Busy:
        raise  # answered by @answers_busy: 503, not a flash
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("registration.organiser_registration", registration_id=registration_id))


@bp.post("/organiser/<int:registration_id>/approve")
@roles_required(Role.ORGANISER)
@answers_busy
def organiser_approve(registration_id: int) -> ResponseReturnValue:
    return _organiser_action(registration_id, "approve")


@bp.post("/organiser/<int:registration_id>/reject")
@roles_required(Role.ORGANISER)
@answers_busy
def organiser_reject(registration_id: int) -> ResponseReturnValue:
    return _organiser_action(registration_id, "reject")


@bp.post("/organiser/<int:registration_id>/cancel")
@roles_required(Role.ORGANISER)
@answers_busy
def organiser_cancel(registration_id: int) -> ResponseReturnValue:
    registration = db.get_or_404(Registration, registration_id)
    if ConfirmForm().validate_on_submit() and not is_confirmed():
        refund = refund_preview(registration, reason="organiser")
        consequences = [_("Their place (and any seat they booked) goes to the next person waiting; they are mailed.")]
        if refund is not None:
            consequences.append(_("A refund of %(amount)s is due (everything paid: the organisers cancel).",
                                  amount=euro(refund.amount_cents)))
        return confirmation_page(
            heading=_("Cancel the registration of %(name)s?", name=registration.full_name),
            consequences=consequences, button=_("Cancel this registration"),
            cancel_url=url_for("registration.organiser_registration", registration_id=registration_id))
    return _organiser_action(registration_id, "cancel")


@bp.post("/organiser/<int:registration_id>/payment")
@roles_required(Role.ORGANISER)
@answers_busy
def organiser_payment(registration_id: int) -> ResponseReturnValue:
    registration = db.get_or_404(Registration, registration_id)
    form = PaymentForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        set_payment_status(
            registration=registration, status=PaymentStatus(form.payment_status.data), actor=current_user,
            seen=PaymentStatus(form.seen_status.data) if form.seen_status.data else None,
        )
    except StatusChanged as exc:
        db.session.rollback()
        flash(exc.message, "error")  # the page shows the status as it is now
    else:
        db.session.commit()
        flash(_("The payment status is saved."), "success")
    return redirect(url_for("registration.organiser_registration", registration_id=registration_id))


@bp.route("/organiser/settings", methods=["GET", "POST"])
@roles_required(Role.ORGANISER)
@answers_busy
def organiser_settings() -> ResponseReturnValue:
    settings = conference_settings()
    form = OnsiteCapForm(obj=settings)
    if form.validate_on_submit():
        set_onsite_cap(cap=form.onsite_cap.data, actor=current_user)
        db.session.commit()
        flash(_("The onsite cap is saved."), "success")
        return redirect(url_for("registration.organiser_categories"))
    return render_template("registration/organiser_settings.html", form=form, settings=settings), (
        422 if form.errors else 200
    )


@bp.get("/organiser/categories")
@roles_required(Role.ORGANISER)
def organiser_categories() -> ResponseReturnValue:
    return render_template(
        "registration/category_list.html",
        offers=category_offers(),
        settings=conference_settings(),
    )


def _conference_time(value: datetime | None) -> datetime | None:
    """A wall-clock time from the form, in the conference zone."""
    return value.replace(tzinfo=conference_zone()) if value else None


def _category_values(form: CategoryForm) -> dict[str, object]:
    return {
        "code": form.code.data.strip(),
        "name": form.name.data.strip(),
        "name_nl": (form.name_nl.data or "").strip(),
        "description": form.description.data or "",
        "attendance": Attendance(form.attendance.data),
        "fee_cents": cents(form.fee.data) or 0,
        "early_fee_cents": cents(form.early_fee.data),
        "early_deadline": form.early_deadline.data,
        "opens_at": _conference_time(form.opens_at.data),
        "closes_at": _conference_time(form.closes_at.data),
        "capacity": form.capacity.data,
        "moderated": bool(form.moderated.data),
        "access_code": (form.access_code.data or "").strip(),
        "sort_order": form.sort_order.data or 0,
    }


@bp.route("/organiser/categories/new", methods=["GET", "POST"], defaults={"category_id": None})
@bp.route("/organiser/categories/<int:category_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ORGANISER)
@answers_busy
def organiser_category_edit(category_id: int | None) -> ResponseReturnValue:
    category = db.get_or_404(RegistrationCategory, category_id) if category_id else None
    form = CategoryForm(obj=category)
    if category is not None and request.method == "GET":
        form.fee.data = category.fee_cents / 100
        form.early_fee.data = None if category.early_fee_cents is None else category.early_fee_cents / 100
        form.attendance.data = category.attendance.value
        form.opens_at.data = to_local(category.opens_at).replace(tzinfo=None) if category.opens_at else None
        form.closes_at.data = to_local(category.closes_at).replace(tzinfo=None) if category.closes_at else None
    if form.validate_on_submit():
        try:
            save_category(actor=current_user, category=category, **_category_values(form))
        except Busy:
            raise  # answered by @answers_busy: 503, not a form error
        except DomainError as exc:
            db.session.rollback()
            form.code.errors = [*form.code.errors, exc.message]
        else:
            db.session.commit()
            flash(_("The category is saved."), "success")
            return redirect(url_for("registration.organiser_categories"))
    status = 422 if form.errors else 200
    return render_template("registration/category_form.html", form=form, category=category), status
