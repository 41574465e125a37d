"""The organisers' programme pages: tracks, people and the draft sessions."""
from __future__ import annotations

import enum
from datetime import date
from typing import TypeVar

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from esof.conference import conference_days
from esof.confirmation import confirmation_page, is_confirmed
from esof.errors import DomainError
from esof.extensions import db
from esof.form_choices import choices
from esof.programme import services
from esof.programme.blueprint import bp, day_arg, int_arg, organiser_only
from esof.programme.forms import (
    FORMAT_LABELS,
    ActionForm,
    AvailabilityForm,
    PersonForm,
    SessionForm,
    TrackForm,
)
from esof.programme.models import Person, PersonAvailability, ProgrammeSession, SessionFormat, SessionStatus, Track

E = TypeVar("E", bound=enum.Enum)
# 50 a page keeps the list a few screens long with the full programme (about 300 sessions).
SESSIONS_PER_PAGE = 50


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
        if not is_confirmed():
            return confirmation_page(
                heading=_("Delete the track “%(name)s”?", name=track.name),
                consequences=services.track_deletion_effects(track), button=_("Delete the track"),
                cancel_url=url_for("programme.track_index"))
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
        if not is_confirmed():
            return confirmation_page(
                heading=_("Delete %(name)s from the programme's people?", name=person.name),
                consequences=services.person_deletion_effects(person), button=_("Delete the person"),
                cancel_url=url_for("programme.person_edit", person_id=person_id))
        services.delete_person(person=person)
        db.session.commit()
        flash(_("Person deleted."), "success")
    return redirect(url_for("programme.person_index"))


# --- sessions


@bp.get("/organiser/sessions")
@organiser_only
def session_index() -> ResponseReturnValue:
    filters = services.SessionFilter(
        q=request.args.get("q", "").strip()[:200],
        track_id=int_arg("track"),
        day=day_arg() if day_arg() in conference_days() else None,
        room_id=int_arg("room"),
        format=_enum_arg(SessionFormat, "format"),
        status=_enum_arg(SessionStatus, "status"),
        unscheduled=request.args.get("unscheduled") == "1",
    )
    page = db.paginate(services.filtered_sessions(filters), per_page=SESSIONS_PER_PAGE,
                       max_per_page=SESSIONS_PER_PAGE, error_out=False)
    return render_template(
        "programme/session_index.html", page=page, filters=filters, formats=FORMAT_LABELS,
        tracks=db.session.scalars(db.select(Track).order_by(Track.name)).all(),
        rooms=services.list_rooms(), days=conference_days(),
    )


def _enum_arg(kind: type[E], name: str) -> E | None:
    try:
        return kind(request.args.get(name, ""))
    except ValueError:
        return None


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
        "title_nl": form.title_nl.data or "", "abstract_nl": form.abstract_nl.data or "",
        "language": form.language.data, "track_id": form.track.data or None,
        "speaker_ids": form.speakers.data or [], "expected_audience": form.expected_audience.data or 0,
        "needs_booking": form.needs_booking.data, "booking_cap": form.booking_cap.data,
        "needs_step_free": form.needs_step_free.data, "pinned": form.pinned.data,
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
    status = 422 if form.errors or form.form_errors else 200
    return render_template("programme/session_form.html", form=form, item=None), status


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
    status = 422 if form.errors or form.form_errors else 200
    return render_template("programme/session_form.html", form=form, item=item, action_form=ActionForm(),
                           rooms=services.list_rooms(), days=conference_days()), status


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
        if not is_confirmed():
            effects, blocked = services.session_deletion_effects(item)
            return confirmation_page(
                heading=_("Delete the session “%(title)s”?", title=item.title), consequences=effects,
                blocked=blocked, button=_("Delete the session"),
                cancel_url=url_for("programme.session_edit", session_id=session_id))
        try:
            services.delete_session(item=item)
        except DomainError as exc:
            flash(exc.message, "error")
            return redirect(url_for("programme.session_edit", session_id=session_id))
        db.session.commit()
        flash(_("Session deleted."), "success")
    return redirect(url_for("programme.session_index"))
