"""The public calendar: the list, month and day views, and an event's page (with an editor's preview)."""
from __future__ import annotations

from datetime import date

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from esof import access
from esof.conference import conference_zone
from esof.extensions import db
from esof.page_cache import SIDE_EVENTS, cached_page
from esof.side_events import queries, services
from esof.side_events.blueprint import FILTER_ARGS, PER_PAGE, bp, list_start, without_editor_links
from esof.side_events.models import SideEvent
from esof.urls import external_url


def _filter_context(calendar_filter: queries.CalendarFilter) -> dict[str, object]:
    return {
        "calendar_filter": calendar_filter,
        "filter_args": calendar_filter.to_args(),
        "neighbourhoods": queries.neighbourhood_choices(db.session),
    }


@bp.get("/")
@cached_page(topics=(SIDE_EVENTS,), args=(*FILTER_ARGS, "from", "page"), shared=without_editor_links)
@access.public
def calendar_index() -> ResponseReturnValue:
    calendar_filter = queries.CalendarFilter.from_args(request.args)
    start = list_start()
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
@access.public
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
@access.public
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
@access.public
def calendar_month_current() -> ResponseReturnValue:
    start = list_start()
    # The filter's query args go back as URL values; mypy objects that a key could be one of
    # url_for's own options (_external, _scheme...), which no filter here uses.
    return redirect(url_for("side_events.calendar_month", year=start.year, month=start.month,
                            **request.args.to_dict(flat=False)))  # type: ignore[arg-type]


@bp.get("/events/<int:event_id>")
@cached_page(topics=(SIDE_EVENTS,), args=("version",))
@access.public
def event_detail(event_id: int) -> ResponseReturnValue:
    event = db.get_or_404(SideEvent, event_id)
    may_edit = services.can_edit_side_event(current_user, event)
    shown = services.revision_to_show(event, may_edit=may_edit, want_pending=request.args.get("version") == "pending")
    if shown is None:
        abort(404)
    revision, preview = shown
    upcoming = queries.next_occurrences(db.session, event.id, now=queries.local_midnight(
        list_start(), conference_zone()))
    return render_template(
        "side_events/event_detail.html", event=event, revision=revision, preview=preview,
        may_edit=may_edit, pending=services.pending_revision(event), occurrences=upcoming,
        occurrence_count=len(upcoming), cancelled_days=services.cancelled_days(event),
        preview_dates=services.revision_dates(revision) if preview else None,
        page_url=external_url("side_events.event_detail", event_id=event.id),
    )


