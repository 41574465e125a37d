"""Reusable reads of the public calendar: one filter for pages, the iCal feed and the API.

`CalendarFilter.from_args(request.args)` parses the query string leniently (unknown values
are dropped, so an old link still works) and `to_args()` gives it back in one canonical
order, which makes every filter combination a stable URL. Every list here is one query
(plus one count), whatever the number of events.

`approved_events_stmt` is the one definition of "the public side events": the calendar pages
(through the expanded occurrences), the iCal feeds and the API all start from it.
"""
from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from esof.extensions import db
from esof.side_events.models import (
    AUDIENCE_VALUES,
    EventCategory,
    EventState,
    PartnerInvitation,
    PartnerOrganisation,
    RevisionStatus,
    SideEvent,
    SideEventOccurrence,
    SideEventOccurrenceCancellation,
    SideEventRevision,
)
from esof.side_events.neighbourhoods import with_stored
from esof.venues.models import Venue

CATEGORY_VALUES = frozenset(c.value for c in EventCategory)
LANGUAGE_VALUES = frozenset({"nl", "en"})
MAX_QUERY_LENGTH = 100


def _getlist(args: Mapping[str, Any], name: str) -> list[str]:
    if hasattr(args, "getlist"):
        values = args.getlist(name)
    else:
        value = args.get(name)
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
    found: list[str] = []
    for value in values:
        found.extend(part.strip() for part in str(value).split(",") if part.strip())
    return found


@dataclass(frozen=True)
class CalendarFilter:
    categories: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    neighbourhoods: tuple[str, ...] = ()
    free: bool = False
    text: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> CalendarFilter:
        def allowed(name: str, values: frozenset[str]) -> tuple[str, ...]:
            return tuple(sorted({v.lower() for v in _getlist(args, name)} & values))

        neighbourhoods = tuple(sorted({v[:100] for v in _getlist(args, "neighbourhood")}))
        free = str(args.get("free", "")).lower() in {"1", "true", "yes", "on"}
        text = " ".join(str(args.get("q", "") or "").split())[:MAX_QUERY_LENGTH]
        return cls(
            categories=allowed("category", CATEGORY_VALUES),
            audiences=allowed("audience", AUDIENCE_VALUES),
            languages=allowed("language", LANGUAGE_VALUES),
            neighbourhoods=neighbourhoods,
            free=free,
            text=text,
        )

    def to_args(self) -> dict[str, Any]:
        """Query arguments in a fixed order; empty filters are left out."""
        args: dict[str, Any] = {}
        if self.categories:
            args["category"] = list(self.categories)
        if self.audiences:
            args["audience"] = list(self.audiences)
        if self.languages:
            args["language"] = list(self.languages)
        if self.neighbourhoods:
            args["neighbourhood"] = list(self.neighbourhoods)
        if self.free:
            args["free"] = "1"
        if self.text:
            args["q"] = self.text
        return args

    @property
    def active(self) -> bool:
        return bool(self.to_args())

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        """WHERE conditions on SideEventRevision (the approved one, joined by the caller)."""
        rev = SideEventRevision
        found: list[sa.ColumnElement[bool]] = []
        if self.categories:
            found.append(rev.category.in_([EventCategory(c) for c in self.categories]))
        if self.audiences:
            # Audiences are a short comma list; match whole words with delimiters added.
            padded = sa.literal(",") + rev.audience + sa.literal(",")
            found.append(sa.or_(*(padded.contains(f",{a},") for a in self.audiences)))
        if self.languages:
            found.append(rev.language.in_(self.languages))
        if self.neighbourhoods:
            found.append(sa.func.lower(rev.neighbourhood).in_([n.lower() for n in self.neighbourhoods]))
        if self.free:
            found.append(sa.or_(rev.price_cents.is_(None), rev.price_cents == 0))
        for word in self.text.split():
            needle = word.lower()
            found.append(
                sa.or_(
                    *(
                        sa.func.lower(column).contains(needle, autoescape=True)
                        for column in (rev.title_en, rev.title_nl, rev.description_en,
                                       rev.description_nl, rev.location_name, rev.neighbourhood)
                    )
                )
            )
        return found


def approved_events_stmt(calendar_filter: CalendarFilter = CalendarFilter()) -> sa.Select[Any]:
    """(SideEvent, its approved SideEventRevision) of every public event that `calendar_filter`
    lets through, with the organisation and the venue loaded in the same query. Unordered:
    each caller orders (and pages) as its page needs."""
    return (
        sa.select(SideEvent, SideEventRevision)
        .join(SideEventRevision, sa.and_(SideEventRevision.event_id == SideEvent.id,
                                         SideEventRevision.status == RevisionStatus.APPROVED))
        .where(SideEvent.state == EventState.APPROVED, *calendar_filter.conditions())
        .options(joinedload(SideEvent.organisation), joinedload(SideEventRevision.venue))
    )


def change_stamp() -> str:
    """The side events' change token: it changes whenever an event is approved, edited and
    approved, cancelled (or one of its dates: that raises the event's SEQUENCE too), or taken
    down (the feeds' cache keys name it)."""
    latest, count, sequences = db.session.execute(
        sa.select(sa.func.max(SideEvent.updated_at), sa.func.count(SideEvent.id), sa.func.sum(SideEvent.sequence))
    ).one()
    return f"{latest.isoformat() if latest else '-'}/{count}/{sequences or 0}"


@dataclass(frozen=True)
class CalendarRow:
    """One occurrence with what a list item shows."""

    occurrence: SideEventOccurrence
    event: SideEvent
    revision: SideEventRevision
    cancellation: SideEventOccurrenceCancellation | None = None  # this date alone is cancelled

    @property
    def event_id(self) -> int:
        return self.occurrence.event_id

    @property
    def cancelled(self) -> bool:
        return self.event.is_cancelled or self.cancellation is not None

    @property
    def organisation_name(self) -> str:
        return self.event.organisation.name

    @property
    def venue_name(self) -> str | None:
        return self.revision.venue.name if self.revision.venue is not None else None


def cancellation_of_occurrence() -> sa.ColumnElement[bool]:
    """The ON clause that finds an occurrence's own cancellation (outer-join it)."""
    return sa.and_(
        SideEventOccurrenceCancellation.event_id == SideEventOccurrence.event_id,
        SideEventOccurrenceCancellation.local_day == SideEventOccurrence.local_day,
    )


def _occurrence_select(calendar_filter: CalendarFilter) -> sa.Select[Any]:
    """(SideEvent, SideEventRevision, SideEventOccurrence, its cancellation or None): the
    public events' expanded dates, cancelled ones included (they are shown struck through)."""
    return (
        approved_events_stmt(calendar_filter)
        .join(SideEventOccurrence, SideEventOccurrence.revision_id == SideEventRevision.id)
        .outerjoin(SideEventOccurrenceCancellation, cancellation_of_occurrence())
        .add_columns(SideEventOccurrence, SideEventOccurrenceCancellation)
    )


def _rows(session: Any, stmt: sa.Select[Any]) -> list[CalendarRow]:
    return [
        CalendarRow(occurrence, event, revision, cancellation)
        for event, revision, occurrence, cancellation in session.execute(stmt)
    ]


class Numbered:
    """A page of a list, as templates/_pagination.html's `pages` reads it (the subclass is a
    dataclass with these three fields)."""

    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


@dataclass(frozen=True)
class CalendarPage(Numbered):
    rows: list[CalendarRow]
    total: int
    page: int
    per_page: int


def upcoming_occurrences(
    session: Any, calendar_filter: CalendarFilter, *, now: datetime, page: int = 1, per_page: int = 20
) -> CalendarPage:
    """Occurrences that have not ended yet, soonest first (ongoing exhibitions included)."""
    base = _occurrence_select(calendar_filter).where(SideEventOccurrence.ends_at > now)
    total = session.scalar(sa.select(sa.func.count()).select_from(base.order_by(None).subquery()))
    page = max(1, page)
    stmt = (
        base.order_by(SideEventOccurrence.starts_at, SideEventOccurrence.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return CalendarPage(_rows(session, stmt), total or 0, page, per_page)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def occurrences_between(
    session: Any, calendar_filter: CalendarFilter, *, first_day: date, last_day: date, zone: ZoneInfo
) -> list[CalendarRow]:
    """Occurrences that touch any local day from first_day to last_day, in start order."""
    window_start = local_midnight(first_day, zone)
    window_end = local_midnight(last_day + timedelta(days=1), zone)
    stmt = (
        _occurrence_select(calendar_filter)
        .where(SideEventOccurrence.starts_at < window_end)
        .where(SideEventOccurrence.ends_at > window_start)
        .order_by(SideEventOccurrence.starts_at, SideEventOccurrence.id)
    )
    return _rows(session, stmt)


@dataclass(frozen=True)
class MonthView:
    year: int
    month: int
    weeks: list[list[date]]  # Monday-first weeks covering the month
    by_day: dict[date, list[CalendarRow]]  # events of the day, a short multi-day one on each of its days
    running: list[CalendarRow]  # events longer than a week (exhibitions), listed once

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)


# An event longer than this is listed once above the month, not on each of its days: on a
# phone thirty exhibitions on every day would push the days out of sight.
LONG_RUNNING_DAYS = 7


def month_view(
    session: Any, calendar_filter: CalendarFilter, *, year: int, month: int, zone: ZoneInfo
) -> MonthView:
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    first, last = date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    rows = occurrences_between(session, calendar_filter, first_day=first, last_day=last, zone=zone)
    by_day: dict[date, list[CalendarRow]] = {}
    running: list[CalendarRow] = []
    for row in rows:
        days = spans_days(row.occurrence, zone)
        if days > LONG_RUNNING_DAYS:
            running.append(row)
            continue
        for n in range(days):
            day = row.occurrence.local_day + timedelta(days=n)
            if first <= day <= last:
                by_day.setdefault(day, []).append(row)
    return MonthView(year, month, weeks, by_day, running)


def last_local_day(occurrence: SideEventOccurrence, zone: ZoneInfo) -> date:
    """The last local day an occurrence touches (all-day ends are exclusive midnights)."""
    return (occurrence.ends_at.astimezone(zone) - timedelta(microseconds=1)).date()


def spans_days(occurrence: SideEventOccurrence, zone: ZoneInfo) -> int:
    return (last_local_day(occurrence, zone) - occurrence.local_day).days + 1


def neighbourhood_choices(session: Any) -> list[str]:
    """The filter's list: the neighbourhoods partners choose from, and any other name public
    events already carry."""
    stmt = (
        sa.select(SideEventRevision.neighbourhood)
        .where(SideEventRevision.status == RevisionStatus.APPROVED, SideEventRevision.neighbourhood != "")
        .distinct()
    )
    return with_stored(list(session.scalars(stmt)))


def events_for_editor(session: Any, organisation_ids: set[int] | None) -> list[SideEvent]:
    """The events a partner sees at /calendar/mine (None: every event, for organisers); a
    withdrawn submission is gone."""
    stmt = (
        sa.select(SideEvent)
        .options(selectinload(SideEvent.revisions), selectinload(SideEvent.organisation))
        .where(SideEvent.state != EventState.WITHDRAWN)
        .order_by(SideEvent.id.desc())
    )
    if organisation_ids is not None:
        stmt = stmt.where(SideEvent.organisation_id.in_(organisation_ids or {-1}))
    return list(session.scalars(stmt))


def next_occurrences(session: Any, event_id: int, *, now: datetime, limit: int = 30) -> list[SideEventOccurrence]:
    stmt = (
        sa.select(SideEventOccurrence)
        .where(SideEventOccurrence.event_id == event_id, SideEventOccurrence.ends_at > now)
        .order_by(SideEventOccurrence.starts_at)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def cancelled_occurrences(
    session: Any, event_ids: list[int]
) -> dict[int, list[tuple[SideEventOccurrence, SideEventOccurrenceCancellation]]]:
    """The cancelled dates of these events that are still dates of their approved revision,
    by event, in start order: one query (the feeds write each as an override)."""
    if not event_ids:
        return {}
    stmt = (
        sa.select(SideEventOccurrence, SideEventOccurrenceCancellation)
        .join(SideEventOccurrenceCancellation, cancellation_of_occurrence())
        .where(SideEventOccurrence.event_id.in_(event_ids))
        .order_by(SideEventOccurrence.event_id, SideEventOccurrence.starts_at)
    )
    found: dict[int, list[tuple[SideEventOccurrence, SideEventOccurrenceCancellation]]] = {}
    for occurrence, cancellation in session.execute(stmt):
        found.setdefault(occurrence.event_id, []).append((occurrence, cancellation))
    return found


def partner_organisations(session: Any) -> list[PartnerOrganisation]:
    return list(session.scalars(sa.select(PartnerOrganisation).order_by(PartnerOrganisation.name)))


def invitations_of(session: Any, organisation_id: int) -> list[PartnerInvitation]:
    """An organisation's invitations, newest first."""
    stmt = (
        sa.select(PartnerInvitation)
        .where(PartnerInvitation.organisation_id == organisation_id)
        .order_by(PartnerInvitation.created_at.desc())
    )
    return list(session.scalars(stmt))


def venue_options(session: Any) -> list[tuple[int, str]]:
    """(id, name) of every venue, by name, for the event form."""
    return [(row.id, row.name) for row in session.execute(sa.select(Venue.id, Venue.name).order_by(Venue.name))]
