"""Registration pages: delegates register and manage their registration; organisers run it."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from functools import partial, wraps
from typing import Any
from urllib.parse import urlsplit

import qrcode
import qrcode.image.svg
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_currency, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from esof.accounts.auth import check_password, is_safe_redirect, roles_required
from esof.accounts.models import Role
from esof.errors import Busy, DomainError, busy_on_lock_timeout, wants_json
from esof.extensions import db
from esof.form_choices import choices
from esof.i18n import to_local
from esof.registration import queries, services
from esof.registration.countries import country_choices, country_name
from esof.registration.forms import (
    CategoryForm,
    ConfirmForm,
    EraseAccountForm,
    OnsiteCapForm,
    PaymentForm,
    ProfileForm,
    RegistrationForm,
    cents,
)
from esof.registration.models import (
    Attendance,
    PaymentStatus,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
)

bp = Blueprint("registration", __name__, url_prefix="/registration")

PAGE_SIZE = 50
# Seconds a client should wait before sending again a request that found the database busy.
RETRY_AFTER = "1"


@bp.app_template_filter("euro")
def euro(cents_value: int | None) -> str:
    return "" if cents_value is None else format_currency(cents_value / 100, "EUR")


@bp.app_template_filter("country_name")
def country_name_filter(code: str) -> str:
    return country_name(code, _language()) if code else ""


def _language() -> str:
    return str(get_locale() or "en")


def _profile_from(form: ProfileForm | RegistrationForm) -> services.DelegateProfile:
    return services.DelegateProfile(
        first_name=form.first_name.data or "",
        last_name=form.last_name.data or "",
        affiliation=form.affiliation.data or "",
        country=form.country.data or "",
        dietary_needs=form.dietary_needs.data or "",
        accessibility_needs=form.accessibility_needs.data or "",
        public_listing=bool(form.public_listing.data),
    )


def _country_choices() -> list:
    return choices([("", _("Choose a country")), *country_choices(_language())])


ERROR_FIELDS = {
    services.UnknownCategory: "category",
    services.CategoryClosed: "category",
    services.CategoryNotOpen: "category",
    services.WrongAccessCode: "access_code",
    services.ConsentMissing: "consent",
    services.UnknownCountry: "country",
}


def _show_error(form: RegistrationForm | ProfileForm, error: DomainError) -> None:
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


def _busy(exc: Busy, page: Callable[[], str]) -> ResponseReturnValue:
    """503 with Retry-After: a row lock was not granted in time, nothing was saved. JSON for
    API clients, otherwise `page` (a friendly page, never the error page)."""
    db.session.rollback()
    headers = {"Retry-After": RETRY_AFTER}
    if wants_json():
        return jsonify(ok=False, error="Busy", message=exc.message), 503, headers
    return page(), 503, headers


def _busy_page(message: str) -> str:
    # Back to the page the form was on, when that page is on this site.
    referrer = urlsplit(request.referrer or "")
    back = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    if referrer.netloc != request.host or not is_safe_redirect(back):
        back = url_for("main.home")
    return render_template("registration/busy.html", message=message, back=back)


def answers_busy(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """A lock wait past DATABASE_LOCK_TIMEOUT_MS, in a service or at commit, answers 503."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        try:
            with busy_on_lock_timeout():
                return view(*args, **kwargs)
        except Busy as exc:
            return _busy(exc, partial(_busy_page, exc.message))

    return wrapper


# --- delegates ---------------------------------------------------------------------------

@bp.route("/", methods=["GET", "POST"])
@login_required
def registration_form() -> ResponseReturnValue:
    if not current_user.is_verified:
        return render_template("registration/registration_unverified.html"), 403
    existing = services.active_registration_for(current_user)
    if existing is not None:
        if request.method == "POST":
            flash(_("You are already registered; nothing was changed."), "info")
        return redirect(url_for("registration.registration_detail", registration_id=existing.id))
    offers = services.category_offers()
    form = RegistrationForm()
    form.category.choices = choices((o.category.code, o.category.code) for o in offers)
    form.country.choices = _country_choices()
    if form.validate_on_submit():
        try:
            with busy_on_lock_timeout():
                registration = services.register_delegate(
                    user=current_user,
                    category_code=form.category.data,
                    profile=_profile_from(form),
                    consent=bool(form.consent.data),
                    access_code=form.access_code.data or "",
                )
                db.session.commit()
        except services.AlreadyRegistered:
            db.session.rollback()  # a racing double submit: the first one won
            flash(_("You are already registered; nothing was changed."), "info")
            return redirect(url_for("registration.registration_form"))
        except Busy as exc:
            # The filled-in form again, so sending it once more is one click.
            form.form_errors.append(
                _("Many people are registering at this moment and yours could not be saved in time. "
                  "Nothing was saved: please send the form again.")
            )
            return _busy(exc, lambda: render_template(
                "registration/registration_form.html", form=form, offers=offers, language=_language()
            ))
        except DomainError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            flash(_status_message(registration), "success")
            return redirect(url_for("registration.registration_detail", registration_id=registration.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "registration/registration_form.html", form=form, offers=offers, language=_language()
    ), status


def _status_message(registration: Registration) -> str:
    if registration.status == RegistrationStatus.CONFIRMED:
        return _("You are registered. We sent you a confirmation by email.")
    if registration.status == RegistrationStatus.AWAITING_APPROVAL:
        return _("Thank you. An organiser will review your registration.")
    return _("This category is full. You are on the waiting list; we will mail you when a place frees up.")


@bp.get("/<int:registration_id>")
@login_required
def registration_detail(registration_id: int) -> ResponseReturnValue:
    registration = _own_registration(registration_id)
    return render_template(
        "registration/registration_detail.html",
        registration=registration,
        rank=services.waitlist_rank(registration),
        category_name=registration.category.label(_language()),
        cancel_form=ConfirmForm(),
    )


@bp.route("/<int:registration_id>/edit", methods=["GET", "POST"])
@login_required
@answers_busy
def registration_edit(registration_id: int) -> ResponseReturnValue:
    registration = _own_registration(registration_id)
    if not registration.is_active:
        abort(404)
    form = ProfileForm(obj=registration)
    form.country.choices = _country_choices()
    if form.validate_on_submit():
        try:
            services.update_profile(registration=registration, profile=_profile_from(form), actor=current_user)
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
@answers_busy
def registration_cancel(registration_id: int) -> ResponseReturnValue:
    registration = _own_registration(registration_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.cancel_registration(registration=registration, actor=current_user)
    except Busy:
        raise  # answered by @answers_busy: 503, not a flash
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Your registration is cancelled."), "success")
    return redirect(url_for("registration.registration_detail", registration_id=registration.id))


def _confirmed_registration() -> Registration:
    registration = services.active_registration_for(current_user)
    if registration is None or registration.status != RegistrationStatus.CONFIRMED:
        abort(404)
    return registration


@bp.get("/ticket")
@login_required
def ticket_detail() -> ResponseReturnValue:
    registration = services.active_registration_for(current_user)
    if registration is None or registration.status != RegistrationStatus.CONFIRMED:
        return render_template("registration/ticket_missing.html", registration=registration), 404
    response = Response(
        render_template(
            "registration/ticket_detail.html",
            registration=registration,
            category_name=registration.category.label(_language()),
            token=services.ticket_token(registration),
            reissue_form=ConfirmForm(),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/ticket.svg")
@login_required
def ticket_qr() -> ResponseReturnValue:
    registration = _confirmed_registration()
    image = qrcode.make(
        services.ticket_token(registration),
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=10,
        border=4,
    )
    response = Response(image.to_string(encoding="unicode"), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/ticket/reissue")
@login_required
@answers_busy
def ticket_reissue() -> ResponseReturnValue:
    registration = _confirmed_registration()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.reissue_ticket(registration=registration, actor=current_user)
    db.session.commit()
    flash(_("You have a new ticket. The old one no longer works."), "success")
    return redirect(url_for("registration.ticket_detail"))


@bp.get("/privacy")
@login_required
def privacy() -> ResponseReturnValue:
    return render_template(
        "registration/privacy.html",
        form=EraseAccountForm(),
        version=current_app.config["PRIVACY_STATEMENT_VERSION"],
    )


@bp.get("/privacy/export.json")
@login_required
def privacy_export() -> ResponseReturnValue:
    data = services.export_personal_data(current_user)
    response = Response(json.dumps(data, indent=2, ensure_ascii=False), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="esof2022-my-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/privacy/erase")
@login_required
@answers_busy
def account_erase() -> ResponseReturnValue:
    form = EraseAccountForm()
    if form.validate_on_submit():
        if not check_password(current_user, form.password.data):
            form.password.errors.append(_("The password is not correct."))
        else:
            services.erase_account(user=current_user)
            db.session.commit()
            logout_user()
            flash(_("Your account and personal data are deleted."), "success")
            return redirect(url_for("main.home"))
    version = current_app.config["PRIVACY_STATEMENT_VERSION"]
    return render_template("registration/privacy.html", form=form, version=version), 422


# --- organisers --------------------------------------------------------------------------

def _filters() -> queries.RegistrationFilters:
    args = request.args
    return queries.RegistrationFilters(
        q=args.get("q", "")[:200],
        category=args.get("category", "")[:40],
        status=args.get("status", "")[:30],
        payment=args.get("payment", "")[:20],
        country=args.get("country", "")[:2],
    )


@bp.get("/organiser/")
@roles_required(Role.ORGANISER)
def organiser_registrations() -> ResponseReturnValue:
    filters = _filters()
    page = db.paginate(
        queries.filtered_registrations(filters), per_page=PAGE_SIZE, max_per_page=PAGE_SIZE, error_out=False
    )
    categories = services.list_categories()
    return render_template(
        "registration/organiser_list.html",
        page=page,
        filters=filters,
        categories=categories,
        counts=queries.counts_by_category_and_status(),
        statuses=list(RegistrationStatus),
        payments=list(PaymentStatus),
        countries=country_choices(_language()),
        settings=services.conference_settings(),
    )


CSV_COLUMNS = (
    "id", "payment_reference", "first_name", "last_name", "email", "affiliation", "country",
    "category", "attendance", "status", "waitlist_number", "amount_due_eur", "payment_status",
    "paid_at", "dietary_needs", "accessibility_needs", "public_listing", "consent_version",
    "registered_at",
)


def _csv_safe(value: object) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas; prefix them."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_row(registration: Registration) -> list[str]:
    values = (
        registration.id, registration.payment_reference, registration.first_name, registration.last_name,
        registration.user.email if registration.user else "", registration.affiliation, registration.country,
        registration.category.code, registration.attendance.value, registration.status.value,
        registration.waitlist_position or "", f"{registration.amount_due_cents / 100:.2f}",
        registration.payment_status.value,
        to_local(registration.paid_at).isoformat() if registration.paid_at else "",
        registration.dietary_needs, registration.accessibility_needs,
        "yes" if registration.public_listing else "no", registration.consent_version,
        to_local(registration.created_at).isoformat(),
    )
    return [_csv_safe(v) for v in values]


@bp.get("/organiser/export.csv")
@roles_required(Role.ORGANISER)
def organiser_export() -> ResponseReturnValue:
    stmt = queries.filtered_registrations(_filters()).execution_options(yield_per=500)

    def generate() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for registration in db.session.scalars(stmt):
            writer.writerow(_csv_row(registration))
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="esof2022-registrations.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/organiser/<int:registration_id>")
@roles_required(Role.ORGANISER)
def organiser_registration(registration_id: int) -> ResponseReturnValue:
    registration = db.get_or_404(Registration, registration_id)
    form = PaymentForm(payment_status=registration.payment_status.value)
    return render_template(
        "registration/organiser_detail.html",
        registration=registration,
        rank=services.waitlist_rank(registration),
        payment_form=form,
        action_form=ConfirmForm(),
    )


def _organiser_action(registration_id: int, action: str) -> ResponseReturnValue:
    registration = db.get_or_404(Registration, registration_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        if action == "approve":
            services.approve_registration(registration=registration, actor=current_user)
            message = _("The registration is approved.")
        elif action == "reject":
            services.reject_registration(registration=registration, actor=current_user)
            message = _("The registration is rejected.")
        else:
            services.cancel_registration(registration=registration, actor=current_user, reason="organiser")
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
        services.set_payment_status(
            registration=registration, status=PaymentStatus(form.payment_status.data), actor=current_user,
            seen=PaymentStatus(form.seen_status.data) if form.seen_status.data else None,
        )
    except services.StatusChanged as exc:
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
    settings = services.conference_settings()
    form = OnsiteCapForm(obj=settings)
    if form.validate_on_submit():
        services.set_onsite_cap(cap=form.onsite_cap.data, actor=current_user)
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
        offers=services.category_offers(),
        settings=services.conference_settings(),
    )


def _category_values(form: CategoryForm) -> dict[str, object]:
    from esof.i18n import conference_zone

    def aware(value):  # noqa: ANN001, ANN202  (a local wall-clock time from the form)
        return value.replace(tzinfo=conference_zone()) if value else None

    return {
        "code": form.code.data.strip(),
        "name": form.name.data.strip(),
        "name_nl": (form.name_nl.data or "").strip(),
        "description": form.description.data or "",
        "attendance": Attendance(form.attendance.data),
        "fee_cents": cents(form.fee.data) or 0,
        "early_fee_cents": cents(form.early_fee.data),
        "early_deadline": form.early_deadline.data,
        "opens_at": aware(form.opens_at.data),
        "closes_at": aware(form.closes_at.data),
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
            services.save_category(actor=current_user, category=category, **_category_values(form))
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


def count_total(counts: dict[int, dict[RegistrationStatus, int]], status: RegistrationStatus) -> int:
    return sum(per.get(status, 0) for per in counts.values())


bp.add_app_template_global(count_total, "registration_count_total")
