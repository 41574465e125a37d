"""Partners' pages: submitting, editing, cancelling and withdrawing their events, and "My events"."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from esof import access
from esof.accounts.auth import roles_required
from esof.accounts.models import Role
from esof.conference import conference_zone
from esof.confirmation import confirmation_page, is_confirmed
from esof.errors import DomainError
from esof.extensions import db
from esof.form_choices import choices
from esof.i18n import local_date, local_time
from esof.side_events import queries, services
from esof.side_events.blueprint import bp, list_start
from esof.side_events.forms import CancelForm, EventForm
from esof.side_events.models import EventState, PartnerOrganisation, SideEvent, SideEventOccurrence

# The rule of the routes that find the event with _event_of_editor.
editor_owns_event = access.owner(
    "side event", check="a partner of the event's organisation (_event_of_editor: 404 else); organisers any",
    also=("organiser",))


def _event_of_editor(event_id: int) -> SideEvent:
    """The event, if the signed-in user may change it; else 404, not 403: a partner learns
    nothing about another organisation's events. A withdrawn submission is gone (404)."""
    event = db.get_or_404(SideEvent, event_id)
    if event.state is EventState.WITHDRAWN or not services.can_edit_side_event(current_user, event):
        abort(404)
    return event


def _occurrence_label(occurrence: SideEventOccurrence) -> str:
    day = local_date(occurrence.local_day, "full")
    return day if occurrence.all_day else f"{day}, {local_time(occurrence.starts_at)}"


@bp.route("/events/<int:event_id>/cancel", methods=["GET", "POST"])
@roles_required(Role.PARTNER, Role.ORGANISER)
@editor_owns_event
def event_cancel(event_id: int) -> ResponseReturnValue:
    """Cancel a public event (the contract's POST, optional `reason`), or only the date whose
    local day `occurrence` names (YYYY-MM-DD); the page asks which and why."""
    event = _event_of_editor(event_id)
    form = CancelForm()
    if request.method == "GET":
        form.occurrence.data = request.args.get("occurrence", "")
    status = 200
    if form.validate_on_submit():
        day = form.day
        try:
            if day is None:
                services.cancel_side_event(event=event, actor=current_user, reason=form.reason.data or "")
            else:
                services.cancel_side_event_occurrence(
                    event=event, day=day, actor=current_user, reason=form.reason.data or ""
                )
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            status = exc.status_code
        else:
            db.session.commit()
            if day is None:
                flash(_("The event is cancelled. It stays in the calendar, marked cancelled."), "success")
            else:
                flash(_("The date %(day)s is cancelled; the other dates stay.", day=local_date(day, "long")),
                      "success")
            return redirect(url_for("side_events.event_detail", event_id=event.id))
    elif form.errors:
        status = 422
    cancelled = services.cancelled_days(event)
    start = queries.local_midnight(list_start(), conference_zone())  # as the event page lists them
    dates = [o for o in queries.next_occurrences(db.session, event.id, now=start, limit=services.MAX_OCCURRENCES)
             if o.local_day not in cancelled]
    form.occurrence.choices = choices(
        [("", _("The whole event, every date")), *((o.local_day.isoformat(), _occurrence_label(o)) for o in dates)]
    )
    revision = services.approved_revision(event) or services.revision_to_edit(event)
    return render_template(
        "side_events/event_cancel.html", event=event, revision=revision, form=form,
        public=event.state is EventState.APPROVED and services.approved_revision(event) is not None,
        repeats=bool(revision.rrule),
    ), status


@bp.post("/events/<int:event_id>/withdraw")
@roles_required(Role.PARTNER, Role.ORGANISER)
@editor_owns_event
def event_withdraw(event_id: int) -> ResponseReturnValue:
    """Withdraw a submission that was never approved: it leaves /calendar/mine and the queue."""
    event = _event_of_editor(event_id)
    try:
        services.withdraw_side_event(event=event, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("side_events.event_detail", event_id=event_id))
    db.session.commit()
    flash(_("The submission is withdrawn."), "success")
    return redirect(url_for("side_events.events_mine"))



def _event_form(organisations: list[PartnerOrganisation]) -> EventForm:
    form = EventForm()
    form.organisation.choices = choices((o.id, o.name) for o in organisations)
    form.venue.choices = choices([(0, _("No venue: use the location below")), *queries.venue_options(db.session)])
    return form


def _put_error_on_form(form: EventForm, exc: DomainError) -> None:
    field_name = getattr(exc, "field", None)
    if field_name and field_name in form:
        form[field_name].errors = [*form[field_name].errors, exc.message]
    else:
        form.form_errors.append(exc.message)


@bp.route("/submit", methods=["GET", "POST"])
@roles_required(Role.PARTNER, Role.ORGANISER)
def event_submit() -> ResponseReturnValue:
    organisations = services.submittable_organisations(current_user)
    if not organisations:
        abort(403)
    form = _event_form(organisations)
    if form.validate_on_submit():
        organisation = db.get_or_404(PartnerOrganisation, form.organisation.data)
        try:
            event = services.submit_side_event(
                organisation=organisation, data=form.to_input(), author=current_user, draft=form.draft.data
            )
        except services.EventInputRejected as exc:
            _put_error_on_form(form, exc)
        else:
            db.session.commit()
            if form.draft.data:
                flash(_("Saved as a draft. Until you submit it for approval, only your organisation and the"
                        " City of Science organisers see it."), "success")
            else:
                flash(_("Thank you. The event waits for approval by the organisers."), "success")
            return redirect(url_for("side_events.event_detail", event_id=event.id))
    failed = bool(form.errors or form.form_errors)
    return render_template("side_events/event_form.html", form=form, event=None), 422 if failed else 200


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@roles_required(Role.PARTNER, Role.ORGANISER)
@editor_owns_event
def event_edit(event_id: int) -> ResponseReturnValue:
    event = _event_of_editor(event_id)
    form = _event_form([event.organisation])
    if request.method == "GET":
        form.fill_from(services.input_from_revision(services.revision_to_edit(event)))
        form.organisation.data = event.organisation_id
    elif form.validate_on_submit():
        keep_draft = bool(form.draft.data) and event.state is EventState.DRAFT
        try:
            revision = services.edit_side_event(
                event=event, data=form.to_input(), author=current_user, draft=keep_draft
            )
        except services.EventInputRejected as exc:
            _put_error_on_form(form, exc)
        except services.RevisionChanged as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            return render_template("side_events/event_form.html", form=form, event=event), 409
        else:
            db.session.commit()
            if keep_draft:
                flash(_("The draft is saved. Submit it for approval when it is ready."), "success")
            elif revision is None:
                flash(_("Nothing has changed: the public version stays as it is."), "success")
            elif event.state is EventState.APPROVED:
                flash(_("Your changes wait for approval; the current version stays public until then."), "success")
            else:
                flash(_("Your changes wait for approval by the organisers."), "success")
            return redirect(url_for("side_events.events_mine"))
    failed = bool(form.errors or form.form_errors)
    return render_template("side_events/event_form.html", form=form, event=event), 422 if failed else 200


@bp.get("/mine")
@roles_required(Role.PARTNER, Role.ORGANISER)
def events_mine() -> ResponseReturnValue:
    organisations = services.organisations_of(current_user)
    events = queries.events_for_editor(db.session, {o.id for o in organisations})
    return render_template(
        "side_events/events_mine.html", organisations=organisations, events=events,
        approved_revision=services.approved_revision, pending_revision=services.pending_revision,
        dates_text=services.dates_text,
    )




# --- drafts -------------------------------------------------------------------------------

@bp.post("/events/<int:event_id>/send")
@roles_required(Role.PARTNER, Role.ORGANISER)
@editor_owns_event
def draft_send(event_id: int) -> ResponseReturnValue:
    """Send a draft, as saved, to the organisers for approval."""
    event = _event_of_editor(event_id)
    try:
        services.send_side_event_draft(event=event, author=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("side_events.event_detail", event_id=event_id))
    db.session.commit()
    flash(_("Thank you. The event waits for approval by the organisers."), "success")
    return redirect(url_for("side_events.events_mine"))


@bp.post("/events/<int:event_id>/delete")
@roles_required(Role.PARTNER, Role.ORGANISER)
@editor_owns_event
def draft_delete(event_id: int) -> ResponseReturnValue:
    """Delete a draft, after a confirmation step that says what goes."""
    event = _event_of_editor(event_id)
    title = services.revision_to_edit(event).title_in(str(get_locale() or "en"))[0]
    if event.state is not EventState.DRAFT or not is_confirmed():
        return confirmation_page(
            heading=_("Delete the draft “%(title)s”?", title=title),
            consequences=[_("The draft and everything in it are deleted; it was never public."),
                          _("To publish the event later, you would submit it again.")],
            button=_("Delete the draft"),
            cancel_url=url_for("side_events.events_mine"),
            blocked=None if event.state is EventState.DRAFT else services.NotADraft().message,
        )
    try:
        services.delete_side_event_draft(event=event, actor=current_user)
    except services.NotADraft as exc:  # sent by someone else since this request read it
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("side_events.event_detail", event_id=event_id))
    db.session.commit()
    flash(_("The draft “%(title)s” is deleted.", title=title), "success")
    return redirect(url_for("side_events.events_mine"))
