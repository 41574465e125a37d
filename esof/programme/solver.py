"""The automatic schedule: load the draft as plain facts, solve (CP-SAT), and propose; apply a
proposal to the draft (ScheduleSlot rows) only. Publishing stays a separate human step.

Modes: "from-scratch" places every session anew (the draft is ignored but for pinned
sessions); "minimal-change" repairs the draft (or, with baseline "published", the latest
published version) after a disruption, each moved session costing SCHEDULE_SOLVER_WEIGHT_MOVE,
so only what must move moves.

Lengths: a scheduled session keeps its draft length (or its published one), an unscheduled
one gets its format's default (FORMAT_MINUTES, SCHEDULE_SOLVER_FORMAT_MINUTES). Pinned: the
organisers' flag on the session; a pinned session stays exactly where it is (an unscheduled
pinned session has no place to keep, and is placed like any other).

Settings (current_app.config, defaults below): SCHEDULE_SOLVER_TIME_LIMIT, _WORKERS, _SEED,
_STEP_MINUTES, _DAY_WINDOW (for venues without opening hours), _PARALLEL_FORMATS (the formats
that may share a room that allows parallel sessions), _BIG_AUDIENCE (what must not run beside a
keynote), _MAX_CROWD_PAIRS, _FORMAT_MINUTES, the weights SCHEDULE_SOLVER_WEIGHT_<TERM> (see
solver_problem.Weights) and SCHEDULE_CROWD_MIN_DELEGATES (a crowd: at least that many delegates
who starred or booked both sessions; shared with the conflict report's warning).
"""
from __future__ import annotations

import hashlib
import time as clock
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from esof.conference import conference_days, conference_zone, to_local
from esof.errors import Conflict, ValidationFailed
from esof.extensions import db
from esof.programme import scheduling
from esof.programme.conflicts import crowd_min_delegates, load_interests
from esof.programme.models import (
    Person,
    PersonAvailability,
    ProgrammeSession,
    PublishedSession,
    ScheduleSlot,
    SessionSpeaker,
    SessionStatus,
)
from esof.programme.queries import SESSION_SEATS, latest_version_id
from esof.programme.solver_cpsat import ProgressReport, solve
from esof.programme.solver_problem import (
    DAY,
    Place,
    Problem,
    RoomSpec,
    SessionSpec,
    Weights,
    greedy_schedule,
    keeping,
    must_move,
    soft_score,
)
from esof.programme.solver_reasons import move_reason, unplaced_reason
from esof.venues.models import Room, Venue, VenueOpeningHours

MODES = ("from-scratch", "minimal-change")
BASELINES = ("draft", "published")
FORMAT_MINUTES = {"keynote": 60, "plenary": 90, "panel": 90, "debate": 90, "workshop": 90, "seminar": 90,
                  "poster": 90, "open-podium": 60, "ceremony": 90, "social": 180}
DEFAULTS: dict[str, Any] = {
    "SCHEDULE_SOLVER_TIME_LIMIT": 30,
    "SCHEDULE_SOLVER_WORKERS": 2,
    "SCHEDULE_SOLVER_SEED": 0,
    "SCHEDULE_SOLVER_STEP_MINUTES": 15,
    "SCHEDULE_SOLVER_DAY_WINDOW": ("08:00", "22:00"),
    "SCHEDULE_SOLVER_PARALLEL_FORMATS": ("poster", "social"),
    "SCHEDULE_SOLVER_BIG_AUDIENCE": 150,
    "SCHEDULE_SOLVER_MAX_CROWD_PAIRS": 400,
    "SCHEDULE_SOLVER_FORMAT_MINUTES": {},
    # SCHEDULE_SOLVER_WEIGHT_<TERM>: one per field of solver_problem.Weights, defaults there.
    **{f"SCHEDULE_SOLVER_WEIGHT_{f.name.upper()}": f.default for f in fields(Weights)},
}


class UnknownMode(ValidationFailed):
    default_message = _l("Choose from scratch or minimal change, from the draft or the published version.")


class DraftChanged(Conflict):
    default_message = _l("The draft changed since this proposal was made; nothing was applied. Propose again.")


def setting(name: str) -> Any:
    return current_app.config.get(name, DEFAULTS[name])


def weights() -> Weights:
    return Weights(**{f.name: int(setting(f"SCHEDULE_SOLVER_WEIGHT_{f.name.upper()}")) for f in fields(Weights)})


# --------------------------------------------------------------------------- times


def to_minutes(moment: datetime, first_day: date) -> int:
    local = to_local(moment)
    return (local.date() - first_day).days * DAY + local.hour * 60 + local.minute


def to_moment(minutes: int, first_day: date) -> datetime:
    day = first_day + timedelta(days=minutes // DAY)
    return datetime.combine(day, time((minutes % DAY) // 60, minutes % 60), tzinfo=conference_zone())


def _clock(value: str) -> int:
    hours, minutes = map(int, value.split(":"))
    return hours * 60 + minutes


# --------------------------------------------------------------------------- loading


@dataclass
class Loaded:
    """The problem and what the proposal needs besides: the draft and its words."""

    problem: Problem
    draft: dict[int, Place]
    titles: dict[int, str]
    first_day: date
    availability: dict[int, list[tuple[datetime, datetime]]]
    hours: dict[tuple[int, date], scheduling.OpeningHours]
    interests: dict[int, set[int]]
    baseline: str = "draft"


def load_problem(*, mode: str = "minimal-change", baseline: str = "draft") -> Loaded:
    """The draft as plain facts for the solver: a fixed number of queries, whatever the size."""
    if mode not in MODES or baseline not in BASELINES:
        raise UnknownMode()
    days = conference_days()
    first = days[0]
    rooms = [
        RoomSpec(rid, name, vid, vname, capacity, parallel, bool(room_free and venue_free),
                 (lat, lon) if lat is not None and lon is not None else None)
        for rid, name, vid, vname, capacity, parallel, room_free, venue_free, lat, lon in db.session.execute(
            sa.select(Room.id, Room.name, Venue.id, Venue.name, Room.capacity, Room.allows_parallel, Room.step_free,
                      Venue.step_free, Venue.latitude, Venue.longitude).join(Venue).order_by(Room.id))
    ]
    hours: dict[tuple[int, date], scheduling.OpeningHours] = {}
    for venue_id, day, opens, closes in db.session.execute(
            sa.select(VenueOpeningHours.venue_id, VenueOpeningHours.day, VenueOpeningHours.opens,
                      VenueOpeningHours.closes)):
        hours[(venue_id, day)] = scheduling.OpeningHours(opens, closes)
    availability: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for person_id, starts, ends in db.session.execute(
            sa.select(PersonAvailability.person_id, PersonAvailability.starts_at, PersonAvailability.ends_at)):
        availability[person_id].append((starts, ends))
    speakers: dict[int, list[int]] = defaultdict(list)
    step_free_people: set[int] = set()
    for session_id, person_id, needs in db.session.execute(
            sa.select(SessionSpeaker.session_id, SessionSpeaker.person_id, Person.needs_step_free)
            .join(Person, Person.id == SessionSpeaker.person_id).order_by(SessionSpeaker.session_id,
                                                                           SessionSpeaker.position)):
        speakers[session_id].append(person_id)
        if needs:
            step_free_people.add(person_id)
    published: dict[int, tuple[int | None, datetime, datetime]] = {}
    if baseline == "published":
        published = {sid: (room, starts, ends) for sid, room, starts, ends in db.session.execute(
            sa.select(PublishedSession.session_id, PublishedSession.room_id, PublishedSession.starts_at,
                      PublishedSession.ends_at).where(PublishedSession.version_id == latest_version_id(),
                                                      PublishedSession.status != SessionStatus.CANCELLED))}
    rows = db.session.execute(
        sa.select(ProgrammeSession.id, ProgrammeSession.title, ProgrammeSession.format, ProgrammeSession.track_id,
                  ProgrammeSession.expected_audience, ProgrammeSession.needs_step_free, ProgrammeSession.pinned,
                  ScheduleSlot.room_id, ScheduleSlot.starts_at, ScheduleSlot.ends_at,
                  sa.func.coalesce(SESSION_SEATS.c.confirmed_count, 0))
        .outerjoin(ScheduleSlot, ScheduleSlot.session_id == ProgrammeSession.id)
        .outerjoin(SESSION_SEATS, SESSION_SEATS.c.session_id == ProgrammeSession.id)
        .where(ProgrammeSession.status != SessionStatus.CANCELLED).order_by(ProgrammeSession.id)
    ).all()
    lengths = {**FORMAT_MINUTES, **setting("SCHEDULE_SOLVER_FORMAT_MINUTES")}
    sessions, draft, titles = [], {}, {}
    for sid, title, fmt, track_id, audience, needs_step_free, pinned, room_id, starts, ends, booked in rows:
        titles[sid] = title
        here = Place(room_id, to_minutes(starts, first)) if room_id is not None else None
        if here is not None:
            draft[sid] = here
        before = here
        if baseline == "published":
            shown = published.get(sid)
            before = Place(shown[0], to_minutes(shown[1], first)) if shown and shown[0] is not None else None
            if shown is not None and starts is None:
                starts, ends = shown[1], shown[2]
        minutes = int((ends - starts).total_seconds() // 60) if starts is not None else lengths.get(str(fmt), 90)
        people = tuple(speakers.get(sid, ()))
        sessions.append(SessionSpec(
            id=sid, title=title, minutes=max(1, minutes), format=str(fmt), track_id=track_id, speaker_ids=people,
            audience=max(audience, booked), needs_step_free=needs_step_free or bool(step_free_people & set(people)),
            pinned=pinned and here is not None, baseline=here if pinned else before,
        ))
    if mode == "from-scratch":  # nothing to keep but the pinned sessions
        sessions = [s if s.pinned else _without_baseline(s) for s in sessions]
    interests = load_interests()
    day_index = {d: n for n, d in enumerate(days)}
    window = setting("SCHEDULE_SOLVER_DAY_WINDOW")
    problem = Problem(
        days=len(days), rooms=rooms, sessions=sessions,
        availability={person: [(to_minutes(a, first), to_minutes(b, first)) for a, b in windows]
                      for person, windows in availability.items()},
        opening={(v, day_index[d]): (h.opens.hour * 60 + h.opens.minute, h.closes.hour * 60 + h.closes.minute)
                 for (v, d), h in hours.items() if d in day_index},
        venues_with_hours={v for v, _d in hours}, default_window=(_clock(window[0]), _clock(window[1])),
        crowds=co_interest(interests, crowd_min_delegates(), int(setting("SCHEDULE_SOLVER_MAX_CROWD_PAIRS"))),
        step=int(setting("SCHEDULE_SOLVER_STEP_MINUTES")),
        parallel_formats=frozenset(setting("SCHEDULE_SOLVER_PARALLEL_FORMATS")),
        big_audience=int(setting("SCHEDULE_SOLVER_BIG_AUDIENCE")), weights=weights(),
        minimal_change=mode == "minimal-change",
    )
    return Loaded(problem, draft, titles, first, dict(availability), hours, interests, baseline)


def _without_baseline(s: SessionSpec) -> SessionSpec:
    return SessionSpec(s.id, s.title, s.minutes, s.format, s.track_id, s.speaker_ids, s.audience, s.needs_step_free,
                       False, None)


def co_interest(interests: dict[int, set[int]], least: int, most_pairs: int) -> dict[tuple[int, int], int]:
    """(a, b) with a < b: how many delegates starred or booked both, the `most_pairs` largest
    crowds of at least `least` delegates (a delegate's first 60 sessions count)."""
    counts: Counter[tuple[int, int]] = Counter()
    for chosen in interests.values():
        mine = sorted(chosen)[:60]
        for i, a in enumerate(mine):
            for b in mine[i + 1:]:
                counts[(a, b)] += 1
    return dict(sorted(((p, n) for p, n in counts.items() if n >= least), key=lambda pn: (-pn[1], pn[0]))[:most_pairs])


# --------------------------------------------------------------------------- proposing


def propose_schedule(*, mode: str = "minimal-change", baseline: str = "draft", time_limit: float | None = None,
                     on_solution: ProgressReport | None = None,
                     loaded: Loaded | None = None) -> dict[str, Any]:
    """Solve and describe the proposal as JSON (see the CLI's --json): changes nothing."""
    started = clock.perf_counter()
    loaded = loaded or load_problem(mode=mode, baseline=baseline)
    fingerprint = draft_fingerprint()
    problem = loaded.problem
    limit = float(time_limit if time_limit is not None else setting("SCHEDULE_SOLVER_TIME_LIMIT"))
    workers, seed = int(setting("SCHEDULE_SOLVER_WORKERS")), int(setting("SCHEDULE_SOLVER_SEED"))
    keep = [s.id for s in problem.sessions if s.baseline is not None]
    first = problem
    if problem.minimal_change:
        # First only the sessions that must move (and the new ones) are free: the fewest moves,
        # found in a small model. Only if that leaves a session without a place does everything
        # become free (each move still costing its penalty).
        first = keeping(problem, must_move(problem))
    hint = greedy_schedule(first, keep=keep)
    share = 0.6 if first is not problem else 1.0
    solution = solve(first, time_limit=max(0.5, (limit - (clock.perf_counter() - started)) * share), hint=hint,
                     workers=workers, seed=seed, on_solution=on_solution)
    if first is not problem and len(solution.placements) + len(solution.unplaceable) < len(problem.sessions):
        solution = solve(problem, time_limit=max(0.5, limit - (clock.perf_counter() - started)),
                         hint=solution.placements, workers=workers, seed=seed, on_solution=on_solution)
    placements = solution.placements
    score = soft_score(problem, placements)
    result = describe_proposal(loaded, placements, unplaceable=solution.unplaceable)
    draft_score = soft_score(problem, loaded.draft)
    result.update({
        "mode": mode, "baseline": baseline, "status": solution.status, "objective": solution.objective,
        "crowd_pairs": len(problem.crowds),
        "bound": solution.bound, "solutions": solution.solutions, "from_hint": solution.from_hint,
        "soft": score, "soft_draft": draft_score,
        # The soft goals alone (tracks, crowds, keynotes, days, rooms, seats), without the
        # penalties for moved and unplaced sessions: what compares with the draft.
        "soft_goals": goals(score, problem.weights), "soft_goals_draft": goals(draft_score, problem.weights),
        "draft_hard_conflicts": sum(1 for i in scheduling.find_conflicts(
            placed_sessions(loaded, loaded.draft), availability=loaded.availability, zone=conference_zone())
            if i.is_hard),
        "seconds": round(clock.perf_counter() - started, 2), "draft_fingerprint": fingerprint,
    })
    if solution.objective is None or first is not problem:  # the objective of the whole problem
        result["objective"] = score["total"]
    return result


def goals(score: dict[str, int], w: Weights) -> int:
    return score["total"] - w.move * score["moved"] - w.unplaced * score["unplaced"]


def describe_proposal(loaded: Loaded, placements: dict[int, Place], *, unplaceable: dict[int, str]) -> dict[str, Any]:
    problem, draft, first = loaded.problem, loaded.draft, loaded.first_day
    moved, added, unplaced, removed = [], [], [], []
    for s in problem.sessions:
        old, new = draft.get(s.id), placements.get(s.id)
        if new is None:
            unplaced.append({"session_id": s.id, "title": s.title, "from": _place_json(loaded, s, old),
                             "reason": unplaced_reason(problem, s.id, unplaceable)})
            if old is not None:
                removed.append(s.id)
        elif old is None:
            added.append({"session_id": s.id, "title": s.title, "to": _place_json(loaded, s, new)})
        elif old != new:
            moved.append({"session_id": s.id, "title": s.title, "from": _place_json(loaded, s, old),
                          "to": _place_json(loaded, s, new),
                          "reason": {"code": "published"} if loaded.baseline == "published" and new == s.baseline
                          else move_reason(problem, s.id, old, before=draft, after=placements)})
    issues = scheduling.find_conflicts(
        placed_sessions(loaded, placements), availability=loaded.availability, opening_hours=loaded.hours,
        venues_with_hours={v for v, _d in loaded.hours}, zone=conference_zone(),
        interests=loaded.interests, crowd_min=crowd_min_delegates())
    return {
        "placed": len(placements), "unplaced": unplaced, "moved": moved, "added": added, "removed": removed,
        "unchanged": sum(1 for sid, p in placements.items() if draft.get(sid) == p),
        "hard_conflicts": sum(1 for i in issues if i.is_hard),
        "warnings": dict(Counter(str(i.code) for i in issues if not i.is_hard)),
        "placements": [{"session_id": sid, "room_id": p.room_id,
                        "starts_at": to_moment(p.start, first).isoformat(),
                        "ends_at": to_moment(p.start + problem.session_by_id[sid].minutes, first).isoformat()}
                       for sid, p in sorted(placements.items())],
    }


def _place_json(loaded: Loaded, s: SessionSpec, place: Place | None) -> dict[str, Any] | None:
    if place is None:
        return None
    room = loaded.problem.room_by_id.get(place.room_id)
    starts = to_moment(place.start, loaded.first_day)
    return {"room_id": place.room_id, "room": room.name if room else "", "venue": room.venue_name if room else "",
            "day": starts.date().isoformat(), "starts_at": starts.isoformat(),
            "ends_at": to_moment(place.start + s.minutes, loaded.first_day).isoformat()}


def placed_sessions(loaded: Loaded, placements: dict[int, Place]) -> list[scheduling.PlacedSession]:
    """A schedule of the problem as the conflict rules read it."""
    problem, first = loaded.problem, loaded.first_day
    found = []
    for sid, place in placements.items():
        s, room = problem.session_by_id[sid], problem.room_by_id[place.room_id]
        found.append(scheduling.PlacedSession(
            session_id=sid, title=s.title, starts_at=to_moment(place.start, first),
            ends_at=to_moment(place.start + s.minutes, first), room_id=room.id, room_name=room.name,
            venue_id=room.venue_id, venue_name=room.venue_name, room_capacity=room.capacity,
            room_allows_parallel=room.allows_parallel, step_free=room.step_free, location=room.location,
            speaker_ids=s.speaker_ids, expected_audience=s.audience, needs_step_free=s.needs_step_free))
    return found


# --------------------------------------------------------------------------- the draft


def draft_fingerprint() -> str:
    """A digest of the draft's slots and of everything the hard rules read (sessions, speakers,
    availability, rooms, opening hours): a proposal applies only to the draft it was made from."""
    digest = hashlib.sha256()
    for stmt in (
        sa.select(ScheduleSlot.session_id, ScheduleSlot.room_id, ScheduleSlot.starts_at, ScheduleSlot.ends_at)
        .order_by(ScheduleSlot.session_id),
        sa.select(ProgrammeSession.id, ProgrammeSession.status, ProgrammeSession.pinned,
                  ProgrammeSession.expected_audience, ProgrammeSession.needs_step_free, ProgrammeSession.track_id,
                  ProgrammeSession.format).order_by(ProgrammeSession.id),
        sa.select(SessionSpeaker.session_id, SessionSpeaker.person_id).order_by(SessionSpeaker.session_id,
                                                                              SessionSpeaker.person_id),
        sa.select(PersonAvailability.person_id, PersonAvailability.starts_at, PersonAvailability.ends_at)
        .order_by(PersonAvailability.person_id, PersonAvailability.starts_at),
        sa.select(Room.id, Room.capacity, Room.step_free, Room.allows_parallel).order_by(Room.id),
        sa.select(VenueOpeningHours.venue_id, VenueOpeningHours.day, VenueOpeningHours.opens,
                  VenueOpeningHours.closes).order_by(VenueOpeningHours.venue_id, VenueOpeningHours.day),
    ):
        for row in db.session.execute(stmt):
            digest.update(repr(tuple(row)).encode())
        digest.update(b"|")
    return digest.hexdigest()


@dataclass(frozen=True)
class Applied:
    moved: int
    added: int
    removed: int


def apply_proposal(result: dict[str, Any], *, check: Callable[[], str] = draft_fingerprint) -> Applied:
    """Write a proposal into the draft's slots (flushes; the caller commits). Refused with
    DraftChanged when the draft is no longer the one the proposal was made from."""
    if result.get("draft_fingerprint") != check():
        raise DraftChanged()
    slots = {slot.session_id: slot for slot in db.session.scalars(sa.select(ScheduleSlot))}
    moved = added = 0
    for entry in result["placements"]:
        starts, ends = datetime.fromisoformat(entry["starts_at"]), datetime.fromisoformat(entry["ends_at"])
        slot = slots.get(entry["session_id"])
        if slot is None:
            db.session.add(ScheduleSlot(session_id=entry["session_id"], room_id=entry["room_id"],
                                        starts_at=starts, ends_at=ends))
            added += 1
        elif (slot.room_id, slot.starts_at, slot.ends_at) != (entry["room_id"], starts, ends):
            slot.room_id, slot.starts_at, slot.ends_at = entry["room_id"], starts, ends
            moved += 1
    for sid in result.get("removed", []):
        if sid in slots:
            db.session.delete(slots[sid])
    db.session.flush()
    return Applied(moved, added, len(result.get("removed", [])))
