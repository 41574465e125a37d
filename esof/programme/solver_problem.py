"""The automatic schedule as plain data: what the solver places, the hard rules a place must keep,
the soft score of any schedule, and a greedy schedule that keeps every hard rule. No database
and no solver here (esof/programme/solver_cpsat.py builds the CP-SAT model from these facts).

Times are whole minutes from local midnight of the first conference day (day k starts at
k * 1440): wall-clock time in the conference zone, which has no clock change in July.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from esof.programme.scheduling import haversine_km, walking_minutes

DAY = 1440


@dataclass(frozen=True, slots=True)
class Weights:
    """What one unit of each soft term costs in the objective (see solver.DEFAULT_WEIGHTS)."""

    unplaced: int = 100_000
    move: int = 1_000
    track_parallel: int = 10
    crowd_split: int = 2
    crowd_walk: int = 1
    keynote_parallel: int = 50
    day_balance: int = 5
    track_rooms: int = 3
    empty_seats: int = 1  # per 100 empty seats


@dataclass(frozen=True, slots=True)
class RoomSpec:
    id: int
    name: str
    venue_id: int
    venue_name: str
    capacity: int
    allows_parallel: bool = False
    step_free: bool = True  # room and venue
    location: tuple[float, float] | None = None


@dataclass(frozen=True, slots=True, order=True)
class Place:
    room_id: int
    start: int  # minutes from the first day's local midnight


@dataclass(frozen=True, slots=True)
class SessionSpec:
    id: int
    title: str
    minutes: int
    format: str = "panel"
    track_id: int | None = None
    speaker_ids: tuple[int, ...] = ()
    audience: int = 0  # the expected audience or the confirmed bookings, whichever is larger
    needs_step_free: bool = False  # the session or one of its speakers
    pinned: bool = False
    baseline: Place | None = None  # where it is now; a move from here costs Weights.move (repair)

    @property
    def keynote(self) -> bool:
        return self.format == "keynote"


@dataclass
class Problem:
    days: int
    rooms: list[RoomSpec]
    sessions: list[SessionSpec]
    # Per person, the windows (start, end) they can be scheduled in; none given: always.
    availability: Mapping[int, list[tuple[int, int]]] = field(default_factory=dict)
    # Per (venue, day index), the minutes of the day it opens and closes.
    opening: Mapping[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    # Venues with any opening hours: without hours on a day such a venue is closed that day.
    venues_with_hours: set[int] = field(default_factory=set)
    default_window: tuple[int, int] = (8 * 60, 22 * 60)
    # (session a, session b) with a < b: how many delegates starred or booked both.
    crowds: Mapping[tuple[int, int], int] = field(default_factory=dict)
    step: int = 15
    parallel_formats: frozenset[str] = frozenset({"poster", "social"})
    big_audience: int = 150
    weights: Weights = field(default_factory=Weights)
    minimal_change: bool = False

    def __post_init__(self) -> None:
        self.room_by_id = {r.id: r for r in self.rooms}
        self.session_by_id = {s.id: s for s in self.sessions}

    def windows(self, venue_id: int) -> list[tuple[int, int]]:
        """The venue's open windows, one a day, in minutes from the first day's midnight."""
        found = []
        for day in range(self.days):
            if venue_id in self.venues_with_hours:
                hours = self.opening.get((venue_id, day))
                if hours is None:
                    continue
            else:
                hours = self.default_window
            found.append((day * DAY + hours[0], day * DAY + hours[1]))
        return found

    def walk(self, a: RoomSpec, b: RoomSpec) -> int:
        """Whole minutes a speaker or a crowd needs between two rooms (scheduling's rule)."""
        if a.venue_id == b.venue_id or a.location is None or b.location is None:
            return 0
        return math.ceil(walking_minutes(haversine_km(a.location, b.location)))


# --------------------------------------------------------------------------- the hard rules of one place


def room_violations(problem: Problem, session: SessionSpec, room: RoomSpec | None) -> list[str]:
    if room is None:
        return ["room-missing"]
    found = []
    if room.capacity < session.audience:
        found.append("room-too-small")
    if session.needs_step_free and not room.step_free:
        found.append("step-free-missing")
    if room.allows_parallel and session.format not in problem.parallel_formats:
        found.append("parallel-room")
    return found


def time_violations(problem: Problem, session: SessionSpec, venue_id: int, start: int) -> list[str]:
    end = start + session.minutes
    found = []
    if not 0 <= start < problem.days * DAY or start // DAY != (end - 1) // DAY:
        return ["outside-days"]
    if not any(lo <= start and end <= hi for lo, hi in problem.windows(venue_id)):
        found.append("outside-opening-hours")
    for person_id in session.speaker_ids:
        windows = problem.availability.get(person_id)
        if windows and not any(lo <= start and end <= hi for lo, hi in windows):
            found.append("speaker-unavailable")
            break
    return found


def place_violations(problem: Problem, session: SessionSpec, place: Place) -> list[str]:
    """The hard rules of one session that a place breaks by itself (clashes with others aside)."""
    room = problem.room_by_id.get(place.room_id)
    found = room_violations(problem, session, room)
    if room is not None:
        found += time_violations(problem, session, room.venue_id, place.start)
    return found


def candidate_rooms(problem: Problem, session: SessionSpec) -> list[RoomSpec]:
    return sorted((r for r in problem.rooms if not room_violations(problem, session, r)),
                  key=lambda r: (r.capacity, r.id))


def start_times(problem: Problem, session: SessionSpec, venue_id: int) -> list[int]:
    """Every start on the step grid (and the baseline start) that keeps the venue's hours and the
    speakers' availability."""
    starts: set[int] = set()
    for lo, hi in problem.windows(venue_id):
        first = -(-lo // problem.step) * problem.step
        starts.update(range(first, hi - session.minutes + 1, problem.step))
    if session.baseline is not None:
        starts.add(session.baseline.start)
    return sorted(t for t in starts if not time_violations(problem, session, venue_id, t))


# --------------------------------------------------------------------------- the soft score


def overlapping(a: SessionSpec, pa: Place, b: SessionSpec, pb: Place) -> bool:
    return pa.start < pb.start + b.minutes and pb.start < pa.start + a.minutes


def soft_pairs(problem: Problem) -> dict[tuple[int, int], int]:
    """(a, b) with a < b: the cost of the two running at once (same track, a keynote and a big
    session) — the crowd costs come on top (problem.crowds)."""
    w = problem.weights
    costs: dict[tuple[int, int], int] = defaultdict(int)
    by_track: dict[int, list[int]] = defaultdict(list)
    for s in problem.sessions:
        if s.track_id is not None:
            by_track[s.track_id].append(s.id)
    for ids in by_track.values():
        ids.sort()
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                costs[(a, b)] += w.track_parallel
    big = [s.id for s in problem.sessions if s.audience >= problem.big_audience or s.keynote]
    for k in (s for s in problem.sessions if s.keynote):
        for other in big:
            if other != k.id:
                costs[(min(k.id, other), max(k.id, other))] += w.keynote_parallel
    return {pair: cost for pair, cost in costs.items() if cost}


def crowd_pairs(problem: Problem) -> dict[tuple[int, int], int]:
    return {pair: n for pair, n in problem.crowds.items()
            if pair[0] in problem.session_by_id and pair[1] in problem.session_by_id and n > 0}


SCORE_TERMS = ("unplaced", "moved", "parallel_pairs", "crowd_split", "crowd_walk", "day_spread", "track_rooms",
               "empty_seats_100")


def soft_score(problem: Problem, placements: Mapping[int, Place]) -> dict[str, int]:
    """Each soft term of a schedule and the weighted total: the solver's objective, for any schedule."""
    w = problem.weights
    sessions = problem.session_by_id
    placed = {sid: p for sid, p in placements.items() if sid in sessions}
    terms: Counter[str] = Counter(dict.fromkeys(SCORE_TERMS, 0))
    terms["unplaced"] = sum(1 for s in problem.sessions if s.id not in placed)
    if problem.minimal_change:
        terms["moved"] = sum(1 for s in problem.sessions
                             if s.baseline is not None and not s.pinned and placed.get(s.id) != s.baseline)
    total = w.unplaced * terms["unplaced"] + w.move * terms["moved"]
    for (a, b), cost in soft_pairs(problem).items():
        if a in placed and b in placed and overlapping(sessions[a], placed[a], sessions[b], placed[b]):
            terms["parallel_pairs"] += 1
            total += cost
    for (a, b), delegates in crowd_pairs(problem).items():
        if a not in placed or b not in placed:
            continue
        sa, sb, pa, pb = sessions[a], sessions[b], placed[a], placed[b]
        if overlapping(sa, pa, sb, pb):
            terms["crowd_split"] += delegates
            continue
        first, second = ((sa, pa), (sb, pb)) if pa.start < pb.start else ((sb, pb), (sa, pa))
        walk = problem.walk(problem.room_by_id[first[1].room_id], problem.room_by_id[second[1].room_id])
        if second[1].start - (first[1].start + first[0].minutes) < walk:
            terms["crowd_walk"] += delegates
    total += w.crowd_split * terms["crowd_split"] + w.crowd_walk * terms["crowd_walk"]
    per_day = Counter(p.start // DAY for p in placed.values())
    counts = [per_day.get(day, 0) for day in range(problem.days)]
    terms["day_spread"] = max(counts) - min(counts) if counts else 0
    rooms_of_track = {(sessions[sid].track_id, p.room_id) for sid, p in placed.items()
                      if sessions[sid].track_id is not None}
    terms["track_rooms"] = len(rooms_of_track)
    terms["empty_seats_100"] = sum(empty_hundreds(sessions[sid], problem.room_by_id[p.room_id])
                                   for sid, p in placed.items())
    total += (w.day_balance * terms["day_spread"] + w.track_rooms * terms["track_rooms"]
              + w.empty_seats * terms["empty_seats_100"])
    terms["total"] = total
    return dict(terms)


def empty_hundreds(session: SessionSpec, room: RoomSpec) -> int:
    return max(0, room.capacity - session.audience) // 100


# --------------------------------------------------------------------------- repair


def must_move(problem: Problem) -> set[int]:
    """Sessions whose baseline is gone or breaks a hard rule now, by itself or with another
    session's baseline (both of a clashing pair: the move penalty picks which one goes)."""
    found = set()
    taken = Occupancy(problem)
    for s in sorted(problem.sessions, key=lambda s: (not s.pinned, s.baseline or Place(0, 0), s.id)):
        if s.baseline is None or not s.pinned and place_violations(problem, s, s.baseline):
            found.add(s.id)
            continue
        clash = taken.clashing(s, s.baseline)
        found.update(clash | ({s.id} if clash and not s.pinned else set()))
        taken.add(s, s.baseline)
    return found - {s.id for s in problem.sessions if s.pinned and s.baseline is not None}


def keeping(problem: Problem, free: set[int]) -> Problem:
    """The same problem with every session outside `free` held at its baseline (as if pinned)."""
    return replace(problem, sessions=[
        s if s.id in free or s.pinned or s.baseline is None else replace(s, pinned=True) for s in problem.sessions])


# --------------------------------------------------------------------------- clashes and a greedy schedule


class Occupancy:
    """Who is where when, for checking one more place against the hard rules between sessions."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.in_room: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        self.of_person: dict[int, list[tuple[int, int, RoomSpec, int]]] = defaultdict(list)

    def fits(self, session: SessionSpec, place: Place) -> bool:
        room = self.problem.room_by_id[place.room_id]
        end = place.start + session.minutes
        if not room.allows_parallel and any(s < end and place.start < e for s, e, _sid in self.in_room[room.id]):
            return False
        for person_id in session.speaker_ids:
            for s, e, other, _sid in self.of_person[person_id]:
                walk = self.problem.walk(room, other)
                if s - walk < end and place.start < e + walk:
                    return False
        return True

    def add(self, session: SessionSpec, place: Place) -> None:
        room = self.problem.room_by_id[place.room_id]
        end = place.start + session.minutes
        self.in_room[room.id].append((place.start, end, session.id))
        for person_id in session.speaker_ids:
            self.of_person[person_id].append((place.start, end, room, session.id))

    def clashing(self, session: SessionSpec, place: Place) -> set[int]:
        """The sessions already here that the place clashes with (room, speaker, walk)."""
        room = self.problem.room_by_id[place.room_id]
        end = place.start + session.minutes
        found: set[int] = set()
        if not room.allows_parallel:
            found.update(sid for s, e, sid in self.in_room[room.id] if s < end and place.start < e)
        for person_id in session.speaker_ids:
            for s, e, other, sid in self.of_person[person_id]:
                walk = self.problem.walk(room, other)
                if s - walk < end and place.start < e + walk:
                    found.add(sid)
        return found


def greedy_schedule(problem: Problem, *, keep: Iterable[int] = ()) -> dict[int, Place]:
    """A schedule that keeps every hard rule: pinned sessions where they are, then the sessions in
    `keep` at their baseline where that still fits, then the rest, hardest first, each in the place
    that adds least to the parallel-track and day-load costs."""
    taken = Occupancy(problem)
    placements: dict[int, Place] = {}
    for s in problem.sessions:
        if s.pinned and s.baseline is not None:
            placements[s.id] = s.baseline
            taken.add(s, s.baseline)
    for sid in keep:
        s = problem.session_by_id[sid]
        if sid not in placements and s.baseline is not None and not place_violations(problem, s, s.baseline) \
                and taken.fits(s, s.baseline):
            placements[sid] = s.baseline
            taken.add(s, s.baseline)
    options = {s.id: [(room, start_times(problem, s, room.venue_id)) for room in candidate_rooms(problem, s)]
               for s in problem.sessions if s.id not in placements}
    load: Counter[tuple[int | None, int]] = Counter()  # (track, start bucket of an hour)
    per_day: Counter[int] = Counter()
    for sid, place in placements.items():
        _count(load, per_day, problem.session_by_id[sid], place)
    # Hardest first: fewest rooms, then fewest places, then the largest audience.
    order = sorted(options, key=lambda sid: (len(options[sid]), sum(len(t) for _r, t in options[sid]),
                                             -problem.session_by_id[sid].audience, sid))
    for sid in order:
        s = problem.session_by_id[sid]
        best: tuple[tuple[int, int, int], Place] | None = None
        for room, starts in options[sid]:
            for start in starts[:: max(1, 30 // problem.step)]:
                place = Place(room.id, start)
                cost = (_track_load(load, s, start), per_day[start // DAY], room.capacity)
                if (best is None or cost < best[0]) and taken.fits(s, place):
                    best = (cost, place)
        if best is not None:
            placements[sid] = best[1]
            taken.add(s, best[1])
            _count(load, per_day, s, best[1])
    return placements


def _count(load: Counter[tuple[int | None, int]], per_day: Counter[int], s: SessionSpec, place: Place) -> None:
    per_day[place.start // DAY] += 1
    for hour in range(place.start // 60, (place.start + s.minutes - 1) // 60 + 1):
        load[(s.track_id, hour)] += 1


def _track_load(load: Counter[tuple[int | None, int]], s: SessionSpec, start: int) -> int:
    if s.track_id is None:
        return 0
    return sum(load[(s.track_id, hour)] for hour in range(start // 60, (start + s.minutes - 1) // 60 + 1))
