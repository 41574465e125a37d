"""Pure scheduling rules: overlap, walking time and the conflict sweep. No database here.

The conflict report is computed by one sweep over the sessions sorted by start time. While
sweeping it keeps, per room and per speaker, only the sessions still running; a new session
is compared with those alone, so the work grows with the number of real overlaps and not
with the square of the programme.
"""
from __future__ import annotations

import enum
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from esof.conference import DEFAULT_TIMEZONE

WALKING_SPEED_KMH = 4.5
WALKING_MARGIN_MINUTES = 5
EARTH_RADIUS_KM = 6371.0088


def overlaps(start_a: datetime, end_a: datetime, start_b: datetime, end_b: datetime) -> bool:
    """Half-open intervals [start, end): back to back is not an overlap."""
    return start_a < end_b and start_b < end_a


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in kilometres between two (latitude, longitude) points."""
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def walking_minutes(distance_km: float) -> float:
    """Minutes needed to walk a distance at 4.5 km/h, plus a 5-minute margin."""
    return distance_km / WALKING_SPEED_KMH * 60 + WALKING_MARGIN_MINUTES


class Severity(enum.StrEnum):
    HARD = "hard"
    WARNING = "warning"


class IssueCode(enum.StrEnum):
    ROOM_DOUBLE_BOOKED = "room-double-booked"
    SPEAKER_DOUBLE_BOOKED = "speaker-double-booked"
    SPEAKER_UNAVAILABLE = "speaker-unavailable"
    AUDIENCE_ABOVE_CAPACITY = "audience-above-capacity"
    BOOKINGS_ABOVE_CAPACITY = "bookings-above-capacity"
    OUTSIDE_OPENING_HOURS = "outside-opening-hours"
    STEP_FREE_MISSING = "step-free-missing"
    WALKING_TIME = "walking-time"
    CROWD_WALKING_TIME = "crowd-walking-time"


SEVERITY = {
    IssueCode.ROOM_DOUBLE_BOOKED: Severity.HARD,
    IssueCode.SPEAKER_DOUBLE_BOOKED: Severity.HARD,
    IssueCode.SPEAKER_UNAVAILABLE: Severity.HARD,
    IssueCode.AUDIENCE_ABOVE_CAPACITY: Severity.WARNING,
    IssueCode.BOOKINGS_ABOVE_CAPACITY: Severity.WARNING,
    IssueCode.OUTSIDE_OPENING_HOURS: Severity.WARNING,
    IssueCode.STEP_FREE_MISSING: Severity.WARNING,
    IssueCode.WALKING_TIME: Severity.WARNING,
    IssueCode.CROWD_WALKING_TIME: Severity.WARNING,
}


@dataclass(frozen=True, slots=True)
class PlacedSession:
    """What the rules need to know about one scheduled session."""

    session_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    room_id: int
    room_name: str
    venue_id: int
    venue_name: str
    room_capacity: int = 0
    room_allows_parallel: bool = False
    step_free: bool = True  # room and venue both step-free
    location: tuple[float, float] | None = None
    speaker_ids: tuple[int, ...] = ()
    expected_audience: int = 0
    booked: int = 0
    needs_step_free: bool = False  # the session or one of its speakers


@dataclass(frozen=True, slots=True)
class Issue:
    code: IssueCode
    session_ids: tuple[int, ...]
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def severity(self) -> Severity:
        return SEVERITY[self.code]

    @property
    def is_hard(self) -> bool:
        return self.severity is Severity.HARD


@dataclass(frozen=True, slots=True)
class OpeningHours:
    opens: time
    closes: time


def find_conflicts(
    sessions: Iterable[PlacedSession],
    *,
    availability: Mapping[int, Sequence[tuple[datetime, datetime]]] | None = None,
    opening_hours: Mapping[tuple[int, date], OpeningHours] | None = None,
    venues_with_hours: set[int] | None = None,
    speaker_names: Mapping[int, str] | None = None,
    zone: ZoneInfo | None = None,
    interests: Mapping[int, Iterable[int]] | None = None,
    crowd_min: int = 20,
) -> list[Issue]:
    """Every hard conflict and warning of a schedule, in order of start time.

    availability: per person, the windows they gave (a person without windows is always
    available). opening_hours: per (venue, local day). A venue in venues_with_hours but
    without hours for a day is closed that day; a venue with no hours at all is not checked.
    interests: per delegate, the sessions they starred or booked; where at least crowd_min
    of them go from one session straight to the next and cannot walk it, a warning.
    """
    availability = availability or {}
    opening_hours = opening_hours or {}
    venues_with_hours = venues_with_hours or set()
    speaker_names = speaker_names or {}
    zone = zone or ZoneInfo(DEFAULT_TIMEZONE)
    issues: list[Issue] = []

    ordered = sorted(sessions, key=lambda s: (s.starts_at, s.ends_at, s.session_id))
    running_in_room: dict[int, list[PlacedSession]] = defaultdict(list)
    running_for_speaker: dict[int, list[PlacedSession]] = defaultdict(list)
    latest_for_speaker: dict[int, PlacedSession] = {}

    for item in ordered:
        issues.extend(_single_session_issues(item, availability, opening_hours, venues_with_hours, speaker_names, zone))

        if not item.room_allows_parallel:
            running = _still_running(running_in_room[item.room_id], item.starts_at)
            for other in running:
                issues.append(Issue(
                    IssueCode.ROOM_DOUBLE_BOOKED, (other.session_id, item.session_id),
                    {"room": item.room_name, "venue": item.venue_name},
                ))
            running.append(item)
            running_in_room[item.room_id] = running

        for person_id in item.speaker_ids:
            running = _still_running(running_for_speaker[person_id], item.starts_at)
            for other in running:
                issues.append(Issue(
                    IssueCode.SPEAKER_DOUBLE_BOOKED, (other.session_id, item.session_id),
                    {"person_id": person_id, "speaker": speaker_names.get(person_id, "")},
                ))
            running.append(item)
            running_for_speaker[person_id] = running

            previous = latest_for_speaker.get(person_id)
            if previous is not None and previous.ends_at <= item.starts_at:
                issue = _walking_issue(previous, item, person_id, speaker_names)
                if issue is not None:
                    issues.append(issue)
            if previous is None or item.ends_at > previous.ends_at:
                latest_for_speaker[person_id] = item
    if interests:
        issues.extend(crowd_walking_issues(ordered, consecutive_pairs(ordered, interests), crowd_min))
    return issues


def consecutive_pairs(
    sessions: Iterable[PlacedSession], interests: Mapping[int, Iterable[int]]
) -> Counter[tuple[int, int]]:
    """How many delegates go from one session straight to the next: per delegate, their
    sessions in order of start, and each one with the next that starts after it ends (two
    that overlap are a choice, not a walk)."""
    by_id = {s.session_id: s for s in sessions}
    counts: Counter[tuple[int, int]] = Counter()
    for chosen in interests.values():
        mine = sorted((by_id[sid] for sid in set(chosen) if sid in by_id),
                      key=lambda s: (s.starts_at, s.ends_at, s.session_id))
        for previous, following in zip(mine, mine[1:], strict=False):
            if previous.ends_at <= following.starts_at:
                counts[(previous.session_id, following.session_id)] += 1
    return counts


def walking_gap(previous: PlacedSession, following: PlacedSession) -> tuple[float, float] | None:
    """(minutes between the two, minutes needed to walk) when they are at two venues with
    known places; None when there is nothing to walk."""
    if previous.venue_id == following.venue_id or previous.location is None or following.location is None:
        return None
    gap = (following.starts_at - previous.ends_at).total_seconds() / 60
    return gap, walking_minutes(haversine_km(previous.location, following.location))


def crowd_walking_issues(
    sessions: Iterable[PlacedSession], pairs: Mapping[tuple[int, int], int], crowd_min: int
) -> list[Issue]:
    """A warning per pair of consecutive sessions that at least crowd_min delegates chose and
    cannot walk between in the gap, in order of the first session's start."""
    by_id = {s.session_id: s for s in sessions}
    found: list[tuple[tuple[datetime, int, int], Issue]] = []
    for (first_id, second_id), delegates in pairs.items():
        first, second = by_id.get(first_id), by_id.get(second_id)
        if delegates < crowd_min or first is None or second is None:
            continue
        walk = walking_gap(first, second)
        if walk is None or walk[0] >= walk[1]:
            continue
        found.append(((first.starts_at, first_id, second_id), Issue(
            IssueCode.CROWD_WALKING_TIME, (first_id, second_id),
            {"delegates": delegates, "from_venue": first.venue_name, "to_venue": second.venue_name,
             "gap_minutes": round(walk[0]), "needed_minutes": math.ceil(walk[1])},
        )))
    return [issue for _key, issue in sorted(found, key=lambda f: f[0])]


def _still_running(running: list[PlacedSession], moment: datetime) -> list[PlacedSession]:
    """Sessions that have not ended at `moment` (half-open: ending at it means ended)."""
    return [s for s in running if s.ends_at > moment]


def _walking_issue(
    previous: PlacedSession, item: PlacedSession, person_id: int, speaker_names: Mapping[int, str]
) -> Issue | None:
    walk = walking_gap(previous, item)
    if walk is None or walk[0] >= walk[1]:
        return None
    gap, needed = walk
    return Issue(
        IssueCode.WALKING_TIME, (previous.session_id, item.session_id),
        {
            "person_id": person_id, "speaker": speaker_names.get(person_id, ""),
            "from_venue": previous.venue_name, "to_venue": item.venue_name,
            "gap_minutes": round(gap), "needed_minutes": math.ceil(needed),
        },
    )


def _single_session_issues(
    item: PlacedSession,
    availability: Mapping[int, Sequence[tuple[datetime, datetime]]],
    opening_hours: Mapping[tuple[int, date], OpeningHours],
    venues_with_hours: set[int],
    speaker_names: Mapping[int, str],
    zone: ZoneInfo,
) -> Iterable[Issue]:
    for person_id in item.speaker_ids:
        windows = availability.get(person_id)
        if windows and not any(start <= item.starts_at and item.ends_at <= end for start, end in windows):
            yield Issue(IssueCode.SPEAKER_UNAVAILABLE, (item.session_id,),
                        {"person_id": person_id, "speaker": speaker_names.get(person_id, "")})
    if item.expected_audience > item.room_capacity:
        yield Issue(IssueCode.AUDIENCE_ABOVE_CAPACITY, (item.session_id,),
                    {"expected": item.expected_audience, "capacity": item.room_capacity, "room": item.room_name})
    if item.booked > item.room_capacity:
        yield Issue(IssueCode.BOOKINGS_ABOVE_CAPACITY, (item.session_id,),
                    {"booked": item.booked, "capacity": item.room_capacity, "room": item.room_name})
    if item.venue_id in venues_with_hours and not _within_opening_hours(item, opening_hours, zone):
        yield Issue(IssueCode.OUTSIDE_OPENING_HOURS, (item.session_id,), {"venue": item.venue_name})
    if item.needs_step_free and not item.step_free:
        yield Issue(IssueCode.STEP_FREE_MISSING, (item.session_id,), {"room": item.room_name})


def _within_opening_hours(
    item: PlacedSession, opening_hours: Mapping[tuple[int, date], OpeningHours], zone: ZoneInfo
) -> bool:
    start = item.starts_at.astimezone(zone)
    end = item.ends_at.astimezone(zone)
    hours = opening_hours.get((item.venue_id, start.date()))
    if hours is None:
        return False
    last_moment = end - timedelta(microseconds=1)
    if last_moment.date() != start.date():
        return False
    return hours.opens <= start.time() and end.time() <= hours.closes


# --------------------------------------------------------------------------- grid layout

GRID_STEP = timedelta(minutes=15)


@dataclass
class GridBlock:
    """One cell of a room column: it spans `rowspan` rows and holds every session that
    overlaps another in it (a clash, or a room with parallel items)."""

    room_id: int
    start_row: int
    rowspan: int
    items: list[Any]


@dataclass
class GridLayout:
    times: list[datetime]
    blocks: dict[tuple[int, int], GridBlock]
    covered: set[tuple[int, int]]

    def cell(self, row: int, room_id: int) -> GridBlock | str | None:
        """The block starting here, 'covered' under a block above, or None for an empty cell."""
        block = self.blocks.get((row, room_id))
        if block is not None:
            return block
        return "covered" if (row, room_id) in self.covered else None


def layout_grid(
    entries: Iterable[tuple[int, datetime, datetime, Any]], *, day: date, zone: ZoneInfo,
    first_hour: int = 8, last_hour: int = 22,
) -> GridLayout:
    """Rooms × 15-minute rows for a day, from (room_id, starts_at, ends_at, item) entries."""
    day_start = datetime.combine(day, time(0), tzinfo=zone)
    day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    items = sorted(entries, key=lambda e: (e[1], e[2]))
    first = datetime.combine(day, time(first_hour), tzinfo=zone)
    last = datetime.combine(day, time(last_hour), tzinfo=zone)
    for _room, starts, ends, _item in items:
        local = max(starts, day_start).astimezone(zone)
        first = min(first, local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0))
        last = max(last, min(day_end, ends).astimezone(zone))
    rows = max(1, math.ceil((last - first) / GRID_STEP))
    times = [(first + GRID_STEP * n).astimezone(zone) for n in range(rows)]
    blocks: dict[tuple[int, int], GridBlock] = {}
    covered: set[tuple[int, int]] = set()
    open_block: dict[int, GridBlock] = {}
    for room_id, starts, ends, item in items:  # a sweep in start order, one open block per room
        start_row = int((max(starts, day_start) - first) // GRID_STEP)
        end_row = max(start_row + 1, min(rows, math.ceil((min(ends, day_end) - first) / GRID_STEP)))
        current = open_block.get(room_id)
        if current is not None and start_row < current.start_row + current.rowspan:
            current.items.append(item)
            current.rowspan = max(current.rowspan, end_row - current.start_row)
        else:
            current = open_block[room_id] = GridBlock(room_id, start_row, end_row - start_row, [item])
            blocks[(start_row, room_id)] = current
    for block in blocks.values():
        covered.update((r, block.room_id) for r in range(block.start_row + 1, block.start_row + block.rowspan))
    return GridLayout(times, blocks, covered)
