"""HTTP handlers of the side events area: the public calendar, partner pages, moderation."""
from __future__ import annotations

from datetime import date
from urllib.parse import quote_plus

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from esof.accounts.auth import roles_required, start_session
from esof.accounts.models import Role
from esof.accounts.services import find_user_by_email
from esof.conference import conference_zone, festival_year
from esof.db import utcnow
from esof.errors import DomainError, PermissionDenied
from esof.extensions import db
from esof.form_choices import choices
from esof.i18n import local_date, local_time
from esof.page_cache import SIDE_EVENTS, cached_page
from esof.side_events import queries, services
from esof.side_events.forms import (
    AUDIENCE_LABELS,
    CATEGORY_LABELS,
    LANGUAGE_LABELS,
    AcceptInvitationForm,
    ApproveForm,
    CancelForm,
    EventForm,
    InviteForm,
    OrganisationForm,
    RejectForm,
)
from esof.side_events.models import EventState, PartnerOrganisation, SideEvent, SideEventOccurrence, SideEventRevision
from esof.urls import external_url

bp = Blueprint("side_events", __name__, url_prefix="/calendar")

PER_PAGE = 20
FILTER_ARGS = ("category", "audience", "language", "neighbourhood", "free", "q")


def without_editor_links() -> bool:
    """The calendar's views offer partners and organisers their own links (_views_nav.html);
    anyone else sees the visitor's page, and gets the cached one with their own header."""
    return not current_user.has_role(Role.PARTNER, Role.ORGANISER)


@bp.context_processor
def calendar_context() -> dict[str, object]:
    return {
        "category_labels": {c.value: label for c, label in CATEGORY_LABELS.items()},
        "audience_labels": {a.value: label for a, label in AUDIENCE_LABELS.items()},
        "language_labels": LANGUAGE_LABELS,
        "visitor_language": str(get_locale() or "en"),
        "map_link": map_link,
        "last_day": lambda occurrence: queries.last_local_day(occurrence, conference_zone()),
    }


def map_link(revision: SideEventRevision) -> str | None:
    """An OpenStreetMap link to the revision's place: its coordinates if known, else a search
    for its address."""
    place = revision.place
    if place.coordinates is not None:
        lat, lon = place.coordinates
        return f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=17/{lat:.5f}/{lon:.5f}"
    if place.address:
        return "https://www.openstreetmap.org/search?query=" + quote_plus(place.address)
    return None


# --- public calendar ----------------------------------------------------------------------

def _list_start() -> date:
    """?from=YYYY-MM-DD, else today in the festival year, else the festival year's first day."""
    raw = request.args.get("from", "")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        pass
    today = utcnow().astimezone(conference_zone()).date()
    year = festival_year()
    return today if today.year == year else date(year, 1, 1)


def _filter_context(calendar_filter: queries.CalendarFilter) -> dict[str, object]:
    return {
        "calendar_filter": calendar_filter,
        "filter_args": calendar_filter.to_args(),
        "neighbourhoods": queries.neighbourhood_choices(db.session),
    }


@bp.get("/")
@cached_page(topics=(SIDE_EVENTS,), args=(*FILTER_ARGS, "from", "page"), shared=without_editor_links)
def calendar_index() -> ResponseReturnValue:
    calendar_filter = queries.CalendarFilter.from_args(request.args)
    start = _list_start()
    page = request.args.get("page", 1, type=int) or 1
    result = queries.upcoming_occurrences(
        db.session, calendar_filter,
        now=queries.local_midnight(start, conference_zone()), page=page, per_page=PER_PAGE,
    )
    return render_template(
        "side_events/calendar_index.html", result=result, start=start,
        explicit_start=bool(request.args.get("from")), **_filter_context(calendar_filter),
    )


@bp.get("/month/<int(fixed_digits=4):year>-<int(fixed_digits=2):month>")
@cached_page(topics=(SIDE_EVENTS,), args=FILTER_ARGS, shared=without_editor_links)
def calendar_month(year: int, month: int) -> ResponseReturnValue:
    if not 1 <= month <= 12:
        abort(404)
    calendar_filter = queries.CalendarFilter.from_args(request.args)
    view = queries.month_view(
        db.session, calendar_filter, year=year, month=month, zone=conference_zone()
    )
    previous = (year - 1, 12) if month == 1 else (year, month - 1)
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    return render_template(
        "side_events/calendar_month.html", view=view, previous=previous, following=following,
        **_filter_context(calendar_filter),
    )


@bp.get("/day/<day>")
@cached_page(topics=(SIDE_EVENTS,), args=FILTER_ARGS, shared=without_editor_links)
def calendar_day(day: str) -> ResponseReturnValue:
    try:
        chosen = date.fromisoformat(day)
    except ValueError:
        abort(404)
    calendar_filter = queries.CalendarFilter.from_args(request.args)
    rows = queries.occurrences_between(
        db.session, calendar_filter, first_day=chosen, last_day=chosen, zone=conference_zone()
    )
    return render_template(
        "side_events/calendar_day.html", day=chosen, rows=rows,
        previous=date.fromordinal(chosen.toordinal() - 1), following=date.fromordinal(chosen.toordinal() + 1),
        **_filter_context(calendar_filter),
    )


@bp.get("/month")
def calendar_month_current() -> ResponseReturnValue:
    start = _list_start()
    # The filter's query args go back as URL values; mypy objects that a key could be one of
    # url_for's own options (_external, _scheme...), which no filter here uses.
    return redirect(url_for("side_events.calendar_month", year=start.year, month=start.month,
                            **request.args.to_dict(flat=False)))  # type: ignore[arg-type]


@bp.get("/events/<int:event_id>")
@cached_page(topics=(SIDE_EVENTS,), args=("version",))
def event_detail(event_id: int) -> ResponseReturnValue:
    event = db.get_or_404(SideEvent, event_id)
    may_edit = services.can_edit_side_event(current_user, event)
    shown = services.revision_to_show(event, may_edit=may_edit, want_pending=request.args.get("version") == "pending")
    if shown is None:
        abort(404)
    revision, preview = shown
    upcoming = queries.next_occurrences(db.session, event.id, now=queries.local_midnight(
        _list_start(), conference_zone()))
    return render_template(
        "side_events/event_detail.html", event=event, revision=revision, preview=preview,
        may_edit=may_edit, pending=services.pending_revision(event), occurrences=upcoming,
        occurrence_count=len(upcoming), cancelled_days=services.cancelled_days(event),
        page_url=external_url("side_events.event_detail", event_id=event.id),
    )


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
    start = queries.local_midnight(_list_start(), conference_zone())  # as the event page lists them
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


# --- partner pages ------------------------------------------------------------------------

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
                organisation=organisation, data=form.to_input(), author=current_user
            )
        except services.EventInputRejected as exc:
            _put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Thank you. The event waits for approval by the organisers."), "success")
            return redirect(url_for("side_events.event_detail", event_id=event.id))
    failed = bool(form.errors or form.form_errors)
    return render_template("side_events/event_form.html", form=form, event=None), 422 if failed else 200


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@roles_required(Role.PARTNER, Role.ORGANISER)
def event_edit(event_id: int) -> ResponseReturnValue:
    event = db.get_or_404(SideEvent, event_id)
    services.ensure_can_edit(current_user, event)
    form = _event_form([event.organisation])
    if request.method == "GET":
        form.fill_from(services.input_from_revision(services.revision_to_edit(event)))
        form.organisation.data = event.organisation_id
    elif form.validate_on_submit():
        try:
            revision = services.edit_side_event(event=event, data=form.to_input(), author=current_user)
        except services.EventInputRejected as exc:
            _put_error_on_form(form, exc)
        except services.RevisionChanged as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            return render_template("side_events/event_form.html", form=form, event=event), 409
        else:
            db.session.commit()
            if revision is None:
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


# --- moderation ---------------------------------------------------------------------------

@bp.get("/moderation")
@roles_required(Role.ORGANISER)
def moderation_queue() -> ResponseReturnValue:
    waiting = queries.moderation_queue(db.session)
    return render_template(
        "side_events/moderation_queue.html", waiting=waiting, approved_revision=services.approved_revision
    )


@bp.get("/moderation/<int:event_id>")
@roles_required(Role.ORGANISER)
def moderation_review(event_id: int) -> ResponseReturnValue:
    event = db.get_or_404(SideEvent, event_id)
    return _render_review(event, ApproveForm(), RejectForm())


def _render_review(
    event: SideEvent, approve_form: ApproveForm, reject_form: RejectForm, status: int = 200,
    changed: str | None = None,
) -> ResponseReturnValue:
    """The page shows the waiting revision as it is now, and its forms send its id and version."""
    return render_template(
        "side_events/moderation_review.html", event=event,
        pending=services.pending_revision(event), approved=services.approved_revision(event),
        changes=services.revision_changes(event), approve_form=approve_form, reject_form=reject_form,
        changed=changed,
    ), status


@bp.post("/moderation/<int:event_id>/approve")
@roles_required(Role.ORGANISER)
def moderation_approve(event_id: int) -> ResponseReturnValue:
    event = db.get_or_404(SideEvent, event_id)
    form = ApproveForm()
    if not form.validate_on_submit():
        return _render_review(event, form, RejectForm(), 422)
    try:
        services.approve_side_event(
            event=event, moderator=current_user,
            seen_revision_id=form.seen_revision_id.data, seen_version=form.seen_version.data,
        )
    except services.RevisionChanged as exc:
        db.session.rollback()
        return _render_review(event, form, RejectForm(formdata=None), 409, changed=exc.message)
    except services.NothingToModerate as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("The event is approved and public."), "success")
    return redirect(url_for("side_events.moderation_queue"))


@bp.post("/moderation/<int:event_id>/reject")
@roles_required(Role.ORGANISER)
def moderation_reject(event_id: int) -> ResponseReturnValue:
    event = db.get_or_404(SideEvent, event_id)
    form = RejectForm()
    if not form.validate_on_submit():
        return _render_review(event, ApproveForm(), form, 422)
    try:
        services.reject_side_event(
            event=event, moderator=current_user, reason=form.reason.data,
            seen_revision_id=form.seen_revision_id.data, seen_version=form.seen_version.data,
        )
    except services.RevisionChanged as exc:
        db.session.rollback()  # the reason stays in the form for a second look
        return _render_review(event, ApproveForm(formdata=None), form, 409, changed=exc.message)
    except services.NothingToModerate as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("The change is rejected; the partner receives the reason by email."), "success")
    return redirect(url_for("side_events.moderation_queue"))


# --- partner organisations and invitations ------------------------------------------------

@bp.route("/partners", methods=["GET", "POST"])
@roles_required(Role.ORGANISER)
def partners_index() -> ResponseReturnValue:
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = services.create_partner_organisation(
                name=form.name.data, website=form.website.data or "",
                contact_email=form.contact_email.data or "", actor=current_user,
            )
        except DomainError as exc:
            target = form[getattr(exc, "field", None) or "name"]
            target.errors = [*target.errors, exc.message]
        else:
            db.session.commit()
            flash(_("The partner organisation is added. Invite its editors now."), "success")
            return redirect(url_for("side_events.partner_detail", organisation_id=organisation.id))
    organisations = queries.partner_organisations(db.session)
    return render_template(
        "side_events/partners_index.html", form=form, organisations=organisations
    ), 422 if form.errors else 200


@bp.route("/partners/<int:organisation_id>", methods=["GET", "POST"])
@roles_required(Role.ORGANISER)
def partner_detail(organisation_id: int) -> ResponseReturnValue:
    organisation = db.get_or_404(PartnerOrganisation, organisation_id)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            services.invite_editor(organisation=organisation, email=form.email.data, invited_by=current_user)
        except DomainError as exc:
            form.email.errors = [*form.email.errors, exc.message]
        else:
            db.session.commit()
            flash(_("The invitation is on its way to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("side_events.partner_detail", organisation_id=organisation.id))
    invitations = queries.invitations_of(db.session, organisation.id)
    return render_template(
        "side_events/partner_detail.html", organisation=organisation, form=form,
        invitations=invitations, now=utcnow(),
    ), 422 if form.errors else 200


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation_accept(token: str) -> ResponseReturnValue:
    try:
        invitation = services.find_invitation(token)
    except services.InvitationInvalid as exc:
        return render_template("side_events/invitation_invalid.html", message=exc.message), 400
    form = AcceptInvitationForm()
    existing = find_user_by_email(invitation.email)
    if form.validate_on_submit():
        try:
            services.accept_invitation(
                token=token, user=current_user if current_user.is_authenticated else None,
                display_name=form.display_name.data or "", password=form.password.data or None,
                language=form.language.data,
            )
        except services.InvitationNeedsLogin:
            return redirect(url_for("accounts.login", next=request.path))
        except PermissionDenied as exc:
            form.form_errors.append(exc.message)
        except DomainError as exc:
            form.password.errors = [*form.password.errors, exc.message]
        else:
            db.session.commit()
            newcomer = None if current_user.is_authenticated else find_user_by_email(invitation.email)
            if newcomer is not None:
                start_session(newcomer)  # a new session, as at every log-in
            flash(_("Welcome! You can now submit events for %(name)s.", name=invitation.organisation.name), "success")
            return redirect(url_for("side_events.events_mine"))
    failed = bool(form.errors or form.form_errors)
    return render_template(
        "side_events/invitation_accept.html", form=form, invitation=invitation, existing=existing
    ), 422 if failed else 200
