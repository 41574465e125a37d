"""Reads behind the public API: the latest published programme, venues, tracks and the
approved side events, each page in a fixed number of queries whatever its size.

Sessions come from programme.queries (the same statement the programme page uses), seats
from bookings.services.seat_counts (one query for a whole page), side events from the
statement the calendar and its feeds use (side_events.queries.approved_events_stmt), with the
/calendar/ filters (side_events.queries.CalendarFilter).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from esof.api import representations as rep
from esof.api.params import PageRequest, SideEventQuery
from esof.bookings.services import seat_counts
from esof.conference import conference_zone
from esof.db import utcnow
from esof.errors import NotFound
from esof.extensions import db
from esof.programme import queries as programme_queries
from esof.programme.models import PublishedSession, Track
from esof.programme.queries import ProgrammeFilters
from esof.programme.services import latest_version
from esof.side_events.models import SideEvent, SideEventOccurrence, SideEventOccurrenceCancellation
from esof.side_events.queries import CalendarFilter, approved_events_stmt, cancellation_of_occurrence, local_midnight
from esof.venues.models import Venue

NEXT_OCCURRENCES = 10


@dataclass(frozen=True)
class ItemPage:
    items: list[dict[str, Any]]
    total: int
    page: PageRequest

    @property
    def has_next(self) -> bool:
        return self.page.offset + len(self.items) < self.total


def _count(stmt: sa.Select[Any]) -> int:
    plain = stmt.order_by(None).options()
    return db.session.scalar(sa.select(sa.func.count()).select_from(plain.subquery())) or 0


def _paged(stmt: sa.Select[Any], page: PageRequest) -> sa.Select[Any]:
    return stmt.limit(page.per_page).offset(page.offset)


# --------------------------------------------------------------------------- sessions


def _session_items(rows: list[PublishedSession], language: str) -> list[dict[str, Any]]:
    counts = seat_counts([row.session_id for row in rows]) if rows else {}
    return [rep.session_json(row, counts.get(row.session_id), language=language) for row in rows]


def list_sessions(*, filters: ProgrammeFilters, page: PageRequest, language: str = "en") -> ItemPage:
    """Sessions of the latest published version (cancelled ones included, with their status)."""
    version = latest_version()
    if version is None:
        return ItemPage([], 0, page)
    stmt = programme_queries.published_sessions_stmt(version.id, filters).order_by(PublishedSession.session_id)
    total = _count(programme_queries.published_sessions_stmt(version.id, filters))
    rows = list(db.session.scalars(_paged(stmt, page)).unique()) if page.offset < total else []
    return ItemPage(_session_items(rows, language), total, page)


def get_session(*, session_id: int, language: str = "en") -> dict[str, Any]:
    version = latest_version()
    row = programme_queries.published_session(version, session_id) if version else None
    if row is None:
        raise NotFound(_("This session is not in the published programme."))
    return _session_items([row], language)[0]


# --------------------------------------------------------------------------- venues, tracks


def _venues_stmt() -> sa.Select[Any]:
    return (
        sa.select(Venue)
        .options(selectinload(Venue.rooms), selectinload(Venue.opening_hours))
        .order_by(Venue.name, Venue.id)
    )


def list_venues(*, page: PageRequest) -> ItemPage:
    total = _count(sa.select(Venue))
    venues = list(db.session.scalars(_paged(_venues_stmt(), page))) if page.offset < total else []
    return ItemPage([rep.venue_json(v) for v in venues], total, page)


def get_venue(*, venue_id: int) -> dict[str, Any]:
    venue = db.session.scalar(_venues_stmt().where(Venue.id == venue_id))
    if venue is None:
        raise NotFound(_("There is no such venue."))
    return rep.venue_json(venue)


def list_tracks(*, page: PageRequest) -> ItemPage:
    total = _count(sa.select(Track))
    stmt = sa.select(Track).order_by(Track.name, Track.id)
    tracks = list(db.session.scalars(_paged(stmt, page))) if page.offset < total else []
    return ItemPage([rep.track_json(t) for t in tracks], total, page)


# --------------------------------------------------------------------------- side events


@dataclass(frozen=True)
class _Window:
    starts: datetime | None
    ends: datetime | None


def _window(query: SideEventQuery) -> _Window:
    zone = conference_zone()
    return _Window(
        local_midnight(query.first_day, zone) if query.first_day else None,
        local_midnight(query.last_day + timedelta(days=1), zone) if query.last_day else None,
    )


def _occurrence_conditions(window: _Window) -> list[sa.ColumnElement[bool]]:
    found: list[sa.ColumnElement[bool]] = []
    if window.starts is not None:
        found.append(SideEventOccurrence.ends_at > window.starts)
    if window.ends is not None:
        found.append(SideEventOccurrence.starts_at < window.ends)
    return found


def _side_events_stmt(query: SideEventQuery) -> sa.Select[Any]:
    window = _window(query)
    first_start = (
        sa.select(sa.func.min(SideEventOccurrence.starts_at))
        .where(SideEventOccurrence.event_id == SideEvent.id)
        .scalar_subquery()
    )
    stmt = approved_events_stmt(query.calendar_filter).order_by(first_start.nulls_last(), SideEvent.id)
    if window.starts is not None or window.ends is not None:
        stmt = stmt.where(
            sa.exists().where(SideEventOccurrence.event_id == SideEvent.id, *_occurrence_conditions(window))
        )
    return stmt


def _next_occurrences(event_ids: list[int], window: _Window) -> dict[int, list[tuple[SideEventOccurrence, bool]]]:
    """Up to NEXT_OCCURRENCES per event, each with whether that date is cancelled, in ONE
    query (a window function per event)."""
    if not event_ids:
        return {}
    starts = window.starts if window.starts is not None else utcnow()
    rank = sa.func.row_number().over(
        partition_by=SideEventOccurrence.event_id,
        order_by=(SideEventOccurrence.starts_at, SideEventOccurrence.id),
    ).label("rank")
    ranked = (
        sa.select(SideEventOccurrence.id, rank)
        .where(SideEventOccurrence.event_id.in_(event_ids),
               *_occurrence_conditions(_Window(starts, window.ends)))
        .subquery()
    )
    stmt = (
        sa.select(SideEventOccurrence, SideEventOccurrenceCancellation.local_day.is_not(None))
        .join(ranked, ranked.c.id == SideEventOccurrence.id)
        .outerjoin(SideEventOccurrenceCancellation, cancellation_of_occurrence())
        .where(ranked.c.rank <= NEXT_OCCURRENCES)
        .order_by(SideEventOccurrence.event_id, SideEventOccurrence.starts_at, SideEventOccurrence.id)
    )
    found: dict[int, list[tuple[SideEventOccurrence, bool]]] = defaultdict(list)
    for occurrence, cancelled in db.session.execute(stmt):
        found[occurrence.event_id].append((occurrence, bool(cancelled)))
    return found


def _side_event_items(rows: list[Any], query: SideEventQuery, language: str) -> list[dict[str, Any]]:
    occurrences = _next_occurrences([event.id for event, *_ in rows], _window(query))
    return [
        rep.side_event_json(event, revision, occurrences.get(event.id, []), language=language)
        for event, revision in rows
    ]


def list_side_events(*, query: SideEventQuery, language: str, page: PageRequest) -> ItemPage:
    """Approved events (one item per event, recurring ones with their rule), first start first."""
    stmt = _side_events_stmt(query)
    total = _count(stmt)
    rows = list(db.session.execute(_paged(stmt, page))) if page.offset < total else []
    return ItemPage(_side_event_items(rows, query, language), total, page)


def get_side_event(*, event_id: int, occurrences_from: date | None, language: str) -> dict[str, Any]:
    """One approved event; its next occurrences start at `occurrences_from` (a local day) or now."""
    row = db.session.execute(
        _side_events_stmt(SideEventQuery(CalendarFilter())).where(SideEvent.id == event_id)
    ).one_or_none()
    if row is None:
        raise NotFound(_("This event is not in the calendar."))
    return _side_event_items([row], SideEventQuery(CalendarFilter(), first_day=occurrences_from), language)[0]


# --------------------------------------------------------------------------- speakers


def _speaker_items(version_id: int, rows: list[programme_queries.PublicSpeakerRow]) -> list[dict[str, Any]]:
    sessions = programme_queries.speaker_session_ids(version_id, [row.person_id for row in rows])
    return [rep.speaker_json(row, sessions[row.person_id]) for row in rows]


def list_speakers(*, q: str, page: PageRequest) -> ItemPage:
    """Speakers of the latest published version (with a session that is not cancelled), by name:
    three queries per page (count, speakers, their sessions) whatever its size."""
    version = latest_version()
    if version is None:
        return ItemPage([], 0, page)
    total = programme_queries.count_published_speakers(version.id, q)
    rows = programme_queries.published_speakers(version.id, q=q, limit=page.per_page,
                                                offset=page.offset) if page.offset < total else []
    return ItemPage(_speaker_items(version.id, rows), total, page)


def get_speaker(*, speaker_id: int) -> dict[str, Any]:
    version = latest_version()
    row = programme_queries.published_speaker(version.id, speaker_id) if version else None
    if version is None or row is None:
        raise NotFound(_("This speaker is not in the published programme."))
    return _speaker_items(version.id, [row])[0]
