"""HTTP handlers of the programme area: the public programme (latest published version only)
and the organisers' tools (sessions, people, tracks, the schedule grid, conflicts, publishing)."""
from __future__ import annotations

from datetime import UTC, date, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from esof.accounts.auth import roles_required
from esof.accounts.models import Role
from esof.errors import DomainError
from esof.extensions import db
from esof.form_choices import choices
from esof.i18n import conference_zone, to_local
from esof.programme import queries, services
from esof.programme.scheduling import layout_grid
from esof.programme.forms import (
    FORMAT_LABELS,
    LANGUAGE_LABELS,
    ActionForm,
    AvailabilityForm,
    PersonForm,
    PlacementForm,
    PublishForm,
    SessionForm,
    TrackForm,
)
from esof.programme.models import (
    Person,
    PersonAvailability,
    ProgrammeSession,
    SessionStatus,
    Track,
)
from esof.venues.models import Room, Venue
from esof.venues.services import conference_days

bp = Blueprint("programme", __name__, url_prefix="/programme")
organiser_only = roles_required(Role.ORGANISER)


def _day_arg(name: str = "day") -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


# =========================================================================== public pages


@bp.get("/")
def programme_index() -> ResponseReturnValue:
    version = services.latest_version()
    days = conference_days()
    filters = queries.ProgrammeFilters(
        day=_day_arg(), track=request.args.get("track", ""), venue=request.args.get("venue", ""),
        format=request.args.get("format", ""), language=request.args.get("language", ""),
        q=request.args.get("q", "").strip()[:200],
    )
    if filters.day is None and not filters.q:
        filters.day = days[0]
    items = queries.published_sessions(version, filters) if version else []
    tracks, venues = queries.filter_choices()
    return render_template(
        "programme/programme_index.html", version=version, items=items, filters=filters, days=days,
        tracks=tracks, venues=venues, formats=FORMAT_LABELS, languages=LANGUAGE_LABELS,
    )


@bp.get("/grid")
def programme_grid() -> ResponseReturnValue:
    version = services.latest_version()
    days = conference_days()
    day = _day_arg() or days[0]
    filters = queries.ProgrammeFilters(day=day, venue=request.args.get("venue", ""))
    items = queries.published_sessions(version, filters) if version else []
    rooms = sorted({item.room for item in items if item.room is not None},
                   key=lambda r: (r.venue.name, r.name))
    layout = layout_grid(((i.room_id, i.starts_at, i.ends_at, i) for i in items if i.room_id),
                         day=day, zone=conference_zone())
    _tracks, venues = queries.filter_choices()
    return render_template("programme/programme_grid.html", version=version, day=day, days=days,
                           rooms=rooms, layout=layout, venues=venues, filters=filters)


@bp.get("/sessions/<int:session_id>")
def session_detail(session_id: int) -> ResponseReturnValue:
    version = services.latest_version()
    item = queries.published_session(version, session_id) if version else None
    if item is None:
        abort(404)
    booked = queries.seats_booked(session_id) if item.session.needs_booking else None
    return render_template("programme/session_detail.html", item=item, version=version, booked=booked,
                           formats=FORMAT_LABELS, languages=LANGUAGE_LABELS)


@bp.get("/changes")
def changes_index() -> ResponseReturnValue:
    versions = queries.recent_versions()
    return render_template("programme/changes_index.html", versions=versions, iter_changes=services.iter_changes)


@bp.get("/changes.atom")
def changes_feed() -> ResponseReturnValue:
    versions = queries.recent_versions()
    body = render_template("programme/changes.atom", versions=versions, iter_changes=services.iter_changes,
                           feed_title=_("ESOF 2022 programme changes"))
    return Response(body, mimetype="application/atom+xml")


# =========================================================================== organiser pages


@bp.get("/organiser/")
@organiser_only
def organiser_home() -> ResponseReturnValue:
    report = services.build_conflict_report()
    counts = services.count_sessions()
    return render_template("programme/organiser_home.html", report=report, counts=counts,
                           version=services.latest_version(), days=conference_days())


# --- tracks


@bp.route("/organiser/tracks", methods=["GET", "POST"])
@organiser_only
def track_index() -> ResponseReturnValue:
    form = TrackForm()
    if form.validate_on_submit():
        track = services.save_track(name=form.name.data, name_nl=form.name_nl.data or "", colour=form.colour.data)
        db.session.commit()
        flash(_("Track “%(name)s” created.", name=track.name), "success")
        return redirect(url_for("programme.track_index"))
    tracks = db.session.scalars(db.select(Track).order_by(Track.name)).all()
    return render_template("programme/track_index.html", form=form, tracks=tracks,
                           delete_form=ActionForm()), 422 if form.errors else 200


@bp.route("/organiser/tracks/<int:track_id>/edit", methods=["GET", "POST"])
@organiser_only
def track_edit(track_id: int) -> ResponseReturnValue:
    track = db.get_or_404(Track, track_id)
    form = TrackForm(obj=track)
    if form.validate_on_submit():
        services.save_track(track=track, name=form.name.data, name_nl=form.name_nl.data or "", colour=form.colour.data)
        db.session.commit()
        flash(_("Track saved."), "success")
        return redirect(url_for("programme.track_index"))
    return render_template("programme/track_form.html", form=form, track=track), 422 if form.errors else 200


@bp.post("/organiser/tracks/<int:track_id>/delete")
@organiser_only
def track_delete(track_id: int) -> ResponseReturnValue:
    track = db.get_or_404(Track, track_id)
    if ActionForm().validate_on_submit():
        services.delete_track(track=track)
        db.session.commit()
        flash(_("Track deleted."), "success")
    return redirect(url_for("programme.track_index"))


# --- people


@bp.get("/organiser/people")
@organiser_only
def person_index() -> ResponseReturnValue:
    q = request.args.get("q", "").strip()
    people = services.list_people(q=q)
    return render_template("programme/person_index.html", people=people, q=q)


def _person_fields(form: PersonForm) -> dict:
    return {"name": form.name.data, "affiliation": form.affiliation.data or "", "email": form.email.data,
            "bio": form.bio.data or "", "needs_step_free": form.needs_step_free.data}


@bp.route("/organiser/people/new", methods=["GET", "POST"])
@organiser_only
def person_create() -> ResponseReturnValue:
    form = PersonForm()
    if form.validate_on_submit():
        person = services.save_person(**_person_fields(form))
        db.session.commit()
        flash(_("%(name)s added.", name=person.name), "success")
        return redirect(url_for("programme.person_edit", person_id=person.id))
    return render_template("programme/person_form.html", form=form, person=None), 422 if form.errors else 200


def _availability_form() -> AvailabilityForm:
    form = AvailabilityForm(prefix="window")
    form.day.choices = choices((d.isoformat(), d.isoformat()) for d in conference_days())
    return form


@bp.route("/organiser/people/<int:person_id>", methods=["GET", "POST"])
@organiser_only
def person_edit(person_id: int) -> ResponseReturnValue:
    person = db.get_or_404(Person, person_id)
    form = PersonForm(obj=person)
    if form.validate_on_submit():
        services.save_person(person=person, **_person_fields(form))
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("programme.person_edit", person_id=person.id))
    return render_template("programme/person_form.html", form=form, person=person,
                           window_form=_availability_form(), action_form=ActionForm()), 422 if form.errors else 200


@bp.post("/organiser/people/<int:person_id>/availability")
@organiser_only
def availability_add(person_id: int) -> ResponseReturnValue:
    person = db.get_or_404(Person, person_id)
    form = _availability_form()
    if form.validate_on_submit():
        day = date.fromisoformat(form.day.data)
        try:
            services.add_availability(person=person, starts_at=services.local_moment(day, form.starts.data),
                                      ends_at=services.local_moment(day, form.ends.data))
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Availability added."), "success")
            return redirect(url_for("programme.person_edit", person_id=person.id))
    return render_template("programme/person_form.html", form=PersonForm(obj=person), person=person,
                           window_form=form, action_form=ActionForm()), 422


@bp.post("/organiser/availability/<int:window_id>/delete")
@organiser_only
def availability_delete(window_id: int) -> ResponseReturnValue:
    window = db.get_or_404(PersonAvailability, window_id)
    person_id = window.person_id
    if ActionForm().validate_on_submit():
        services.remove_availability(window=window)
        db.session.commit()
        flash(_("Availability removed."), "success")
    return redirect(url_for("programme.person_edit", person_id=person_id))


@bp.post("/organiser/people/<int:person_id>/delete")
@organiser_only
def person_delete(person_id: int) -> ResponseReturnValue:
    person = db.get_or_404(Person, person_id)
    if ActionForm().validate_on_submit():
        services.delete_person(person=person)
        db.session.commit()
        flash(_("Person deleted."), "success")
    return redirect(url_for("programme.person_index"))


# --- sessions


@bp.get("/organiser/sessions")
@organiser_only
def session_index() -> ResponseReturnValue:
    q = request.args.get("q", "").strip()
    track_id = _int_arg("track")
    items = services.list_sessions(q=q, track_id=track_id)
    tracks = db.session.scalars(db.select(Track).order_by(Track.name)).all()
    return render_template("programme/session_index.html", items=items, q=q, track_id=track_id,
                           tracks=tracks, formats=FORMAT_LABELS)


def _session_form(item: ProgrammeSession | None = None) -> SessionForm:
    form = SessionForm(obj=item)
    form.track.choices = choices([(0, _("No track")), *(
        (t.id, t.name) for t in db.session.scalars(db.select(Track).order_by(Track.name)))])
    form.speakers.choices = choices(
        (p.id, f"{p.name} ({p.affiliation})" if p.affiliation else p.name)
        for p in db.session.scalars(db.select(Person).order_by(Person.name)))
    if item is not None and not form.is_submitted():
        form.track.data = item.track_id or 0
        form.speakers.data = [link.person_id for link in item.speaker_links]
        form.format.data = str(item.format)
    return form


def _session_fields(form: SessionForm) -> dict:
    return {
        "title": form.title.data, "abstract": form.abstract.data or "", "format": form.format.data,
        "language": form.language.data, "track_id": form.track.data or None,
        "speaker_ids": form.speakers.data or [], "expected_audience": form.expected_audience.data or 0,
        "needs_booking": form.needs_booking.data, "booking_cap": form.booking_cap.data,
        "needs_step_free": form.needs_step_free.data,
    }


@bp.route("/organiser/sessions/new", methods=["GET", "POST"])
@organiser_only
def session_create() -> ResponseReturnValue:
    form = _session_form()
    if form.validate_on_submit():
        try:
            item = services.save_session(**_session_fields(form))
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Session created. Place it in the schedule grid."), "success")
            return redirect(url_for("programme.session_edit", session_id=item.id))
    return render_template("programme/session_form.html", form=form, item=None), 422 if form.errors or form.form_errors else 200


@bp.route("/organiser/sessions/<int:session_id>", methods=["GET", "POST"])
@organiser_only
def session_edit(session_id: int) -> ResponseReturnValue:
    item = db.get_or_404(ProgrammeSession, session_id)
    form = _session_form(item)
    if form.validate_on_submit():
        shortfall = None if form.accept_fewer_seats.data == "yes" else services.cap_shortfall(
            item=item, needs_booking=form.needs_booking.data, booking_cap=form.booking_cap.data)
        if shortfall is not None:
            return render_template(
                "programme/session_form.html", form=form, item=item, action_form=ActionForm(),
                rooms=services.list_rooms(), days=conference_days(), shortfall=shortfall), 409
        try:
            services.save_session(item=item, **_session_fields(form))
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Session saved."), "success")
            return redirect(url_for("programme.session_edit", session_id=item.id))
    return render_template("programme/session_form.html", form=form, item=item, action_form=ActionForm(),
                           rooms=services.list_rooms(), days=conference_days()), 422 if form.errors or form.form_errors else 200


@bp.post("/organiser/sessions/<int:session_id>/status")
@organiser_only
def session_status(session_id: int) -> ResponseReturnValue:
    item = db.get_or_404(ProgrammeSession, session_id)
    try:
        status = SessionStatus(request.form.get("status", ""))
    except ValueError:
        abort(400)
    if ActionForm().validate_on_submit():
        services.set_session_status(item=item, status=status)
        db.session.commit()
        flash(_("Session cancelled.") if status is SessionStatus.CANCELLED else _("Session reinstated."), "success")
    return redirect(url_for("programme.session_edit", session_id=item.id))


@bp.post("/organiser/sessions/<int:session_id>/delete")
@organiser_only
def session_delete(session_id: int) -> ResponseReturnValue:
    item = db.get_or_404(ProgrammeSession, session_id)
    if ActionForm().validate_on_submit():
        try:
            services.delete_session(item=item)
        except DomainError as exc:
            flash(exc.message, "error")
            return redirect(url_for("programme.session_edit", session_id=session_id))
        db.session.commit()
        flash(_("Session deleted."), "success")
    return redirect(url_for("programme.session_index"))


# --- the schedule grid


def _grid_args() -> dict:
    days = conference_days()
    day = _day_arg()
    return {"day": day if day in days else days[0], "venue_id": _int_arg("venue"), "track_id": _int_arg("track")}


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
            message = _(
                "%(room)s holds %(capacity)d, but “%(title)s” has %(booked)d confirmed bookings. If you go "
                "ahead, at the next publication the %(beyond)d most recent bookings move back to the waiting "
                "list and those delegates are mailed.",
                room=shortfall.room_name, capacity=shortfall.capacity, title=item.title,
                booked=shortfall.booked, beyond=shortfall.beyond)
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
    pending = [row for row in services.compute_publication() if row.changes]
    status = 409 if refused else (422 if form.errors or form.form_errors else 200)
    return render_template(
        "programme/schedule_publish.html", form=form, report=report, pending=pending, refused=refused,
        version=services.latest_version(), describe=services.describe_issue,
        change_labels=services.CHANGE_LABELS, rooms={r.id: r for r in services.list_rooms()},
        is_admin=current_user.has_role(Role.ADMIN),
    ), status


@bp.app_template_filter("zone_abbr")
def zone_abbr(moment: datetime) -> str:
    """'CEST' — the conference zone's abbreviation at that instant."""
    return to_local(moment).tzname() or ""


@bp.app_template_filter("from_iso")
def from_iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


@bp.app_template_filter("atom_date")
def atom_date(moment: datetime | None) -> str:
    """RFC 3339 in UTC, as Atom wants it."""
    from esof.db import utcnow

    return (moment or utcnow()).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
