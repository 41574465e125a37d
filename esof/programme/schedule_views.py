"""The organisers' schedule pages: the grid, placing sessions, conflicts and publishing."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from esof.accounts.models import Role
from esof.conference import conference_days
from esof.confirmation import confirmation_page, is_confirmed
from esof.errors import DomainError
from esof.extensions import db
from esof.programme import services
from esof.programme.blueprint import bp, day_arg, int_arg, organiser_only
from esof.programme.forms import (
    ActionForm,
    PlacementForm,
    PublishForm,
)
from esof.programme.models import ProgrammeSession, Track
from esof.venues.models import Room, Venue

# --- the schedule grid


def _grid_args() -> dict:
    days = conference_days()
    day = day_arg()
    return {"day": day if day in days else days[0], "venue_id": int_arg("venue"), "track_id": int_arg("track")}


def _safe_back(target: str | None) -> str:
    if target and target.startswith("/programme/organiser/") and "//" not in target:
        return target
    return url_for("programme.schedule_grid")


def _render_grid(args: dict, *, error: str | None = None, status: int = 200,
                 pending_move: dict | None = None) -> ResponseReturnValue:
    grid = services.build_schedule_grid(**args)
    venues = db.session.scalars(db.select(Venue).order_by(Venue.name)).all()
    tracks = db.session.scalars(db.select(Track).order_by(Track.name)).all()
    return render_template(
        "programme/schedule_grid.html", grid=grid, days=conference_days(), venues=venues, tracks=tracks,
        all_rooms=services.list_rooms(), args=args, error=error, action_form=ActionForm(),
        describe=services.describe_issue, pending_move=pending_move,
    ), status


@bp.get("/organiser/schedule")
@organiser_only
def schedule_grid() -> ResponseReturnValue:
    return _render_grid(_grid_args())


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.post("/organiser/schedule/place")
@organiser_only
def schedule_place() -> ResponseReturnValue:
    """Assign or move a session (a form without JavaScript; the drag-and-drop script posts it too)."""
    form = PlacementForm()
    back = _safe_back(form.back.data)
    error = None
    if not form.validate_on_submit():
        error = "; ".join(f"{form[name].label.text}: {' '.join(map(str, msgs))}" for name, msgs in form.errors.items())
    else:
        item = db.session.get(ProgrammeSession, int(form.session_id.data)) if form.session_id.data.isdigit() else None
        if item is None:
            abort(404)
        shortfall = None if form.accept_fewer_seats.data == "yes" else services.seat_shortfall(
            item=item, room_id=form.room.data)
        if shortfall is not None:
            message = shortfall.move_warning(item.title)
            if _wants_json():
                return jsonify(ok=False, message=message, needs_confirmation=True), 409
            args = _grid_args()
            args["day"] = form.day.data
            return _render_grid(args, error=None, status=409, pending_move={"form": form, "message": message})
        try:
            services.schedule_session(
                item=item, room_id=form.room.data,
                starts_at=services.local_moment(form.day.data, form.starts.data),
                ends_at=services.local_moment(form.day.data, form.ends.data),
            )
        except DomainError as exc:
            error = exc.message
        else:
            db.session.commit()
            issues = services.build_conflict_report().by_session.get(item.id, [])
            message = _("“%(title)s” placed.", title=item.title)
            if _wants_json():
                return jsonify(ok=True, message=message, issues=len(issues))
            flash(message, "success")
            return redirect(back)
    db.session.rollback()
    if _wants_json():
        return jsonify(ok=False, message=error), 422
    args = _grid_args()
    if form.day.data in conference_days():
        args["day"] = form.day.data
    return _render_grid(args, error=error, status=422)


@bp.post("/organiser/schedule/<int:session_id>/unschedule")
@organiser_only
def schedule_unschedule(session_id: int) -> ResponseReturnValue:
    item = db.get_or_404(ProgrammeSession, session_id)
    form = ActionForm()
    if form.validate_on_submit():
        services.unschedule_session(item=item)
        db.session.commit()
        flash(_("“%(title)s” is no longer scheduled.", title=item.title), "success")
    return redirect(_safe_back(form.back.data))


@bp.post("/organiser/rooms/<int:room_id>/unschedule")
@organiser_only
def room_unschedule(room_id: int) -> ResponseReturnValue:
    room = db.get_or_404(Room, room_id)
    if ActionForm().validate_on_submit():
        if not is_confirmed():
            placed = services.sessions_placed_in(room)
            return confirmation_page(
                heading=_("Take every session out of %(room)s?", room=room.name),
                consequences=[ngettext(
                    "%(num)d session goes back to the unscheduled list; booked delegates keep their bookings "
                    "until the next published version moves or cancels it.",
                    "%(num)d sessions go back to the unscheduled list; booked delegates keep their bookings "
                    "until the next published version moves or cancels them.", placed)],
                button=_("Unschedule the sessions"), cancel_url=url_for("venues.venue_detail", venue_id=room.venue_id))
        count = services.unschedule_room(room=room)
        db.session.commit()
        flash(_("%(count)d session(s) taken out of %(room)s.", count=count, room=room.name), "success")
    return redirect(url_for("venues.venue_detail", venue_id=room.venue_id))


# --- conflicts and publishing


@bp.get("/organiser/conflicts")
@organiser_only
def conflict_report() -> ResponseReturnValue:
    report = services.build_conflict_report()
    return render_template("programme/conflict_report.html", report=report, describe=services.describe_issue)


@bp.get("/organiser/conflicts.json")
@organiser_only
def conflict_report_json() -> ResponseReturnValue:
    return jsonify(services.build_conflict_report().as_json())


@bp.route("/organiser/publish", methods=["GET", "POST"])
@organiser_only
def schedule_publish() -> ResponseReturnValue:
    form = PublishForm()
    refused = None
    if form.validate_on_submit():
        try:
            version = services.publish_schedule(actor=current_user, note=form.note.data or "",
                                                override=form.override.data)
        except services.PublishRefused as exc:
            refused = exc
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Version %(number)d is published.", number=version.number), "success")
            return redirect(url_for("programme.changes_index"))
        db.session.rollback()
    report = services.build_conflict_report()
    pending = services.pending_changes()
    status = 409 if refused else (422 if form.errors or form.form_errors else 200)
    return render_template(
        "programme/schedule_publish.html", form=form, report=report, pending=pending, refused=refused,
        version=services.latest_version(), describe=services.describe_issue,
        is_admin=current_user.has_role(Role.ADMIN),
    ), status
