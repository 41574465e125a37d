"""Demo check-ins: scans at venue entrances and room doors on the four conference days, as the
published programme (version 2) ran, up to Saturday 16 July 2022 11:15, when the site stands
still: people are inside the venues and in the rooms of the sessions running then.

Each delegate who came that day is scanned in at the venue of their first session, in and
out at the room doors of their booked sessions (and of some others), out and in again when
they walk to another venue, and out at the end of the day. Scans follow the service's rules
(esof/checkin/services.py): an "in" counts when the person was not behind that door yet, an
"out" when they were; a second "in" is recorded but not counted; an unpaid ticket is stopped at
its first door (recorded, not counted) and goes no further that day; every scan carries the
warnings the staff saw (repeated, already inside, unpaid, no booking). The rows go in in bulk,
with each door's counter (occupancy.present) and its presence rows in step with them; the
last scans before the standstill go through the real ``record_scan``.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from esof.accounts.models import User
from esof.checkin.models import CheckIn, Direction, DoorPresence, Occupancy
from esof.checkin.services import DEFAULT_REPEAT_MINUTES, Door, ScanWarning, find_door, record_scan
from esof.conference import OPENS_AT, conference_days
from esof.demo.bookings import DemoBookings
from esof.demo.context import DemoContext, insert_plain
from esof.demo.programme import DemoSession, DemoVenues
from esof.demo.registrations import DemoDelegates
from esof.extensions import db

STANDSTILL = (date(2022, 7, 16), time(11, 15))
# Share of the onsite delegates who came, by conference day.
CAME = (0.86, 0.8, 0.78, 0.62)
UNBOOKED_ROOM_SCANS = 0.3  # of the sessions without booking that a delegate went to
WALK_INS = 0.02  # delegates who tried a booked-out session without a booking
DOUBLE_SCANS = 0.02  # venue entries scanned twice
THROUGH_SERVICE = 25  # the last scans, recorded by record_scan itself
REPEAT = timedelta(minutes=DEFAULT_REPEAT_MINUTES)


@dataclass(frozen=True)
class Scan:
    when: datetime
    registration_id: int
    user_id: int
    unpaid: bool
    kind: str  # "venue" or "room"
    door: int  # the venue's or the room's id
    venue_id: int
    direction: Direction
    session: DemoSession | None = None  # the session a room "in" is for
    booked: bool = True  # False: a walk-in without a seat in a session that needs one


def build_check_ins(ctx: DemoContext, sessions: list[DemoSession], venues: DemoVenues, delegates: DemoDelegates,
                    seats: DemoBookings, *, staff_id: int) -> None:
    if ctx.summary.published_version is None or not delegates.onsite:
        return
    scans = _plan_scans(ctx, sessions, venues, delegates, seats)
    scans.sort(key=lambda s: (s.when, s.registration_id, s.kind, s.door, s.direction))
    split = max(0, len(scans) - THROUGH_SERVICE)
    counted = _insert_scans(scans[:split], venues, staff_id=staff_id)
    staff = db.session.get_one(User, staff_id)
    doors: dict[str, Door] = {}
    for scan in scans[split:]:
        key = f"{scan.kind}:{scan.door}"
        if key not in doors:
            doors[key] = find_door(key)
        result = record_scan(door=doors[key], direction=scan.direction, staff=staff,
                             registration_id=scan.registration_id, now=scan.when)
        counted += result.counted
    ctx.count("check-in scans", len(scans))
    ctx.count("check-in scans counted", counted)
    ctx.count("people inside venues at the standstill", db.session.scalar(
        sa.select(sa.func.count()).select_from(DoorPresence).where(DoorPresence.venue_id.is_not(None))) or 0)


def _plan_scans(ctx: DemoContext, sessions: list[DemoSession], venues: DemoVenues, delegates: DemoDelegates,
                seats: DemoBookings) -> list[Scan]:
    rng = ctx.rng
    standstill = ctx.local(*STANDSTILL)
    venue_of = {room.id: venues.ids[room.venue] for room in venues.rooms}
    running = sorted((s for s in sessions if s.room is not None and not s.cancelled
                      and s.starts_at is not None and s.ends_at is not None), key=lambda s: (_span(s), s.id))
    by_day: dict[date, list[DemoSession]] = defaultdict(list)
    for s in running:
        by_day[_span(s)[0].astimezone(ctx.zone).date()].append(s)
    by_id = {s.id: s for s in running}
    booked: dict[tuple[int, date], list[DemoSession]] = defaultdict(list)  # (user, day) -> confirmed seats
    for session_id, users in sorted(seats.confirmed.items()):
        if session_id in by_id:
            item = by_id[session_id]
            for uid in users:
                booked[(uid, _span(item)[0].astimezone(ctx.zone).date())].append(item)

    scans: list[Scan] = []
    for day_index, day in enumerate(conference_days()):
        day_sessions = by_day.get(day, [])
        needing_seats = [s for s in day_sessions if s.needs_booking]
        if not day_sessions:
            continue
        for uid, rid, unpaid in delegates.onsite:
            if rng.random() >= CAME[min(day_index, len(CAME) - 1)]:
                continue
            mine = booked.get((uid, day), [])
            extra = rng.sample(day_sessions, min(len(day_sessions), rng.randint(1, 4)))
            walk_in = rng.choice(needing_seats) if needing_seats and rng.random() < WALK_INS else None
            if walk_in in mine:
                walk_in = None
            chosen = list(mine)
            for s in extra + ([walk_in] if walk_in else []):
                if s.needs_booking and s is not walk_in:
                    continue  # a seat is needed: only the booked ones (and the odd walk-in)
                if all(not _overlap(s, other) for other in chosen):
                    chosen.append(s)
            chosen.sort(key=lambda s: (_span(s), s.id))
            person = Scan(standstill, rid, uid, unpaid, "venue", 0, 0, Direction.IN)
            day_scans = [scan for scan in _day_at_the_doors(ctx, person, chosen, venue_of, walk_in)
                         if scan.when <= standstill]
            # The door stops an unpaid ticket and sends its holder to the registration desk:
            # the first scan of the day is recorded (not counted), nothing after it.
            scans += day_scans[:1] if unpaid else day_scans
    return scans


def _span(item: DemoSession) -> tuple[datetime, datetime]:
    assert item.starts_at is not None and item.ends_at is not None  # running sessions have both
    return item.starts_at, item.ends_at


def _overlap(a: DemoSession, b: DemoSession) -> bool:
    (a_start, a_end), (b_start, b_end) = _span(a), _span(b)
    return a_start < b_end and b_start < a_end


def _day_at_the_doors(ctx: DemoContext, person: Scan, chosen: list[DemoSession], venue_of: dict[int, int],
                      walk_in: DemoSession | None) -> list[Scan]:
    """One delegate's scans on one day: into the venue of the first session, in and out of the
    rooms, out and in again on the way to another venue, out at the end."""
    rng = ctx.rng

    def minutes(low: int, high: int) -> timedelta:
        return timedelta(minutes=rng.randint(low, high), seconds=rng.randrange(60))

    def scan(when: datetime, kind: str, door: int, venue: int, direction: Direction,
             session: DemoSession | None = None, booked: bool = True) -> Scan:
        return replace(person, when=when, kind=kind, door=door, venue_id=venue, direction=direction,
                       session=session, booked=booked)

    scans: list[Scan] = []
    here: int | None = None
    last_end: datetime | None = None
    for s in chosen:
        assert s.room is not None
        starts, ends = _span(s)
        venue = venue_of[s.room.id]
        if venue != here:
            if here is not None and last_end is not None:
                scans.append(scan(last_end + minutes(2, 10), "venue", here, here, Direction.OUT))
            entry = starts - minutes(5, 25)
            scans.append(scan(entry, "venue", venue, venue, Direction.IN))
            if rng.random() < DOUBLE_SCANS:
                scans.append(scan(entry + minutes(1, 3), "venue", venue, venue, Direction.IN))
            here = venue
        if s.needs_booking or rng.random() < UNBOOKED_ROOM_SCANS:
            scans.append(scan(starts - minutes(0, 8), "room", s.room.id, venue, Direction.IN, s,
                              booked=s is not walk_in))
            scans.append(scan(ends + minutes(0, 6), "room", s.room.id, venue, Direction.OUT))
        last_end = ends
    if here is not None and last_end is not None:
        scans.append(scan(last_end + minutes(5, 45), "venue", here, here, Direction.OUT))
    return scans


def _insert_scans(scans: list[Scan], venues: DemoVenues, *, staff_id: int) -> int:
    """The scans as the service would have recorded them, with the counters and presence rows;
    returns how many were counted."""
    inside: dict[tuple[str, int], dict[int, datetime]] = defaultdict(dict)  # door -> registration -> since
    last_scan: dict[tuple[int, str, int, Direction], datetime] = {}
    changed: dict[tuple[str, int], datetime] = {}
    rows: list[dict[str, Any]] = []
    for scan in scans:
        door = (scan.kind, scan.door)
        codes: list[str] = []
        previous = last_scan.get((scan.registration_id, scan.kind, scan.door, scan.direction))
        if previous is not None and previous >= scan.when - REPEAT:
            codes.append(ScanWarning.REPEATED)
        last_scan[(scan.registration_id, scan.kind, scan.door, scan.direction)] = scan.when
        present = inside[door]
        if scan.direction is Direction.IN and scan.unpaid:
            counted = False  # stopped at the door, as the service does
        elif scan.direction is Direction.IN:
            counted = scan.registration_id not in present
            if counted:
                present[scan.registration_id] = scan.when
            else:
                codes.append(ScanWarning.ALREADY_INSIDE)
        else:
            counted = present.pop(scan.registration_id, None) is not None
            if not counted:
                codes.append(ScanWarning.NOT_INSIDE)
        if counted:
            changed[door] = scan.when
        if scan.unpaid:
            codes.append(ScanWarning.UNPAID)
        if scan.session is not None and not scan.booked:
            codes.append(ScanWarning.NO_BOOKING)
        rows.append({
            "registration_id": scan.registration_id, "venue_id": scan.venue_id,
            "room_id": scan.door if scan.kind == "room" else None, "direction": scan.direction,
            "scanned_at": scan.when, "scanned_by_id": staff_id, "warnings": " ".join(codes), "counted": counted,
        })
    insert_plain(CheckIn, rows)
    never = OPENS_AT - timedelta(hours=1)
    doors = [("venue", vid) for vid in sorted(venues.ids.values())] + [("room", r.id) for r in venues.rooms]
    insert_plain(Occupancy, [
        {"venue_id": door if kind == "venue" else None, "room_id": door if kind == "room" else None,
         "present": len(inside[(kind, door)]), "updated_at": changed.get((kind, door), never)}
        for kind, door in doors
    ])
    insert_plain(DoorPresence, [
        {"registration_id": rid, "venue_id": door if kind == "venue" else None,
         "room_id": door if kind == "room" else None, "entered_at": since}
        for (kind, door), people in sorted(inside.items()) for rid, since in sorted(people.items())
    ])
    return sum(1 for row in rows if row["counted"])
