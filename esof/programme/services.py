"""Programme rules: tracks, people, sessions, the draft schedule, conflicts and publishing.

Services flush, never commit. Times arrive as aware datetimes; the views convert the
wall-clock times organisers type (Europe/Amsterdam) at the edge.
"""
from __future__ import annotations

import time as clock
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from esof.accounts.models import Role, User
from esof.accounts.services import record_audit
from esof.db import utcnow
from esof.errors import Conflict, ValidationFailed
from esof.extensions import db
from esof.i18n import conference_zone, local_datetime, to_local
from esof.programme import scheduling
from esof.programme.queries import SESSION_SEATS, latest_version_id, seats_booked
from esof.programme.models import (
    Person,
    PersonAvailability,
    ProgrammeSession,
    PublishedSession,
    ScheduleSlot,
    ScheduleVersion,
    SessionFormat,
    SessionSpeaker,
    SessionStatus,
    Track,
)
from esof.programme.scheduling import Issue, IssueCode, OpeningHours, PlacedSession
from esof.programme.signals import booking_cap_changed, schedule_published
from esof.venues.models import Room, Venue, VenueOpeningHours
from esof.venues.services import conference_days, slugify

_session_seats = SESSION_SEATS  # see queries.py: read without importing the bookings area


class InvalidTimes(ValidationFailed):
    default_message = _l("The end must be after the start.")


class OutsideConferenceDays(ValidationFailed):
    default_message = _l("Sessions take place on the conference days only (13–16 July 2022).")


class UnknownRoom(ValidationFailed):
    default_message = _l("This room does not exist.")


class UnknownPerson(ValidationFailed):
    default_message = _l("One of the chosen speakers does not exist.")


class SessionAlreadyPublished(Conflict):
    default_message = _l(
        "This session has been published and subscribers may have it in their calendars. "
        "Cancel it instead of deleting it."
    )


class PublishRefused(Conflict):
    default_message = _l("The schedule has hard conflicts and was not published.")

    def __init__(self, issues: Sequence[Issue], titles: dict[int, str]) -> None:
        self.issues = list(issues)
        lines = [describe_issue(issue, titles) for issue in self.issues]
        message = _("The schedule has %(n)d hard conflict(s) and was not published: %(list)s",
                    n=len(lines), list="; ".join(lines))
        super().__init__(message)


# --------------------------------------------------------------------------- tracks, people


def save_track(*, track: Track | None = None, name: str, name_nl: str = "", colour: str = "#1f4e79") -> Track:
    name = name.strip()
    if track is None:
        base = slugify(name)
        slug, n = base, 2
        while db.session.scalar(sa.select(Track.id).where(Track.slug == slug)) is not None:
            slug, n = f"{base}-{n}", n + 1
        track = Track(slug=slug)
        db.session.add(track)
    track.name, track.name_nl, track.colour = name, name_nl.strip(), colour
    db.session.flush()
    return track


def delete_track(*, track: Track) -> None:
    """Sessions of the track keep existing, without a track (foreign key SET NULL)."""
    db.session.delete(track)
    db.session.flush()


def save_person(
    *, person: Person | None = None, name: str, affiliation: str = "", email: str | None = None,
    bio: str = "", needs_step_free: bool = False,
) -> Person:
    if person is None:
        person = Person()
        db.session.add(person)
    person.name = name.strip()
    person.affiliation = affiliation.strip()
    person.email = (email or "").strip().lower() or None
    person.bio = bio
    person.needs_step_free = needs_step_free
    db.session.flush()
    return person


def add_availability(*, person: Person, starts_at: datetime, ends_at: datetime) -> PersonAvailability:
    _check_times(starts_at, ends_at)
    window = PersonAvailability(person=person, starts_at=starts_at, ends_at=ends_at)
    db.session.add(window)
    db.session.flush()
    return window


def remove_availability(*, window: PersonAvailability) -> None:
    db.session.delete(window)
    db.session.flush()


def delete_person(*, person: Person) -> None:
    db.session.delete(person)
    db.session.flush()


# --------------------------------------------------------------------------- sessions


def save_session(
    *,
    item: ProgrammeSession | None = None,
    title: str,
    format: SessionFormat | str,
    abstract: str = "",
    language: str = "en",
    track_id: int | None = None,
    speaker_ids: Sequence[int] = (),
    expected_audience: int = 0,
    needs_booking: bool = False,
    booking_cap: int | None = None,
    needs_step_free: bool = False,
) -> ProgrammeSession:
    if expected_audience < 0 or (booking_cap is not None and booking_cap < 0):
        raise ValidationFailed(_l("Numbers cannot be negative."))
    if track_id is not None and db.session.get(Track, track_id) is None:
        raise ValidationFailed(_l("This track does not exist."))
    speaker_ids = list(dict.fromkeys(speaker_ids))
    if speaker_ids:
        found = set(db.session.scalars(sa.select(Person.id).where(Person.id.in_(speaker_ids))))
        if found != set(speaker_ids):
            raise UnknownPerson()
    cap_before = None if item is None else (item.needs_booking, item.booking_cap)
    if item is None:
        item = ProgrammeSession()
        db.session.add(item)
    item.title = title.strip()
    item.format = SessionFormat(format)
    item.abstract = abstract
    item.language = language
    item.track_id = track_id
    item.expected_audience = expected_audience
    item.needs_booking = needs_booking
    item.booking_cap = booking_cap
    item.needs_step_free = needs_step_free
    current = {link.person_id: link for link in item.speaker_links}
    for person_id in list(current):
        if person_id not in speaker_ids:
            item.speaker_links.remove(current[person_id])
    for position, person_id in enumerate(speaker_ids):
        link = current.get(person_id) or SessionSpeaker(person_id=person_id)
        link.position = position
        if person_id not in current:
            item.speaker_links.append(link)
    db.session.flush()
    if cap_before is not None and cap_before != (item.needs_booking, item.booking_cap):
        booking_cap_changed.send(item)
    return item


def set_session_status(*, item: ProgrammeSession, status: SessionStatus) -> None:
    """Cancel or reinstate; a cancelled session stays in the schedule until the next publication
    shows it as cancelled, so subscribers' calendars drop it."""
    item.status = status
    db.session.flush()


def delete_session(*, item: ProgrammeSession) -> None:
    published = db.session.scalar(
        sa.select(PublishedSession.id).where(PublishedSession.session_id == item.id).limit(1)
    )
    if published is not None:
        raise SessionAlreadyPublished()
    db.session.delete(item)
    db.session.flush()


# --------------------------------------------------------------------------- the draft schedule


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise InvalidTimes()
    days = conference_days()
    local_start, local_last = to_local(starts_at), to_local(ends_at - timedelta(microseconds=1))
    if local_start.date() not in days or local_last.date() != local_start.date():
        raise OutsideConferenceDays(
            _("Sessions take place on the conference days only (%(first)s to %(last)s) and end on the day they start.",
              first=days[0].isoformat(), last=days[-1].isoformat())
        )


def local_moment(day: date, at: time) -> datetime:
    """A wall-clock time on a day in the conference zone, as an aware datetime."""
    return datetime.combine(day, at, tzinfo=conference_zone())


def schedule_session(*, item: ProgrammeSession, room_id: int, starts_at: datetime, ends_at: datetime) -> ScheduleSlot:
    """Place (or move) a session in the draft. Clashes are reported, not refused: organisers
    often move two sessions through a clash; publishing refuses hard conflicts."""
    _check_times(starts_at, ends_at)
    if db.session.get(Room, room_id) is None:
        raise UnknownRoom()
    slot = item.slot
    if slot is None:
        slot = ScheduleSlot(session=item)
        db.session.add(slot)
    slot.room_id, slot.starts_at, slot.ends_at = room_id, starts_at, ends_at
    db.session.flush()
    return slot


@dataclass(frozen=True)
class SeatShortfall:
    booked: int
    capacity: int
    room_name: str

    @property
    def beyond(self) -> int:
        return self.booked - self.capacity


def seat_shortfall(*, item: ProgrammeSession, room_id: int) -> SeatShortfall | None:
    """Confirmed bookings that the room would not hold; asked before a move is saved.

    Going ahead is allowed: at the next publication the most recent bookings beyond the
    capacity move back to the head of the waiting list and those delegates are mailed.
    """
    room = db.session.get(Room, room_id)
    if room is None or not item.needs_booking:
        return None
    return _shortfall(item, room, item.booking_cap)


def cap_shortfall(*, item: ProgrammeSession, needs_booking: bool, booking_cap: int | None) -> SeatShortfall | None:
    """Confirmed bookings that a lower seat limit would not hold in the session's published
    room; asked before the limit is saved, which takes effect at once."""
    if item.id is None or not needs_booking or booking_cap is None:
        return None
    room = db.session.scalar(
        sa.select(Room).join(PublishedSession, PublishedSession.room_id == Room.id)
        .where(PublishedSession.session_id == item.id, PublishedSession.version_id == latest_version_id())
    )
    if room is None:
        return None
    return _shortfall(item, room, booking_cap)


def _shortfall(item: ProgrammeSession, room: Room, booking_cap: int | None) -> SeatShortfall | None:
    capacity = min(room.capacity, booking_cap) if booking_cap is not None else room.capacity
    booked = seats_booked(item.id)
    return SeatShortfall(booked, capacity, room.name) if booked > capacity else None


def unschedule_session(*, item: ProgrammeSession) -> None:
    if item.slot is not None:
        db.session.delete(item.slot)
        item.slot = None
        db.session.flush()


def unschedule_room(*, room: Room) -> int:
    """Take every session out of a room (so the room can be deleted); returns how many."""
    result = db.session.execute(sa.delete(ScheduleSlot).where(ScheduleSlot.room_id == room.id))
    db.session.expire_all()
    return result.rowcount or 0


# --------------------------------------------------------------------------- conflict report


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
        return _("%(room)s (%(venue)s) is used twice at once: %(sessions)s", room=d["room"], venue=d["venue"], sessions=names)
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
            sa.func.coalesce(_session_seats.c.confirmed_count, 0),
        )
        .join(ScheduleSlot, ScheduleSlot.session_id == ProgrammeSession.id)
        .join(Room, Room.id == ScheduleSlot.room_id)
        .join(Venue, Venue.id == Room.venue_id)
        .outerjoin(_session_seats, _session_seats.c.session_id == ProgrammeSession.id)
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
            Person.id.in_(sa.select(SessionSpeaker.person_id).join(ScheduleSlot, ScheduleSlot.session_id == SessionSpeaker.session_id))
        )
    ).tuples().all())
    issues = scheduling.find_conflicts(
        placed, availability=availability, opening_hours=hours,
        venues_with_hours={venue_id for venue_id, _day in hours}, speaker_names=names, zone=conference_zone(),
    )
    return ConflictReport(issues=issues, titles=titles, elapsed_ms=(clock.perf_counter() - started) * 1000)


# --------------------------------------------------------------------------- schedule grid


@dataclass
class ScheduleGrid:
    day: date
    rooms: list[Room]
    layout: scheduling.GridLayout
    unscheduled: list[ProgrammeSession]
    report: ConflictReport


def build_schedule_grid(*, day: date, venue_id: int | None = None, track_id: int | None = None) -> ScheduleGrid:
    """The organisers' grid for one day: rooms × 15-minute rows, the unscheduled sessions
    beside it, and the conflict report so both cards of a conflict can show it."""
    zone = conference_zone()
    day_start = datetime.combine(day, time(0), tzinfo=zone)
    day_end = day_start + timedelta(days=1)
    rooms_stmt = sa.select(Room).join(Venue).options(joinedload(Room.venue)).order_by(Venue.name, Room.name)
    if venue_id:
        rooms_stmt = rooms_stmt.where(Room.venue_id == venue_id)
    rooms = list(db.session.scalars(rooms_stmt))
    stmt = (
        sa.select(ProgrammeSession)
        .join(ScheduleSlot)
        .where(ScheduleSlot.starts_at < day_end, ScheduleSlot.ends_at > day_start)
        .options(selectinload(ProgrammeSession.slot), joinedload(ProgrammeSession.track),
                 selectinload(ProgrammeSession.speaker_links).joinedload(SessionSpeaker.person))
    )
    if venue_id:
        stmt = stmt.where(ScheduleSlot.room_id.in_([r.id for r in rooms]))
    if track_id:
        stmt = stmt.where(ProgrammeSession.track_id == track_id)
    placed = list(db.session.scalars(stmt))
    layout = scheduling.layout_grid(
        ((s.slot.room_id, s.slot.starts_at, s.slot.ends_at, s) for s in placed), day=day, zone=zone)
    unscheduled_stmt = (
        sa.select(ProgrammeSession).outerjoin(ScheduleSlot)
        .where(ScheduleSlot.id.is_(None), ProgrammeSession.status != SessionStatus.CANCELLED)
        .options(joinedload(ProgrammeSession.track),
                 selectinload(ProgrammeSession.speaker_links).joinedload(SessionSpeaker.person))
        .order_by(ProgrammeSession.title)
    )
    if track_id:
        unscheduled_stmt = unscheduled_stmt.where(ProgrammeSession.track_id == track_id)
    unscheduled = list(db.session.scalars(unscheduled_stmt))
    return ScheduleGrid(day, rooms, layout, unscheduled, build_conflict_report())


# --------------------------------------------------------------------------- publishing


PUBLIC_FIELDS = ("title", "room_id", "starts_at", "ends_at", "status")


@dataclass
class PendingRow:
    session_id: int
    title: str
    room_id: int | None
    track_id: int | None
    starts_at: datetime
    ends_at: datetime
    status: SessionStatus
    sequence: int
    last_modified: datetime
    changes: list[str]
    before: dict[str, Any] | None


def latest_version() -> ScheduleVersion | None:
    return db.session.scalar(sa.select(ScheduleVersion).order_by(ScheduleVersion.number.desc()).limit(1))


def _public_state(row: Any) -> dict[str, Any]:
    return {
        "title": row.title, "room_id": row.room_id, "starts_at": row.starts_at.isoformat(),
        "ends_at": row.ends_at.isoformat(), "status": str(row.status),
    }


def compute_publication(now: datetime | None = None) -> list[PendingRow]:
    """The rows the next version would hold, each with its changes against the latest one.

    A session that was published and is no longer scheduled stays, as cancelled, so the
    feeds can tell subscribers' calendars to drop it. SEQUENCE rises on a change of time,
    room, title or status; last_modified moves with it.
    """
    now = now or utcnow()
    previous = latest_version()
    old_rows: dict[int, PublishedSession] = {}
    if previous is not None:
        old_rows = {r.session_id: r for r in db.session.scalars(
            sa.select(PublishedSession).where(PublishedSession.version_id == previous.id))}
    draft = db.session.execute(
        sa.select(ProgrammeSession.id, ProgrammeSession.title, ProgrammeSession.status, ProgrammeSession.track_id,
                  ScheduleSlot.room_id, ScheduleSlot.starts_at, ScheduleSlot.ends_at)
        .join(ScheduleSlot, ScheduleSlot.session_id == ProgrammeSession.id)
    ).all()
    pending: list[PendingRow] = []
    for sid, title, status, track_id, room_id, starts, ends in draft:
        old = old_rows.pop(sid, None)
        if old is None:
            if status is SessionStatus.CANCELLED:
                continue  # never public, nothing to take back
            pending.append(PendingRow(sid, title, room_id, track_id, starts, ends, status, 0, now, ["new"], None))
            continue
        changes = []
        if (old.starts_at, old.ends_at) != (starts, ends):
            changes.append("moved")
        if old.room_id != room_id:
            changes.append("room-changed")
        if old.title != title:
            changes.append("retitled")
        if old.status != status:
            changes.append("cancelled" if status is SessionStatus.CANCELLED else "reinstated")
        pending.append(PendingRow(
            sid, title, room_id, track_id, starts, ends, status,
            old.sequence + (1 if changes else 0), now if changes else old.last_modified,
            changes, _public_state(old) if changes else None,
        ))
    for sid, old in old_rows.items():  # published before, no longer in the draft schedule
        gone = old.status is not SessionStatus.CANCELLED
        pending.append(PendingRow(
            sid, old.title, old.room_id, old.track_id, old.starts_at, old.ends_at, SessionStatus.CANCELLED,
            old.sequence + (1 if gone else 0), now if gone else old.last_modified,
            ["cancelled"] if gone else [], _public_state(old) if gone else None,
        ))
    pending.sort(key=lambda r: (r.starts_at, r.session_id))
    return pending


def publish_schedule(*, actor: User, note: str = "", override: bool = False) -> ScheduleVersion:
    """Publish the draft as version N with a snapshot and a changelog against N−1.

    Hard conflicts refuse the publication, unless an admin explicitly overrides."""
    report = build_conflict_report()
    if report.hard and not (override and actor.has_role(Role.ADMIN)):
        raise PublishRefused(report.hard, report.titles)
    now = utcnow()
    pending = compute_publication(now)
    previous = latest_version()
    rooms = {r.id: r for r in db.session.scalars(sa.select(Room).options(joinedload(Room.venue)))}
    tracks = dict(db.session.execute(sa.select(Track.id, Track.slug)).tuples().all())
    speaker_names: dict[int, list[str]] = defaultdict(list)
    for session_id, name in db.session.execute(
        sa.select(SessionSpeaker.session_id, Person.name).join(Person)
        .order_by(SessionSpeaker.session_id, SessionSpeaker.position)
    ):
        speaker_names[session_id].append(name)

    def room_label(room_id: int | None) -> str:
        room = rooms.get(room_id) if room_id else None
        return f"{room.name}, {room.venue.name}" if room else ""

    version = ScheduleVersion(
        number=(previous.number if previous else 0) + 1, published_at=now, published_by_id=actor.id, note=note,
        snapshot={"sessions": [
            {"id": r.session_id, "title": r.title, "status": str(r.status), "starts_at": r.starts_at.isoformat(),
             "ends_at": r.ends_at.isoformat(), "room_id": r.room_id, "room": room_label(r.room_id),
             "track": tracks.get(r.track_id), "speakers": speaker_names.get(r.session_id, []), "sequence": r.sequence}
            for r in pending
        ], "hard_conflicts_overridden": len(report.hard)},
        changelog=[
            {"session_id": r.session_id, "title": r.title, "changes": r.changes,
             "before": {**r.before, "room": room_label(r.before["room_id"])} if r.before else None,
             "after": {**_public_state(r), "room": room_label(r.room_id)}}
            for r in pending if r.changes
        ],
    )
    try:
        with db.session.begin_nested():
            db.session.add(version)
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        raise Conflict(_l("Someone else published a version at the same moment. Please try again.")) from exc
    if pending:
        db.session.execute(sa.insert(PublishedSession), [
            {"version_id": version.id, "session_id": r.session_id, "title": r.title, "room_id": r.room_id,
             "track_id": r.track_id, "starts_at": r.starts_at, "ends_at": r.ends_at, "status": r.status,
             "sequence": r.sequence, "last_modified": r.last_modified}
            for r in pending
        ])
    record_audit(actor, "schedule.publish", version, number=version.number,
                 changes=len(version.changelog), hard_conflicts_overridden=len(report.hard))
    db.session.flush()
    schedule_published.send(version)  # bookings: seats follow the published rooms
    return version


CHANGE_LABELS = {
    "new": _l("new"),
    "moved": _l("moved in time"),
    "room-changed": _l("room changed"),
    "retitled": _l("retitled"),
    "cancelled": _l("cancelled"),
    "reinstated": _l("back in the programme"),
}


def describe_times(starts_at: datetime, ends_at: datetime) -> str:
    return f"{local_datetime(starts_at, 'short')}–{to_local(ends_at):%H:%M}"


def iter_changes(version: ScheduleVersion) -> Iterable[dict[str, Any]]:
    for entry in version.changelog:
        yield {**entry, "labels": [str(CHANGE_LABELS.get(c, c)) for c in entry["changes"]]}


# --------------------------------------------------------------------------- organiser lists


def list_rooms() -> list[Room]:
    return list(db.session.scalars(
        sa.select(Room).join(Venue).options(joinedload(Room.venue)).order_by(Venue.name, Room.name)))


def list_people(*, q: str = "") -> list[Person]:
    stmt = sa.select(Person).order_by(Person.name)
    if q:
        pattern = f"%{q.lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(Person.name).like(pattern), sa.func.lower(Person.affiliation).like(pattern)))
    return list(db.session.scalars(stmt))


def list_sessions(*, q: str = "", track_id: int | None = None) -> list[ProgrammeSession]:
    stmt = (
        sa.select(ProgrammeSession)
        .options(joinedload(ProgrammeSession.track), selectinload(ProgrammeSession.slot).joinedload(ScheduleSlot.room)
                 .joinedload(Room.venue),
                 selectinload(ProgrammeSession.speaker_links).joinedload(SessionSpeaker.person))
        .order_by(ProgrammeSession.title)
    )
    if q:
        stmt = stmt.where(sa.func.lower(ProgrammeSession.title).like(f"%{q.lower()}%"))
    if track_id:
        stmt = stmt.where(ProgrammeSession.track_id == track_id)
    return list(db.session.scalars(stmt))


def count_sessions() -> dict[str, int]:
    total = db.session.scalar(sa.select(sa.func.count(ProgrammeSession.id))) or 0
    scheduled = db.session.scalar(sa.select(sa.func.count(ScheduleSlot.id))) or 0
    cancelled = db.session.scalar(
        sa.select(sa.func.count(ProgrammeSession.id)).where(ProgrammeSession.status == SessionStatus.CANCELLED)) or 0
    return {"total": total, "scheduled": scheduled, "unscheduled": total - scheduled, "cancelled": cancelled}
