"""The numbers behind the organisers' dashboard, each read by one aggregate query (a few by
two), so the page costs the same handful of statements for 50 or 5,000 delegates.

Times are bucketed by UTC hour in SQL and turned into local (Europe/Amsterdam) days here:
the zone's offsets are whole hours, so an hour bucket never straddles two local days, and
neither SQLite nor PostgreSQL needs to know the zone."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

from esof.bookings.models import SessionSeats
from esof.bookings.published import seat_counts
from esof.checkin.models import CheckIn, Direction
from esof.checkin.services import occupancy_report
from esof.conference import CLOSES_AT, OPENS_AT, conference_days, festival_year, to_local
from esof.db import utcnow
from esof.extensions import db
from esof.programme.models import ProgrammeSession
from esof.registration.countries import country_name
from esof.registration.models import (
    Attendance,
    ConferenceSettings,
    PaymentStatus,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
)
from esof.side_events.models import (
    MODERATED_STATES,
    EventState,
    RevisionStatus,
    SideEvent,
    SideEventOccurrence,
    SideEventRevision,
)

TOP_COUNTRIES = 20
FULLEST_SESSIONS = 12
# Moderation backlog by how long the revision has waited (days; the last bucket is "longer").
BACKLOG_AGES = (1, 3, 7)
T = TypeVar("T")


class utc_hour(GenericFunction[str]):  # an SQL function's name
    """'YYYY-MM-DD HH' of an instant in UTC, on SQLite and PostgreSQL alike."""

    type = sa.String()
    inherit_cache = True


@compiles(utc_hour, "sqlite")
def _utc_hour_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    # SQLite stores instants as naive UTC text, 'YYYY-MM-DD HH:MM:SS…' (esof.db.UTCDateTime):
    # its first 13 characters are the hour, and substr costs a third of strftime.
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 13)"


@compiles(utc_hour, "postgresql")
def _utc_hour_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"


def local_hour_of(bucket: str) -> datetime:
    # fromisoformat: a tenth of strptime's time, which counted with thousands of buckets.
    return to_local(datetime.fromisoformat(f"{bucket}:00+00:00"))


def local_day_of(bucket: str) -> date:
    return local_hour_of(bucket).date()


def _cached(key: str, compute: Callable[[], T]) -> T:
    """Keep a costly series for ORGANISER_DASHBOARD_CACHE_SECONDS in this process (0: never).
    Only door scans use it: they pile up by the tens of thousands, and a half-minute-old
    curve of the day is as good as a fresh one. Registrations are always read afresh."""
    seconds = float(current_app.config.get("ORGANISER_DASHBOARD_CACHE_SECONDS", 30))
    store: dict[str, tuple[float, Any]] = current_app.extensions.setdefault("esof_organiser_dashboard", {})
    if seconds <= 0:
        return compute()
    now = time.monotonic()
    hit = store.get(key)
    if hit is not None and hit[0] > now:
        return cast(T, hit[1])
    value = compute()
    store[key] = (now + seconds, value)
    return value


ACTIVE = Registration.status != RegistrationStatus.CANCELLED


@dataclass
class RegistrationGrowth:
    days: list[date]
    onsite: list[int]  # cumulative, active registrations created up to each day
    online: list[int]
    onsite_cap: int | None


def registration_growth() -> RegistrationGrowth:
    """Registrations that are still active, counted by the local day they were made."""
    per_day: dict[date, dict[Attendance, int]] = {}
    stmt = (
        sa.select(utc_hour(Registration.created_at), Registration.attendance, sa.func.count())
        .where(ACTIVE)
        .group_by(utc_hour(Registration.created_at), Registration.attendance)
    )
    for bucket, attendance, count in db.session.execute(stmt):
        counts = per_day.setdefault(local_day_of(bucket), {})
        counts[attendance] = counts.get(attendance, 0) + count
    cap = db.session.scalar(sa.select(ConferenceSettings.onsite_cap).limit(1))
    days: list[date] = []
    onsite: list[int] = []
    online: list[int] = []
    total_on = total_off = 0
    if per_day:
        first, last = min(per_day), max(per_day)
        for n in range((last - first).days + 1):
            day = first + timedelta(days=n)
            counts = per_day.get(day, {})
            total_on += counts.get(Attendance.ONSITE, 0)
            total_off += counts.get(Attendance.ONLINE, 0)
            days.append(day)
            onsite.append(total_on)
            online.append(total_off)
    return RegistrationGrowth(days, onsite, online, cap)


@dataclass
class CategoryRow:
    name: str
    onsite: int = 0
    online: int = 0
    by_status: dict[RegistrationStatus, int] = field(default_factory=dict)


def registrations_by_category(language: str) -> list[CategoryRow]:
    stmt = (
        sa.select(
            RegistrationCategory.id, RegistrationCategory.name, RegistrationCategory.name_nl,
            Registration.attendance, Registration.status, sa.func.count(Registration.id),
        )
        .join(Registration, sa.and_(Registration.category_id == RegistrationCategory.id, ACTIVE), isouter=True)
        .group_by(RegistrationCategory.id, RegistrationCategory.name, RegistrationCategory.name_nl,
                  Registration.attendance, Registration.status)
        .order_by(RegistrationCategory.sort_order, RegistrationCategory.id)
    )
    rows: dict[int, CategoryRow] = {}
    for category_id, name, name_nl, attendance, status, count in db.session.execute(stmt):
        row = rows.setdefault(category_id, CategoryRow(name_nl if language == "nl" and name_nl else name))
        if status is None:
            continue
        if attendance == Attendance.ONSITE:
            row.onsite += count
        else:
            row.online += count
        row.by_status[status] = row.by_status.get(status, 0) + count
    return list(rows.values())


def registrations_by_country(language: str, limit: int = TOP_COUNTRIES) -> list[tuple[str, int]]:
    count = sa.func.count(Registration.id)
    stmt = (
        sa.select(Registration.country, count)
        .where(ACTIVE, Registration.country != "")
        .group_by(Registration.country)
        .order_by(count.desc(), Registration.country)
        .limit(limit)
    )
    return [(country_name(code, language) or code, n) for code, n in db.session.execute(stmt)]


@dataclass
class PaymentRow:
    status: PaymentStatus
    registrations: int
    cents: int


def payments() -> list[PaymentRow]:
    """Active registrations by payment status, with what is due (waived: what was let off)."""
    stmt = (
        sa.select(Registration.payment_status, sa.func.count(),
                  sa.func.coalesce(sa.func.sum(Registration.amount_due_cents), 0))
        .where(ACTIVE)
        .group_by(Registration.payment_status)
    )
    found = {status: (n, int(cents)) for status, n, cents in db.session.execute(stmt)}
    return [PaymentRow(status, *found.get(status, (0, 0))) for status in PaymentStatus]


@dataclass
class SessionDemand:
    title: str
    booked: int
    waiting: int
    capacity: int | None


def fullest_sessions(language: str, limit: int = FULLEST_SESSIONS) -> list[SessionDemand]:
    """The sessions most asked for (seats taken plus waiting), with their live capacity."""
    demand = SessionSeats.confirmed_count + SessionSeats.waitlist_count
    stmt = (
        sa.select(ProgrammeSession.id, ProgrammeSession.title, ProgrammeSession.title_nl,
                  SessionSeats.confirmed_count, SessionSeats.waitlist_count)
        .join(ProgrammeSession, ProgrammeSession.id == SessionSeats.session_id)
        .where(demand > 0)
        .order_by(demand.desc(), ProgrammeSession.id)
        .limit(limit)
    )
    rows = list(db.session.execute(stmt))
    capacities = seat_counts([row.id for row in rows])
    return [
        SessionDemand(
            row.title_nl if language == "nl" and row.title_nl else row.title,
            row.confirmed_count, row.waitlist_count,
            capacities[row.id].capacity if row.id in capacities else None,
        )
        for row in rows
    ]


@dataclass
class SideEventSummary:
    months: list[int]  # 1..12 of the festival year
    events: list[int]  # approved, not cancelled events with a date in the month
    backlog: list[int]  # pending revisions by waiting time, per BACKLOG_AGES bucket and longer


def side_event_summary(now: datetime | None = None) -> SideEventSummary:
    year = festival_year()
    month = sa.extract("month", SideEventOccurrence.local_day)
    stmt = (
        sa.select(month, sa.func.count(sa.distinct(SideEventOccurrence.event_id)))
        .join(SideEvent, SideEvent.id == SideEventOccurrence.event_id)
        .where(SideEvent.state == EventState.APPROVED, SideEvent.cancelled_at.is_(None),
               SideEventOccurrence.local_day >= date(year, 1, 1), SideEventOccurrence.local_day <= date(year, 12, 31))
        .group_by(month)
    )
    per_month = {int(m): n for m, n in db.session.execute(stmt)}
    now = now or utcnow()
    edges = [now - timedelta(days=d) for d in BACKLOG_AGES]
    buckets = [
        sa.func.coalesce(sa.func.sum(sa.case((SideEventRevision.created_at > edges[0], 1), else_=0)), 0),
        *(
            sa.func.coalesce(sa.func.sum(sa.case(
                (sa.and_(SideEventRevision.created_at <= newer, SideEventRevision.created_at > older), 1), else_=0,
            )), 0)
            for newer, older in zip(edges, edges[1:], strict=False)
        ),
        sa.func.coalesce(sa.func.sum(sa.case((SideEventRevision.created_at <= edges[-1], 1), else_=0)), 0),
    ]
    backlog = db.session.execute(
        sa.select(*buckets)
        .join(SideEvent, SideEvent.id == SideEventRevision.event_id)
        .where(SideEventRevision.status == RevisionStatus.PENDING,
               SideEvent.state.in_(MODERATED_STATES))
    ).one()
    return SideEventSummary(list(range(1, 13)), [per_month.get(m, 0) for m in range(1, 13)], [int(n) for n in backlog])


@dataclass
class Occupancy:
    venues: list[tuple[str, int, int]]  # name, present now, capacity
    hours: list[datetime] = field(default_factory=list)  # local hours of the conference days
    on_site: list[int] = field(default_factory=list)  # people inside venue doors, at each hour's end
    live: bool = False  # today is a conference day


def occupancy(now: datetime | None = None) -> Occupancy:
    now = now or utcnow()
    venues = [(v.venue.door.label, v.venue.present, v.venue.door.capacity) for v in occupancy_report()]
    bucket = utc_hour(CheckIn.scanned_at)
    stmt = (
        sa.select(bucket, CheckIn.direction, sa.func.count())
        .where(CheckIn.counted.is_(True), CheckIn.room_id.is_(None),
               CheckIn.scanned_at >= OPENS_AT - timedelta(hours=3),
               CheckIn.scanned_at <= CLOSES_AT + timedelta(hours=9))
        .group_by(bucket, CheckIn.direction)
        .order_by(bucket)
    )

    def on_site_by_hour() -> tuple[list[datetime], list[int]]:
        moves: dict[datetime, int] = {}
        for hour, direction, count in db.session.execute(stmt):
            key = local_hour_of(hour)
            moves[key] = moves.get(key, 0) + (count if direction == Direction.IN else -count)
        hours, on_site, present = [], [], 0
        for key in sorted(moves):
            present += moves[key]
            hours.append(key)
            on_site.append(present)
        return hours, on_site

    hours, on_site = _cached("on-site-by-hour", on_site_by_hour)
    return Occupancy(venues, hours, on_site, to_local(now).date() in conference_days())
