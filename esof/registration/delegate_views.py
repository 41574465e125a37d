"""Delegates' pages: register, see and change their registration, cancel it, the ticket, and
their personal data (export, erasure)."""
from __future__ import annotations

import json

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from esof import access
from esof.accounts.auth import check_password
from esof.errors import Busy, DomainError, busy_on_lock_timeout
from esof.extensions import db
from esof.form_choices import choices
from esof.registration.billing_errors import BillingInvalid
from esof.registration.blueprint import answers_busy, bp, busy_response, page_language
from esof.registration.categories import category_offers
from esof.registration.countries import country_choices
from esof.registration.delegates import (
    DelegateProfile,
    active_registration_for,
    cancel_registration,
    register_delegate,
    update_profile,
)
from esof.registration.errors import (
    AlreadyRegistered,
    AnswersInvalid,
    CategoryClosed,
    CategoryNotOpen,
    ConsentMissing,
    UnknownCategory,
    UnknownCountry,
    VoucherRefused,
    WrongAccessCode,
)
from esof.registration.forms import ConfirmForm, EraseAccountForm, ProfileForm, RegistrationForm
from esof.registration.gdpr import erase_account, export_personal_data
from esof.registration.models import Registration, RegistrationStatus
from esof.registration.queries import demo_notice, waitlist_rank
from esof.registration.question_views import billing_input, raw_answers, show_billing_error
from esof.registration.questions import check_answers, list_questions
from esof.registration.tickets import has_ticket, reissue_ticket, ticket_code, ticket_qr_svg, ticket_token
from esof.registration.vouchers import Price, usable_voucher, voucher_price


def _profile_from(form: ProfileForm | RegistrationForm) -> DelegateProfile:
    return DelegateProfile(
        first_name=form.first_name.data or "",
        last_name=form.last_name.data or "",
        affiliation=form.affiliation.data or "",
        country=form.country.data or "",
        dietary_needs=form.dietary_needs.data or "",
        accessibility_needs=form.accessibility_needs.data or "",
        public_listing=bool(form.public_listing.data),
    )


def _country_choices() -> list:
    return choices([("", _("Choose a country")), *country_choices(page_language())])


ERROR_FIELDS = {
    UnknownCategory: "category",
    CategoryClosed: "category",
    CategoryNotOpen: "category",
    WrongAccessCode: "access_code",
    ConsentMissing: "consent",
    UnknownCountry: "country",
    VoucherRefused: "voucher",
}


def _show_error(form: RegistrationForm | ProfileForm, error: DomainError) -> None:
    if isinstance(error, BillingInvalid) and show_billing_error(form, error):
        return
    name = next((f for cls, f in ERROR_FIELDS.items() if isinstance(error, cls)), None)
    if name is not None and name in form:
        form[name].errors = [*form[name].errors, error.message]
    else:
        form.form_errors.append(error.message)


def _own_registration(registration_id: int) -> Registration:
    registration = db.get_or_404(Registration, registration_id)
    if registration.user_id != current_user.id:
        abort(404)  # someone else's registration does not exist for you
    return registration


def _status_message(registration: Registration) -> str:
    if registration.status == RegistrationStatus.CONFIRMED:
        return _("You are registered. We sent you a confirmation by email.")
    if registration.status == RegistrationStatus.AWAITING_APPROVAL:
        return _("Thank you. An organiser will review your registration.")
    return _("This category is full. You are on the waiting list; we will mail you when a place frees up.")


def _voucher_preview(form: RegistrationForm, offers: list) -> Price | None:
    """The fee with the typed voucher for the chosen category, without saving anything; a
    refused code gets its reason on the field."""
    offer = next((o for o in offers if o.category.code == form.category.data), None)
    if offer is None:
        form.category.errors = [*form.category.errors, _("Please choose a category.")]
        return None
    try:
        voucher = usable_voucher(form.voucher.data or "", category_id=offer.category.id)
    except VoucherRefused as exc:
        form.voucher.errors = [*form.voucher.errors, exc.message]
        return None
    return voucher_price(voucher, offer.fee_cents)


def _answer_problems(questions: list, values: dict[int, list[str]], offers: list, code: str) -> dict[int, str]:
    """The answers' problems too, when the service refused the form for another reason
    first, so the delegate sees everything to mend at once."""
    offer = next((o for o in offers if o.category.code == code), None)
    if offer is None:
        return {}
    try:
        check_answers(questions, values, category_id=offer.category.id)
    except AnswersInvalid as exc:
        return exc.problems
    return {}


@bp.route("/", methods=["GET", "POST"])
@login_required
@access.login
def registration_form() -> ResponseReturnValue:
    if not current_user.is_verified:
        return render_template("registration/registration_unverified.html"), 403
    existing = active_registration_for(current_user)
    if existing is not None:
        if request.method == "POST":
            flash(_("You are already registered; nothing was changed."), "info")
        return redirect(url_for("registration.registration_detail", registration_id=existing.id))
    offers = category_offers()
    questions = list_questions()
    form = RegistrationForm()
    form.category.choices = choices((o.category.code, o.category.code) for o in offers)
    form.country.choices = _country_choices()
    values = raw_answers(request.form, questions) if request.method == "POST" else {}
    page: dict[str, object] = {
        "form": form, "offers": offers, "language": page_language(), "demo_notice": demo_notice(),
        "questions": questions, "values": values, "problems": {}, "preview": None,
    }

    def render(status: int = 200) -> tuple[str, int]:
        return render_template("registration/registration_form.html", **page), status

    if request.method == "POST" and request.form.get("preview"):
        # "Show the fee": only the CSRF token, the category and the voucher count here.
        form.validate()
        for field in form:
            if field.name not in ("csrf_token", "voucher"):
                field.errors = []
        page["preview"] = None if form.csrf_token.errors else _voucher_preview(form, offers)
        return render(422 if form.errors else 200)
    if form.validate_on_submit():
        try:
            with busy_on_lock_timeout():
                registration = register_delegate(
                    user=current_user,
                    category_code=form.category.data,
                    profile=_profile_from(form),
                    consent=bool(form.consent.data),
                    access_code=form.access_code.data or "",
                    voucher_code=form.voucher.data or "",
                    answers=values,
                    billing=billing_input(form),
                )
                db.session.commit()
        except AlreadyRegistered:
            db.session.rollback()  # a racing double submit: the first one won
            flash(_("You are already registered; nothing was changed."), "info")
            return redirect(url_for("registration.registration_form"))
        except Busy as exc:
            # The filled-in form again, so sending it once more is one click.
            form.form_errors.append(
                _("Many people are registering at this moment and yours could not be saved in time. "
                  "Nothing was saved: please send the form again.")
            )
            return busy_response(exc, lambda: render()[0])
        except AnswersInvalid as exc:
            db.session.rollback()
            page["problems"] = exc.problems
            form.form_errors.append(exc.message)
        except DomainError as exc:
            db.session.rollback()
            _show_error(form, exc)
            page["problems"] = _answer_problems(questions, values, offers, form.category.data)
        else:
            flash(_status_message(registration), "success")
            return redirect(url_for("registration.registration_detail", registration_id=registration.id))
    return render(422 if form.errors or form.form_errors else 200)


@bp.get("/<int:registration_id>")
@login_required
@access.owner("registration", check="Registration.user_id is the current user, else 404 (_own_registration)")
def registration_detail(registration_id: int) -> ResponseReturnValue:
    registration = _own_registration(registration_id)
    return render_template(
        "registration/registration_detail.html",
        registration=registration,
        rank=waitlist_rank(registration),
        category_name=registration.category.label(page_language()),
        cancel_form=ConfirmForm(),
    )


@bp.route("/<int:registration_id>/edit", methods=["GET", "POST"])
@login_required
@access.owner("registration", check="Registration.user_id is the current user and the registration active, "
                                     "else 404 (_own_registration)")
@answers_busy
def registration_edit(registration_id: int) -> ResponseReturnValue:
    registration = _own_registration(registration_id)
    if not registration.is_active:
        abort(404)
    form = ProfileForm(obj=registration)
    form.country.choices = _country_choices()
    if form.validate_on_submit():
        try:
            update_profile(registration=registration, profile=_profile_from(form), actor=current_user)
        except Busy:
            raise  # answered by @answers_busy: 503, not a form error
        except DomainError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Your details are saved."), "success")
            return redirect(url_for("registration.registration_detail", registration_id=registration.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("registration/registration_edit.html", form=form, registration=registration), status


@bp.post("/<int:registration_id>/cancel")
@login_required
@access.owner("registration", check="Registration.user_id is the current user, else 404 (_own_registration)")
@answers_busy
def registration_cancel(registration_id: int) -> ResponseReturnValue:
    registration = _own_registration(registration_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        cancel_registration(registration=registration, actor=current_user)
    except Busy:
        raise  # answered by @answers_busy: 503, not a flash
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Your registration is cancelled."), "success")
    return redirect(url_for("registration.registration_detail", registration_id=registration.id))


def _ticket_registration() -> Registration:
    registration = active_registration_for(current_user)
    if not has_ticket(registration):
        abort(404)
    return registration


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/ticket")
@login_required
@access.login
def ticket_detail() -> ResponseReturnValue:
    registration = active_registration_for(current_user)
    if not has_ticket(registration):
        return render_template("registration/ticket_missing.html", registration=registration), 404
    return _no_store(Response(
        render_template(
            "registration/ticket_detail.html",
            registration=registration,
            category_name=registration.category.label(page_language()),
            code=ticket_code(registration),
            token=ticket_token(registration),
            reissue_form=ConfirmForm(),
        )
    ))


@bp.get("/ticket.svg")
@login_required
@access.login
def ticket_qr() -> ResponseReturnValue:
    registration = _ticket_registration()
    return _no_store(Response(ticket_qr_svg(registration), mimetype="image/svg+xml"))


@bp.post("/ticket/reissue")
@login_required
@access.login
@answers_busy
def ticket_reissue() -> ResponseReturnValue:
    registration = _ticket_registration()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    reissue_ticket(registration=registration, actor=current_user)
    db.session.commit()
    flash(_("You have a new ticket. The old one no longer works."), "success")
    return redirect(url_for("registration.ticket_detail"))


@bp.get("/privacy")
@login_required
@access.login
def privacy() -> ResponseReturnValue:
    return render_template(
        "registration/privacy.html",
        form=EraseAccountForm(),
        version=current_app.config["PRIVACY_STATEMENT_VERSION"],
    )


@bp.get("/privacy/export.json")
@login_required
@access.login
def privacy_export() -> ResponseReturnValue:
    data = export_personal_data(current_user)
    response = Response(json.dumps(data, indent=2, ensure_ascii=False), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="esof2022-my-data.json"'
    return _no_store(response)


@bp.post("/privacy/erase")
@login_required
@access.login
@answers_busy
def account_erase() -> ResponseReturnValue:
    form = EraseAccountForm()
    if form.validate_on_submit():
        if not check_password(current_user, form.password.data):
            form.password.errors.append(_("The password is not correct."))
        else:
            erase_account(user=current_user)
            db.session.commit()
            logout_user()
            flash(_("Your account and personal data are deleted."), "success")
            return redirect(url_for("main.home"))
    version = current_app.config["PRIVACY_STATEMENT_VERSION"]
    return render_template("registration/privacy.html", form=form, version=version), 422
