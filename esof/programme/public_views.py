"""The public programme: only the latest published version, never the organisers' draft."""
from __future__ import annotations

import re
from collections import Counter, defaultdict

import sqlalchemy as sa
from flask import Response, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from esof import access
from esof.conference import conference_days, conference_zone
from esof.extensions import db
from esof.page_cache import (
    PROGRAMME,
    cached_page,
    change_tokens,
    page_cache,
    page_key,
    page_path,
    shared_for_this_person,
    with_own_header,
)
from esof.programme import queries
from esof.programme.blueprint import bp
from esof.programme.filters import ProgrammeFilters
from esof.programme.forms import FORMAT_LABELS, LANGUAGE_LABELS
from esof.programme.models import ProgrammeSession, PublishedSession, SessionStatus
from esof.programme.publishing import iter_changes
from esof.programme.scheduling import GridLayout, layout_grid
from esof.urls import external_url
from esof.venues.models import Venue

FILTER_ARGS = ("day", "track", "venue", "format", "language", "q")
# shared=True: these pages show a logged-in person nothing of their own outside the layout's
# header, so they get the cached page with their header. The session page shows their
# booking and star: rendered whole for them.
# The bookings area's counter row, as programme's queries describe it (bookings builds on
# programme, not back).
SEATS = queries.SESSION_SEATS


def live_numbers(session_id: int) -> tuple[object, ...]:
    """What a session page shows live (seats booked, waiting, the session's own limit), in
    one query: part of the page's cache key, so a booking changes the page at once."""
    row = db.session.execute(
        sa.select(SEATS.c.confirmed_count, SEATS.c.waitlist_count, ProgrammeSession.booking_cap)
        .select_from(ProgrammeSession)
        .outerjoin(SEATS, SEATS.c.session_id == ProgrammeSession.id)
        .where(ProgrammeSession.id == session_id)
    ).first()
    return tuple(row) if row else ()


# The list is the same for everybody but for the marks read live (full; booked, waiting,
# starred and the forms to star and book for a delegate): the cached page holds an empty
# slot per item, which a logged-in person's copy fills (own_programme_page). Visitors see
# "booking required" (programme content); seats are counted on the session page.
@bp.get("/")
@access.public
@cached_page(topics=(PROGRAMME,), args=FILTER_ARGS)
def programme_index() -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return render_programme_index()
    return own_programme_page()


def render_programme_index() -> ResponseReturnValue:
    version = queries.latest_version()
    days = conference_days()
    filters, problem = ProgrammeFilters.from_args_or_message(request.args)
    asked_day = filters.day  # kept in the form, so that clearing the words goes back to it
    if filters.q:
        # Words are looked for on every day: a search from one day's tab that said "0 sessions"
        # while other days matched hid what the visitor was looking for.
        filters = filters.with_day(None)
    elif filters.day is None:
        filters = filters.with_day(days[0])
    items = queries.published_sessions(version, filters) if version else []
    zone = conference_zone()
    per_day = Counter(item.starts_at.astimezone(zone).date() for item in items)
    tracks, venues = queries.filter_choices()
    return render_template(
        "programme/programme_index.html", version=version, items=items, filters=filters, days=days,
        per_day=per_day, tracks=tracks, venues=venues, formats=FORMAT_LABELS, languages=LANGUAGE_LABELS,
        problem=problem, searched_day=asked_day.isoformat() if asked_day else "",
        own_slots=True,
    ), 400 if problem else 200


OWN_SLOT = re.compile(rb"<!--own:([0-9]+)-->")
SLOT_SEPARATOR = "<!--own-slot-->"


def own_programme_page() -> Response:
    """A logged-in person's list: the anonymous page from the cache with their header (or a
    whole render while a message waits or the page is not cached), its slots filled with
    their marks read now, so a star or a booking shows at once."""
    provider = change_tokens()
    found = None
    if provider is not None and shared_for_this_person(True):
        found = page_cache().get(page_key(provider, (PROGRAMME,), FILTER_ARGS, ""))
    body = with_own_header(found.body) if found is not None else None
    response = current_app.make_response(render_programme_index() if body is None else body)
    response.set_data(fill_own_slots(response.get_data()))
    return response


def fill_own_slots(body: bytes) -> bytes:
    ids = [int(found) for found in OWN_SLOT.findall(body)]
    if not ids:
        return body
    rendered = render_template("programme/_own_marks.html", ids=ids, back=page_path())
    slots = dict(zip(ids, (part.encode() for part in rendered.split(SLOT_SEPARATOR)[1:]), strict=True))
    return OWN_SLOT.sub(lambda match: slots[int(match.group(1))], body)


ALL_VENUES = "all"


@bp.get("/grid")
@access.public
@cached_page(topics=(PROGRAMME,), args=("day", "venue"), shared=True)
def programme_grid() -> ResponseReturnValue:
    version = queries.latest_version()
    days = conference_days()
    everywhere = request.args.get("venue") == ALL_VENUES
    filters, problem = ProgrammeFilters.from_args_or_message(
        {key: value for key, value in request.args.items() if key == "day" or (key == "venue" and not everywhere)})
    day = filters.day or days[0]
    filters = filters.with_day(day)
    items = queries.published_sessions(version, filters) if version else []
    chosen = filters.venue
    if not chosen and not everywhere:
        # Thirty rooms side by side cannot be read: by default one venue (busiest_venue).
        chosen = busiest_venue(items)
        items = [item for item in items if item.room is not None and item.room.venue.slug == chosen]
    rooms = sorted({item.room for item in items if item.room is not None},
                   key=lambda r: (r.venue.name, r.name))
    layout = layout_grid(((i.room_id, i.starts_at, i.ends_at, i) for i in items if i.room_id),
                         day=day, zone=conference_zone())
    _tracks, venues = queries.filter_choices()
    return render_template("programme/programme_grid.html", version=version, day=day, days=days,
                           rooms=rooms, layout=layout, rows=busy_rows(layout), venues=venues, filters=filters,
                           chosen=ALL_VENUES if everywhere else chosen, explicit=bool(request.args.get("venue")),
                           problem=problem), 400 if problem else 200


def busiest_venue(items: list[PublishedSession]) -> str:
    """The venue whose grid says most: the most rooms in use that day (a grid of one room is
    a list), then the most sessions, then the name."""
    rooms: dict[Venue, set[int]] = defaultdict(set)
    sessions: Counter[Venue] = Counter()
    for item in items:
        if item.room is not None:  # a cancelled session keeps its place in the grid, marked
            rooms[item.room.venue].add(item.room.id)
            sessions[item.room.venue] += item.status is not SessionStatus.CANCELLED
    if not rooms:
        return ""
    return min(rooms, key=lambda venue: (-len(rooms[venue]), -sessions[venue], venue.name)).slug


def busy_rows(layout: GridLayout) -> list[int]:
    """The grid's rows in the hours that hold a session: no screens of empty early morning,
    lunch gap or evening. An hour is left out only when no block starts in it or runs through it."""
    used = {row for row, _room in layout.blocks} | {row for row, _room in layout.covered}
    hours = {(layout.times[row].date(), layout.times[row].hour) for row in used}
    return [row for row, t in enumerate(layout.times) if (t.date(), t.hour) in hours]


@bp.get("/sessions/<int:session_id>")
@access.public
@cached_page(topics=(PROGRAMME,), live=live_numbers)
def session_detail(session_id: int) -> ResponseReturnValue:
    version = queries.latest_version()
    item = queries.published_session(version, session_id) if version else None
    if item is None:
        abort(404)
    booked, booking_cap = queries.live_seats(session_id) if item.needs_booking else (None, None)
    return render_template("programme/session_detail.html", item=item, version=version, booked=booked,
                           booking_cap=booking_cap, formats=FORMAT_LABELS, languages=LANGUAGE_LABELS,
                           page_url=external_url("programme.session_detail", session_id=session_id))


@bp.get("/changes")
@access.public
@cached_page(topics=(PROGRAMME,), shared=True)
def changes_index() -> ResponseReturnValue:
    versions = queries.recent_versions()
    return render_template("programme/changes_index.html", versions=versions, iter_changes=iter_changes)


@bp.get("/changes.atom")
@access.public
@cached_page(topics=(PROGRAMME,))
def changes_feed() -> ResponseReturnValue:
    versions = queries.recent_versions()
    body = render_template("programme/changes.atom", versions=versions, iter_changes=iter_changes,
                           feed_title=_("ESOF 2022 programme changes"))
    return Response(body, mimetype="application/atom+xml")
