"""The conflict report: every hard conflict and warning of the draft schedule, as organisers read it.

The rules themselves are pure functions in esof/programme/scheduling.py; this module loads
the draft as plain facts (a handful of column queries) and words the issues.
"""
from __future__ import annotations

import time as clock
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from esof.conference import conference_zone
from esof.errors import Conflict
from esof.extensions import db
from esof.programme import scheduling
from esof.programme.models import (
    Person,
    PersonAvailability,
    ProgrammeSession,
    ScheduleSlot,
    SessionSpeaker,
    SessionStatus,
)
from esof.programme.queries import SESSION_SEATS
from esof.programme.scheduling import Issue, IssueCode, OpeningHours, PlacedSession
from esof.venues.models import Room, Venue, VenueOpeningHours

# Stars and live bookings are the bookings area's tables; the programme reads them through light
# table descriptions (as SESSION_SEATS), because bookings depends on programme, never the reverse.
STARS = sa.table("star", sa.column("user_id"), sa.column("session_id"))
BOOKINGS = sa.table("booking", sa.column("user_id"), sa.column("session_id"), sa.column("status"))
# Delegates who must share a walk before the report warns about it (a setting).
DEFAULT_CROWD_MIN_DELEGATES = 20


class PublishRefused(Conflict):
    default_message = _l("The schedule has hard conflicts and was not published.")

    def __init__(self, issues: Sequence[Issue], titles: dict[int, str]) -> None:
        self.issues = list(issues)
        lines = [describe_issue(issue, titles) for issue in self.issues]
        message = _("The schedule has %(n)d hard conflict(s) and was not published: %(list)s",
                    n=len(lines), list="; ".join(lines))
        super().__init__(message)


@dataclass
class ConflictReport:
    issues: list[Issue]
    titles: dict[int, str]
    elapsed_ms: float = 0.0
    by_session: dict[int, list[Issue]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        grouped: dict[int, list[Issue]] = defaultdict(list)
        for issue in self.issues:
            for session_id in issue.session_ids:
                grouped[session_id].append(issue)
        self.by_session = dict(grouped)

    @property
    def hard(self) -> list[Issue]:
        return [i for i in self.issues if i.is_hard]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if not i.is_hard]

    def as_json(self) -> dict[str, Any]:
        return {
            "hard": len(self.hard),
            "warnings": len(self.warnings),
            "elapsed_ms": round(self.elapsed_ms, 2),
            "issues": [
                {
                    "code": str(i.code), "severity": str(i.severity), "session_ids": list(i.session_ids),
                    "sessions": [{"id": s, "title": self.titles.get(s, "")} for s in i.session_ids],
                    "message": describe_issue(i, self.titles), "detail": dict(i.detail),
                }
                for i in self.issues
            ],
        }


def describe_issue(issue: Issue, titles: dict[int, str]) -> str:
    d = issue.detail
    names = " / ".join(f"“{titles.get(s, s)}”" for s in issue.session_ids)
    code = issue.code
    if code is IssueCode.ROOM_DOUBLE_BOOKED:
        return _("%(room)s (%(venue)s) is used twice at once: %(sessions)s",
                 room=d["room"], venue=d["venue"], sessions=names)
    if code is IssueCode.SPEAKER_DOUBLE_BOOKED:
        return _("%(speaker)s speaks in two sessions at once: %(sessions)s", speaker=d["speaker"], sessions=names)
    if code is IssueCode.SPEAKER_UNAVAILABLE:
        return _("%(speaker)s is not available at the time of %(sessions)s", speaker=d["speaker"], sessions=names)
    if code is IssueCode.AUDIENCE_ABOVE_CAPACITY:
        return _("%(sessions)s expects %(expected)d people; %(room)s seats %(capacity)d",
                 sessions=names, expected=d["expected"], room=d["room"], capacity=d["capacity"])
    if code is IssueCode.BOOKINGS_ABOVE_CAPACITY:
        return _("%(sessions)s has %(booked)d bookings; %(room)s seats %(capacity)d",
                 sessions=names, booked=d["booked"], room=d["room"], capacity=d["capacity"])
    if code is IssueCode.OUTSIDE_OPENING_HOURS:
        return _("%(sessions)s is outside the opening hours of %(venue)s", sessions=names, venue=d["venue"])
    if code is IssueCode.STEP_FREE_MISSING:
        return _("%(sessions)s needs step-free access, which %(room)s does not have", sessions=names, room=d["room"])
    if code is IssueCode.CROWD_WALKING_TIME:
        return _("%(delegates)d delegates chose %(sessions)s one after the other: %(gap)d minutes to walk from "
                 "%(from)s to %(to)s, which takes %(needed)d",
                 delegates=d["delegates"], gap=d["gap_minutes"], needed=d["needed_minutes"],
                 **{"from": d["from_venue"], "to": d["to_venue"]}, sessions=names)
    return _("%(speaker)s has %(gap)d minutes to walk from %(from)s to %(to)s but needs %(needed)d: %(sessions)s",
             speaker=d["speaker"], gap=d["gap_minutes"], needed=d["needed_minutes"],
             **{"from": d["from_venue"], "to": d["to_venue"]}, sessions=names)


def load_placed_sessions() -> tuple[list[PlacedSession], dict[int, str]]:
    """The draft schedule as plain facts for the rules: a handful of column queries."""
    rows = db.session.execute(
        sa.select(
            ProgrammeSession.id, ProgrammeSession.title, ProgrammeSession.expected_audience,
            ProgrammeSession.needs_step_free, ScheduleSlot.starts_at, ScheduleSlot.ends_at,
            Room.id, Room.name, Room.capacity, Room.allows_parallel, Room.step_free,
            Venue.id, Venue.name, Venue.step_free, Venue.latitude, Venue.longitude,
            sa.func.coalesce(SESSION_SEATS.c.confirmed_count, 0),
        )
        .join(ScheduleSlot, ScheduleSlot.session_id == ProgrammeSession.id)
        .join(Room, Room.id == ScheduleSlot.room_id)
        .join(Venue, Venue.id == Room.venue_id)
        .outerjoin(SESSION_SEATS, SESSION_SEATS.c.session_id == ProgrammeSession.id)
        .where(ProgrammeSession.status != SessionStatus.CANCELLED)
    ).all()
    speakers: dict[int, list[int]] = defaultdict(list)
    step_free_people: set[int] = set()
    for session_id, person_id, needs_step_free in db.session.execute(
        sa.select(SessionSpeaker.session_id, SessionSpeaker.person_id, Person.needs_step_free)
        .join(Person, Person.id == SessionSpeaker.person_id)
        .join(ScheduleSlot, ScheduleSlot.session_id == SessionSpeaker.session_id)
    ):
        speakers[session_id].append(person_id)
        if needs_step_free:
            step_free_people.add(person_id)
    placed = [
        PlacedSession(
            session_id=sid, title=title, starts_at=starts, ends_at=ends,
            room_id=room_id, room_name=room_name, room_capacity=capacity,
            room_allows_parallel=parallel, step_free=room_step_free and venue_step_free,
            venue_id=venue_id, venue_name=venue_name,
            location=(lat, lon) if lat is not None and lon is not None else None,
            speaker_ids=tuple(speakers.get(sid, ())), expected_audience=audience, booked=booked,
            needs_step_free=needs_step_free or any(p in step_free_people for p in speakers.get(sid, ())),
        )
        for (sid, title, audience, needs_step_free, starts, ends, room_id, room_name, capacity, parallel,
             room_step_free, venue_id, venue_name, venue_step_free, lat, lon, booked) in rows
    ]
    return placed, {p.session_id: p.title for p in placed}


def crowd_min_delegates() -> int:
    """SCHEDULE_CROWD_MIN_DELEGATES: how many delegates make a crowd worth a warning (20)."""
    return int(current_app.config.get("SCHEDULE_CROWD_MIN_DELEGATES", DEFAULT_CROWD_MIN_DELEGATES))


def load_interests() -> dict[int, set[int]]:
    """Per delegate, the sessions they starred or hold a live booking for: one query."""
    chosen: dict[int, set[int]] = defaultdict(set)
    stars = sa.select(STARS.c.user_id, STARS.c.session_id)
    booked = sa.select(BOOKINGS.c.user_id, BOOKINGS.c.session_id).where(BOOKINGS.c.status != "cancelled")
    for user_id, session_id in db.session.execute(sa.union(stars, booked)):
        chosen[user_id].add(session_id)
    return dict(chosen)


def build_conflict_report() -> ConflictReport:
    """Every hard conflict and warning of the current draft schedule."""
    started = clock.perf_counter()
    placed, titles = load_placed_sessions()
    availability: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for person_id, starts, ends in db.session.execute(
        sa.select(PersonAvailability.person_id, PersonAvailability.starts_at, PersonAvailability.ends_at)
    ):
        availability[person_id].append((starts, ends))
    hours: dict[tuple[int, date], OpeningHours] = {}
    for venue_id, day, opens, closes in db.session.execute(
        sa.select(VenueOpeningHours.venue_id, VenueOpeningHours.day, VenueOpeningHours.opens, VenueOpeningHours.closes)
    ):
        hours[(venue_id, day)] = OpeningHours(opens, closes)
    names = dict(db.session.execute(
        sa.select(Person.id, Person.name).where(
            Person.id.in_(
                sa.select(SessionSpeaker.person_id)
                .join(ScheduleSlot, ScheduleSlot.session_id == SessionSpeaker.session_id)
            )
        )
    ).tuples().all())
    issues = scheduling.find_conflicts(
        placed, availability=availability, opening_hours=hours,
        venues_with_hours={venue_id for venue_id, _day in hours}, speaker_names=names, zone=conference_zone(),
        interests=load_interests(), crowd_min=crowd_min_delegates(),
    )
    return ConflictReport(issues=issues, titles=titles, elapsed_ms=(clock.perf_counter() - started) * 1000)
