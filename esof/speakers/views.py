"""The speakers' own area, /speaker/: for users with the speaker role or an account linked to a
person of the programme. Each page acts on the signed-in speaker's own rows only: the services
answer another's id with NotFound, which the app's error handler turns into a 404."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from esof import access
from esof.accounts.models import Role
from esof.conference import conference_days
from esof.errors import DomainError
from esof.extensions import db
from esof.form_choices import choices
from esof.programme.models import Participation
from esof.programme.schedule import local_moment
from esof.speakers import queries, services
from esof.speakers.forms import ActionForm, AvailabilityForm, ParticipationForm, ProfileForm

bp = Blueprint("speakers", __name__, url_prefix="/speaker")


def speaker_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Signed in, and a speaker: the role (organisers grant it, so does an accepted proposal),
    or an account linked to a person of the programme. Anyone else gets 403."""

    @login_required
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.has_role(Role.SPEAKER) and not queries.is_linked(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


# What services.own_person checks, after speaker_required (the role or a linked person, else 403).
OWN_PERSON = "Person.user_id is the current user, else 404 (own_person)"


def _availability_form() -> AvailabilityForm:
    form = AvailabilityForm(prefix="window")
    form.day.choices = choices((d.isoformat(), d.isoformat()) for d in conference_days())
    return form


def _home(*, profile_form: ProfileForm | None = None, window_form: AvailabilityForm | None = None,
          status: int = 200) -> ResponseReturnValue:
    people = queries.people_of(current_user)
    person = people[0] if people else None
    return render_template(
        "speakers/speaker_home.html", person=person, sessions=queries.speaker_sessions(people),
        profile_form=profile_form or ProfileForm(obj=person), window_form=window_form or _availability_form(),
        answer_form=ParticipationForm(), action_form=ActionForm(),
        is_public=person is not None and queries.is_public(person),
    ), status


@bp.get("/")
@speaker_required
@access.declare(access.roles(Role.SPEAKER))  # or an account linked to a person (speaker_required)
def speaker_home() -> ResponseReturnValue:
    return _home()


@bp.post("/profile/<int:person_id>")
@speaker_required
@access.owner("speaker profile", check=OWN_PERSON)
def profile_update(person_id: int) -> ResponseReturnValue:
    person = services.own_person(user=current_user, person_id=person_id)
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            services.update_speaker_profile(
                user=current_user, person=person, affiliation=form.affiliation.data or "", bio=form.bio.data or "",
                photo_url=form.photo_url.data or "", needs_step_free=form.needs_step_free.data)
        except services.PhotoAddressRejected as exc:
            form.photo_url.errors = [*form.photo_url.errors, exc.message]
        else:
            db.session.commit()
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("speakers.speaker_home"))
    return _home(profile_form=form, status=422)


@bp.post("/sessions/<int:session_id>/participation")
@speaker_required
@access.owner("session speaker", check="a Person of the current user speaks in the session, else 404 (NotYourSession)")
def participation_answer(session_id: int) -> ResponseReturnValue:
    form = ParticipationForm()
    if not form.validate_on_submit():
        abort(400)
    services.answer_participation(user=current_user, session_id=session_id, answer=form.answer.data)
    db.session.commit()
    if form.answer.data == Participation.DECLINED:
        flash(_("You declined this session. The organisers have been told."), "warning")
    else:
        flash(_("Thank you: you confirmed that you take part."), "success")
    return redirect(url_for("speakers.speaker_home", _anchor=f"session-{session_id}"))


@bp.post("/profile/<int:person_id>/availability")
@speaker_required
@access.owner("speaker profile", check=OWN_PERSON)
def availability_add(person_id: int) -> ResponseReturnValue:
    person = services.own_person(user=current_user, person_id=person_id)
    form = _availability_form()
    if form.validate_on_submit():
        day = date.fromisoformat(form.day.data)
        try:
            services.add_speaker_availability(user=current_user, person=person,
                                              starts_at=local_moment(day, form.starts.data),
                                              ends_at=local_moment(day, form.ends.data))
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Availability added."), "success")
            return redirect(url_for("speakers.speaker_home", _anchor="availability"))
    return _home(window_form=form, status=422)


@bp.post("/availability/<int:window_id>/delete")
@speaker_required
@access.owner("availability window", check="the window's Person.user_id is the current user, else 404 "
                                            "(NotYourAvailability)")
def availability_delete(window_id: int) -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        services.remove_speaker_availability(user=current_user, window_id=window_id)
        db.session.commit()
        flash(_("Availability removed."), "success")
    return redirect(url_for("speakers.speaker_home", _anchor="availability"))
