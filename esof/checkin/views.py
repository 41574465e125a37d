"""Check-in pages: scanning at doors (check-in staff), live occupancy, printable badges."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from esof import access
from esof.accounts.auth import roles_required
from esof.accounts.models import Role
from esof.checkin import badges as badge_sheet
from esof.checkin import offline, panels, services
from esof.checkin.forms import BadgeFilterForm, DoorForm, ScanForm, SearchForm
from esof.checkin.models import Direction
from esof.errors import DomainError
from esof.extensions import db
from esof.form_choices import choices
from esof.registration.models import Attendance, Registration, RegistrationCategory
from esof.registration.queries import RegistrationFilters, filtered_registrations
from esof.registration.services import list_categories, ticket_token

bp = Blueprint("checkin", __name__, url_prefix="/checkin")

MAX_BADGES = 1000
BADGE_PREVIEW = 50


# --- scanning -------------------------------------------------------------------------------

ANSWER_KEY = "checkin_answer"  # the last form scan's panel, shown once after the redirect


def _index_page(scan_form: ScanForm | None = None, panel: panels.Panel | None = None,
                status: int = 200) -> ResponseReturnValue:
    doors = services.list_doors()
    door_form = DoorForm(request.args if request.method == "GET" else None)
    door_form.door.choices = choices([("", _("Choose a door…")), *((d.key, d.label) for d in doors)])
    door_key = request.args.get("door") or (scan_form.door.data if scan_form else "")
    direction = request.args.get("direction") or (scan_form.direction.data if scan_form else "in")
    door_form.door.data, door_form.direction.data = door_key, direction
    door = next((d for d in doors if d.key == door_key), None)
    if direction not in {d.value for d in Direction}:
        direction = Direction.IN.value
    search_form = SearchForm(request.args if request.method == "GET" else None)
    results = services.search_registrations(search_form.q.data or "") if door and search_form.q.data else []
    scan_form = scan_form or ScanForm(door=door_key, direction=direction)
    if panel is None and request.method == "GET":
        kept = session.pop(ANSWER_KEY, None)
        panel = kept.get("panel") if isinstance(kept, dict) and kept.get("door") == door_key else None
    return render_template(
        "checkin/checkin_index.html", door_form=door_form, door=door, direction=direction,
        search_form=search_form, results=results, scan_form=scan_form, panel=panel,
        offline_words=panels.offline_words() if door else {},
        recent=services.recent_scans(door) if door else [], present=services.door_present(door) if door else 0,
        warning_message=services.warning_message,
    ), status


@bp.get("/")
@roles_required(Role.CHECKIN, Role.ORGANISER)
def checkin_index() -> ResponseReturnValue:
    return _index_page()


def _scan(door_key: str, direction: Any, token: str | None, registration_id: int | None) -> services.ScanResult:
    return services.record_scan(
        door=services.find_door(door_key), direction=services.parse_direction(direction),
        staff=current_user._get_current_object(), token=token, registration_id=registration_id,
    )


@bp.post("/scan")
@roles_required(Role.CHECKIN, Role.ORGANISER)
def scan_submit() -> ResponseReturnValue:
    """The form flow (typed or pasted code, hand scanner, name search); no JavaScript needed."""
    form = ScanForm()
    if not form.validate_on_submit():
        return _index_page(form, panels.not_recorded(_("The scan could not be read. Please try again.")), 422)
    try:
        result = _scan(form.door.data, form.direction.data, form.code.data or form.token.data,
                       form.registration_id.data)
    except DomainError as exc:
        db.session.rollback()
        return _index_page(form, panels.for_error(exc), status=422)
    db.session.commit()
    # The answer goes under the code field of the page we redirect to (the form's action
    # carries #scan-form, which the browser keeps across the redirect, so it is in view).
    session[ANSWER_KEY] = {"door": result.door.key, "panel": panels.for_result(result)}
    return redirect(url_for("checkin.checkin_index", door=result.door.key, direction=result.check_in.direction.value))


@bp.post("/scan.json")
@roles_required(Role.CHECKIN, Role.ORGANISER)
def scan_json() -> ResponseReturnValue:
    """The camera scanner's endpoint: JSON in and out, CSRF token in the X-CSRFToken header."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify(ok=False, error="ValidationFailed", reason=_("Send a JSON object.")), 400
    try:
        code = data.get("code") or data.get("token") or ""
        result = _scan(str(data.get("door") or ""), data.get("direction"), str(code), None)
    except DomainError as exc:
        db.session.rollback()
        return jsonify(ok=False, error=type(exc).__name__, reason=exc.message,
                       panel=panels.for_error(exc)), exc.status_code
    db.session.commit()
    return jsonify(ok=True, **result.as_dict(), panel=panels.for_result(result))


# --- offline scanning (the installable door app) ------------------------------------------

STATIC_CHECKIN = Path(__file__).resolve().parent.parent / "static" / "checkin"


@bp.get("/door-list.json")
@roles_required(Role.CHECKIN, Role.ORGANISER)
def door_list_json() -> ResponseReturnValue:
    """What a scanner keeps for answering offline, and a fresh CSRF token for its next sync
    (the cached page's token may be hours old). Kept in IndexedDB, never in an HTTP cache."""
    response = jsonify(csrf=generate_csrf(), **offline.door_list())
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/sync")
@roles_required(Role.CHECKIN, Role.ORGANISER)
def sync() -> ResponseReturnValue:
    """A scanner's queued offline scans: {"scans": [{client_id, code, scanned_at, door,
    direction}, ...]}; one answer per scan: accepted, duplicate or refused with a reason."""
    data = request.get_json(silent=True)
    scans = data.get("scans") if isinstance(data, dict) else None
    if not isinstance(scans, list):
        return jsonify(ok=False, error="ValidationFailed", reason=_("Send a JSON object with a list of scans.")), 400
    if len(scans) > offline.MAX_BATCH:
        return jsonify(ok=False, error="ValidationFailed",
                       reason=_("Send at most %(max)s scans at a time.", max=offline.MAX_BATCH)), 400
    answers = offline.sync_scans(scans, staff=current_user._get_current_object())
    db.session.commit()
    response = jsonify(ok=True, items=[answer.as_dict() for answer in answers])
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/sw.js")
@access.public
def service_worker() -> ResponseReturnValue:
    """The door app's service worker, served under /checkin/ so that its scope is /checkin/."""
    response = send_from_directory(STATIC_CHECKIN, "sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/checkin/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
@access.public
def manifest() -> ResponseReturnValue:
    icons = [{"src": url_for("static", filename=f"checkin/icon-{size}.png"), "sizes": f"{size}x{size}",
              "type": "image/png", "purpose": "any maskable"} for size in (192, 512)]
    response = jsonify(
        name=_("%(conference)s door scanner", conference=current_app.config["CONFERENCE_NAME"]),
        short_name=_("Door scanner"), start_url=url_for("checkin.checkin_index"),
        scope=url_for("checkin.checkin_index"),
        display="standalone", orientation="portrait", background_color="#ffffff", theme_color="#1d3557",
        icons=icons, lang=str(get_locale() or "en"),
    )
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


# --- occupancy --------------------------------------------------------------------------------

@bp.get("/occupancy")
@roles_required(Role.ORGANISER, Role.CHECKIN)
def occupancy() -> ResponseReturnValue:
    return render_template("checkin/occupancy_index.html", report=services.occupancy_report(),
                           refresh_seconds=current_app.config.get("CHECKIN_OCCUPANCY_REFRESH", 10))


@bp.get("/occupancy.json")
@roles_required(Role.ORGANISER, Role.CHECKIN)
def occupancy_json() -> ResponseReturnValue:
    doors = []
    for venue in services.occupancy_report():
        doors.append(venue.venue.as_dict())
        doors.extend(room.as_dict() for room in venue.rooms)
    response = jsonify(items=doors, total=len(doors), next=None)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- badges -----------------------------------------------------------------------------------

def _badge_filters() -> tuple[BadgeFilterForm, sa.Select]:
    form = BadgeFilterForm(request.args)
    categories = list_categories()
    form.category.choices = choices([("", _("Every category")), *((c.code, c.name) for c in categories)])
    if "status" not in request.args:
        form.status.data = form.status.default
    filters = RegistrationFilters(q=form.q.data or "", category=form.category.data or "",
                                  status=form.status.data or "", payment=form.payment.data or "")
    stmt = (
        filtered_registrations(filters)
        .where(RegistrationCategory.attendance == Attendance.ONSITE)
        .order_by(None)
        .order_by(sa.func.lower(Registration.last_name), sa.func.lower(Registration.first_name), Registration.id)
    )
    return form, stmt


@bp.get("/badges")
@roles_required(Role.ORGANISER)
def badge_index() -> ResponseReturnValue:
    form, stmt = _badge_filters()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
    preview = list(db.session.scalars(stmt.limit(BADGE_PREVIEW)).unique())
    return render_template("checkin/badge_index.html", form=form, total=total, preview=preview,
                           max_badges=MAX_BADGES, pdf_args=request.args.to_dict())


@bp.get("/badges.pdf")
@roles_required(Role.ORGANISER)
def badge_pdf() -> ResponseReturnValue:
    _form, stmt = _badge_filters()
    registrations = list(db.session.scalars(stmt.limit(MAX_BADGES + 1)).unique())
    if len(registrations) > MAX_BADGES:
        flash(_("More than %(max)s badges: please narrow the filter.", max=MAX_BADGES), "error")
        # The filter's query args go back as URL values; mypy objects that a key could be one of
        # url_for's own options (_external, _scheme...), which no form here uses.
        return redirect(url_for("checkin.badge_index", **request.args.to_dict()))  # type: ignore[arg-type]
    pdf = badge_sheet.render_badges(
        badge_sheet.badges_for(registrations, token_for=ticket_token, language=str(get_locale() or "en")),
        conference=current_app.config["CONFERENCE_NAME"], title=_("Badges"),
    )
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": 'inline; filename="esof-badges.pdf"', "Cache-Control": "no-store",
    })
