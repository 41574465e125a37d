"""The automatic schedule as a CP-SAT model (OR-Tools), built from the plain facts of
esof/programme/solver_problem.py. Pure: no database, no application.

Variables, per session that has at least one possible place:
- x[s, r]: the session is in room r (only rooms that keep the room rules: capacity, step-free,
  parallel rooms for the formats that share one); at most one is true;
- start[s]: its start, from the step grid (and its baseline start) within the days;
- y[s, v]: it is at venue v (the sum of its rooms there), which confines start[s] to the venue's
  opening hours and, always, to every speaker's availability;
- placed[s] = the sum of y[s, v]: 0 costs Weights.unplaced, so a problem never is infeasible.

Hard rules: one session at a time per room (NoOverlap of optional intervals; parallel rooms
excepted), and per pair of sessions that share a speaker an order literal with the walking time
between their venues (a table on the venues) before the second one starts.

Soft terms (the objective, minimised; solver_problem.soft_score computes the same for any
schedule): unplaced and moved sessions; pairs that should not run at once (same track, a keynote
and a big session; crowds of delegates who chose both) each with an overlap literal; crowds
without time to walk; the spread between the busiest and the quietest day; rooms used per track;
empty seats.
"""
from __future__ import annotations

import math
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from esof.programme.solver_problem import (
    DAY,
    Place,
    Problem,
    SessionSpec,
    candidate_rooms,
    crowd_pairs,
    empty_hundreds,
    overlapping,
    soft_pairs,
    start_times,
)

# (solutions found, best objective, best bound, seconds) after each better solution.
ProgressReport = Callable[[int, float, float, float], None]


@dataclass
class Solution:
    placements: dict[int, Place]
    status: str
    objective: int | None
    bound: float | None
    seconds: float
    solutions: int
    # Sessions that no place fits at all, with the reason: "room" (no room keeps the room
    # rules) or "time" (no start keeps the opening hours and the speakers' availability).
    unplaceable: dict[int, str] = field(default_factory=dict)
    from_hint: bool = False  # the solver found nothing in time: the hint (a greedy schedule) stands


@dataclass
class _Vars:
    start: Any
    x: dict[int, Any]  # room id -> literal
    placed: Any
    venue: Any  # venue index (0 = nowhere)
    venues: set[int]
    days: set[int]
    fixed: bool = False
    at_venue: dict[int, Any] = field(default_factory=dict)
    day_lits: dict[int, Any] = field(default_factory=dict)
    same: Any = None
    any_start: int = 0
    k: Any = None  # the start in units of the grid (start = k * unit)


class _Builder:
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.m = cp_model.CpModel()
        self.true = self.m.new_bool_var("true")
        self.m.add(self.true == 1)
        self.venue_index = {v: i + 1 for i, v in enumerate(sorted({r.venue_id for r in problem.rooms}))}
        # Starts are whole units of the grid, so their domains are a few intervals (one a day) and
        # not hundreds of values CP-SAT would encode one by one; a baseline off the grid refines it.
        self.unit = math.gcd(problem.step, *(s.baseline.start for s in problem.sessions if s.baseline is not None))
        self.vars: dict[int, _Vars] = {}
        self.unplaceable: dict[int, str] = {}
        self.objective: list[Any] = []
        self.constant = 0
        self.orders: dict[tuple[int, int], tuple[Any, Any, Any]] = {}
        self.walks: dict[tuple[int, int], Any] = {}
        self.firsts: dict[tuple[int, int], Any] = {}
        self.tights: dict[tuple[int, int], Any] = {}
        self.track_used: dict[tuple[int, int], Any] = {}
        self.most: Any = None
        self.least: Any = None

    # ---------------------------------------------------------------- sessions

    def add_sessions(self) -> None:
        for s in self.problem.sessions:
            if s.pinned and s.baseline is not None and s.baseline.room_id in self.problem.room_by_id:
                self._add_pinned(s)
            else:
                self._add_free(s)
        w = self.problem.weights
        self.constant += w.unplaced * len(self.unplaceable)
        if self.problem.minimal_change:
            self.constant += w.move * sum(1 for sid in self.unplaceable
                                          if self.problem.session_by_id[sid].baseline is not None)

    def _add_pinned(self, s: SessionSpec) -> None:
        assert s.baseline is not None
        room = self.problem.room_by_id[s.baseline.room_id]
        start = self.m.new_constant(s.baseline.start)
        venue = self.m.new_constant(self.venue_index[room.venue_id])
        self.vars[s.id] = _Vars(start, {room.id: self.true}, self.true, venue, {room.venue_id},
                                {s.baseline.start // DAY}, fixed=True)

    def _add_free(self, s: SessionSpec) -> None:
        m, w = self.m, self.problem.weights
        rooms_at: dict[int, list[int]] = defaultdict(list)
        for room in candidate_rooms(self.problem, s):
            rooms_at[room.venue_id].append(room.id)
        if not rooms_at:
            self.unplaceable[s.id] = "room"
            return
        starts_at = {v: start_times(self.problem, s, v) for v in rooms_at}
        starts_at = {v: t for v, t in starts_at.items() if t}
        if not starts_at:
            self.unplaceable[s.id] = "time"
            return
        every = sorted({t for ts in starts_at.values() for t in ts})
        k = m.new_int_var_from_domain(self._domain(every), f"start{s.id}")
        start = k * self.unit
        x = {r: m.new_bool_var(f"x{s.id}_{r}") for v in starts_at for r in rooms_at[v]}
        at_venue = {}
        for v, starts in starts_at.items():
            y = at_venue[v] = m.new_bool_var(f"y{s.id}_{v}")
            m.add(sum(x[r] for r in rooms_at[v]) == y)
            if len(starts) < len(every):
                m.add_linear_expression_in_domain(k, self._domain(starts)).only_enforce_if(y)
        placed = m.new_bool_var(f"placed{s.id}")
        m.add(sum(at_venue.values()) == placed)
        venue = m.new_int_var(0, len(self.venue_index), f"venue{s.id}")
        m.add(venue == sum(self.venue_index[v] * y for v, y in at_venue.items()))
        self.vars[s.id] = _Vars(start, x, placed, venue, set(at_venue), {t // DAY for t in every},
                                at_venue=at_venue, any_start=every[0], k=k)
        self.objective.append(w.unplaced * (1 - placed))
        for r, lit in x.items():
            seats = empty_hundreds(s, self.problem.room_by_id[r])
            if seats:
                self.objective.append(w.empty_seats * seats * lit)
        if self.problem.minimal_change and s.baseline is not None:
            b = s.baseline
            if b.room_id in x and b.start in every:
                same = self.vars[s.id].same = m.new_bool_var(f"same{s.id}")
                m.add_implication(same, x[b.room_id])
                m.add(start == b.start).only_enforce_if(same)
                self.objective.append(w.move * (1 - same))
            else:
                self.constant += w.move

    def _domain(self, starts: list[int]) -> cp_model.Domain:
        """Sorted starts (minutes, multiples of the unit) as a domain of units: runs of intervals."""
        runs: list[list[int]] = []
        for unit in (t // self.unit for t in starts):
            if runs and unit == runs[-1][1] + 1:
                runs[-1][1] = unit
            else:
                runs.append([unit, unit])
        return cp_model.Domain.from_intervals(runs)

    # ---------------------------------------------------------------- hard rules between sessions

    def add_rooms(self) -> None:
        intervals: dict[int, list[tuple[Any, SessionSpec, _Vars]]] = defaultdict(list)
        for sid, v in self.vars.items():
            s = self.problem.session_by_id[sid]
            for r, lit in v.x.items():
                if not self.problem.room_by_id[r].allows_parallel:
                    intervals[r].append((lit, s, v))
        for r, items in intervals.items():
            pinned = [(s, v) for _lit, s, v in items if v.fixed]
            kept_pinned = self._pinned_without_clash(pinned)
            chosen = [self.m.new_optional_fixed_size_interval_var(v.start, s.minutes, lit, f"iv{s.id}_{r}")
                      for lit, s, v in items if not v.fixed or s.id in kept_pinned]
            if len(chosen) > 1:
                self.m.add_no_overlap(chosen)

    def _pinned_without_clash(self, pinned: list[tuple[SessionSpec, _Vars]]) -> set[int]:
        """Pinned sessions that clash with each other stay where organisers put them; only the
        first is a constraint (the clash is theirs, and the conflict report shows it)."""
        kept: list[tuple[SessionSpec, Place]] = []
        for s, _v in sorted(pinned, key=lambda item: (item[0].baseline.start if item[0].baseline else 0)):
            assert s.baseline is not None
            if all(not overlapping(s, s.baseline, o, p) for o, p in kept):
                kept.append((s, s.baseline))
        return {s.id for s, _p in kept}

    def add_speakers(self) -> None:
        sessions_of: dict[int, list[int]] = defaultdict(list)
        for sid in self.vars:
            for person_id in self.problem.session_by_id[sid].speaker_ids:
                sessions_of[person_id].append(sid)
        done: set[tuple[int, int]] = set()
        for sids in sessions_of.values():
            sids.sort()
            for i, a in enumerate(sids):
                for b in sids[i + 1:]:
                    if (a, b) in done or (self.vars[a].fixed and self.vars[b].fixed):
                        continue
                    done.add((a, b))
                    self._apart(a, b)

    def _walk_var(self, a: int, b: int) -> Any:
        if (a, b) not in self.walks:
            self.walks[(a, b)] = self._new_walk_var(a, b)
        return self.walks[(a, b)]

    def _new_walk_var(self, a: int, b: int) -> Any:
        va, vb = self.vars[a], self.vars[b]
        rooms = self.problem.rooms
        by_venue = {r.venue_id: r for r in rooms}
        table = {(0, 0, 0)}
        for u in va.venues:
            table.add((self.venue_index[u], 0, 0))
            for v in vb.venues:
                table.add((0, self.venue_index[v], 0))
                table.add((self.venue_index[u], self.venue_index[v], self.problem.walk(by_venue[u], by_venue[v])))
        most = max(t[2] for t in table)
        if most == 0:
            return 0
        walk = self.m.new_int_var(0, most, f"walk{a}_{b}")
        self.m.add_allowed_assignments([va.venue, vb.venue, walk], sorted(table))
        return walk

    def _apart(self, a: int, b: int) -> None:
        """a and b (one speaker) never overlap, and the walk between their venues fits between them."""
        va, vb = self.vars[a], self.vars[b]
        sa, sb = self.problem.session_by_id[a], self.problem.session_by_id[b]
        walk = self._walk_var(a, b)
        first = self.firsts[(a, b)] = self.m.new_bool_var(f"first{a}_{b}")
        enforce = [va.placed, vb.placed]
        self.m.add(va.start + sa.minutes + walk <= vb.start).only_enforce_if([first, *enforce])
        self.m.add(vb.start + sb.minutes + walk <= va.start).only_enforce_if([~first, *enforce])

    # ---------------------------------------------------------------- soft terms

    def _order(self, a: int, b: int) -> tuple[Any, Any, Any]:
        """(a before b, b before a, they overlap): the overlap literal is true when both are placed
        and neither comes first."""
        if (a, b) not in self.orders:
            va, vb = self.vars[a], self.vars[b]
            sa, sb = self.problem.session_by_id[a], self.problem.session_by_id[b]
            before, after, overlap = (self.m.new_bool_var(f"{n}{a}_{b}") for n in ("before", "after", "overlap"))
            self.m.add(va.start + sa.minutes <= vb.start).only_enforce_if(before)
            self.m.add(vb.start + sb.minutes <= va.start).only_enforce_if(after)
            self.m.add_bool_or([before, after, overlap, ~va.placed, ~vb.placed])
            self.orders[(a, b)] = (before, after, overlap)
        return self.orders[(a, b)]

    def add_pairs(self) -> None:
        w = self.problem.weights
        pairs = soft_pairs(self.problem)
        crowds = crowd_pairs(self.problem)
        for (a, b) in sorted(set(pairs) | set(crowds)):
            if a not in self.vars or b not in self.vars or not self._may_meet(a, b):
                continue
            cost = pairs.get((a, b), 0) + w.crowd_split * crowds.get((a, b), 0)
            if self.vars[a].fixed and self.vars[b].fixed:
                sa, sb = self.problem.session_by_id[a], self.problem.session_by_id[b]
                if overlapping(sa, sa.baseline, sb, sb.baseline):  # type: ignore[arg-type]
                    self.constant += cost
                    continue
            before, after, overlap = self._order(a, b)
            if cost:
                self.objective.append(cost * overlap)
            delegates = crowds.get((a, b), 0)
            if delegates and w.crowd_walk:
                walk = self._walk_var(a, b)
                if isinstance(walk, int):
                    continue
                tight = self.tights[(a, b)] = self.m.new_bool_var(f"tight{a}_{b}")
                va, vb = self.vars[a], self.vars[b]
                sa, sb = self.problem.session_by_id[a], self.problem.session_by_id[b]
                self.m.add(va.start + sa.minutes + walk <= vb.start).only_enforce_if([before, ~tight])
                self.m.add(vb.start + sb.minutes + walk <= va.start).only_enforce_if([after, ~tight])
                self.objective.append(w.crowd_walk * delegates * tight)

    def _may_meet(self, a: int, b: int) -> bool:
        """Whether two sessions can be on one day at all (else they never overlap nor walk)."""
        return bool(self.vars[a].days & self.vars[b].days)

    def add_days(self) -> None:
        n = self.problem.days
        counts: list[list[Any]] = [[] for _ in range(n)]
        for sid, v in self.vars.items():
            s = self.problem.session_by_id[sid]
            if v.fixed:
                counts[s.baseline.start // DAY].append(1)  # type: ignore[union-attr]
                continue
            for day in sorted(v.days):
                lit = v.day_lits[day] = self.m.new_bool_var(f"day{sid}_{day}")
                self.m.add(v.start >= day * DAY).only_enforce_if(lit)
                self.m.add(v.start < (day + 1) * DAY).only_enforce_if(lit)
                counts[day].append(lit)
            self.m.add(sum(v.day_lits.values()) == v.placed)
        total = len(self.problem.sessions)
        most = self.most = self.m.new_int_var(0, total, "most")
        least = self.least = self.m.new_int_var(0, total, "least")
        for day_counts in counts:
            self.m.add(most >= sum(day_counts))
            self.m.add(least <= sum(day_counts))
        self.objective.append(self.problem.weights.day_balance * (most - least))

    def add_track_rooms(self) -> None:
        used = self.track_used
        for sid, v in self.vars.items():
            track = self.problem.session_by_id[sid].track_id
            if track is None:
                continue
            for r, lit in v.x.items():
                if (track, r) not in used:
                    used[(track, r)] = self.m.new_bool_var(f"track{track}_{r}")
                self.m.add_implication(lit, used[(track, r)])
        self.objective.append(self.problem.weights.track_rooms * sum(used.values()))

    def build(self) -> cp_model.CpModel:
        self.add_sessions()
        self.add_rooms()
        self.add_speakers()
        self.add_pairs()
        self.add_days()
        self.add_track_rooms()
        self.m.minimize(sum(self.objective) + self.constant)
        return self.m

    def hint(self, placements: Mapping[int, Place]) -> None:
        """Every variable's value in a schedule (a complete hint: CP-SAT starts from it at once)."""
        m, problem = self.m, self.problem
        sessions, rooms = problem.session_by_id, problem.room_by_id
        m.add_hint(self.true, True)
        where = {sid: placements.get(sid) for sid in self.vars}
        for sid, v in self.vars.items():
            s = sessions[sid]
            if v.fixed:
                where[sid] = s.baseline
                continue
            given = where[sid]
            place = given if given is not None and given.room_id in v.x else None
            where[sid] = place
            for r, lit in v.x.items():
                m.add_hint(lit, place is not None and place.room_id == r)
            venue = rooms[place.room_id].venue_id if place else None
            for u, lit in v.at_venue.items():
                m.add_hint(lit, u == venue)
            m.add_hint(v.placed, place is not None)
            m.add_hint(v.venue, self.venue_index[venue] if venue is not None else 0)
            m.add_hint(v.k, (place.start if place else v.any_start) // self.unit)
            for day, lit in v.day_lits.items():
                m.add_hint(lit, place is not None and place.start // DAY == day)
            if v.same is not None:
                m.add_hint(v.same, place == s.baseline)

        def start(sid: int) -> int:
            place = where[sid]
            return place.start if place is not None else self.vars[sid].any_start

        def walk(a: int, b: int) -> int:
            pa, pb = where[a], where[b]
            return problem.walk(rooms[pa.room_id], rooms[pb.room_id]) if pa and pb else 0

        for (a, b), var in self.walks.items():
            if not isinstance(var, int):
                m.add_hint(var, walk(a, b))
        for (a, b), lit in self.firsts.items():
            m.add_hint(lit, start(a) < start(b))
        for (a, b), (before, after, overlap) in self.orders.items():
            sa, sb = sessions[a], sessions[b]
            m.add_hint(before, start(a) + sa.minutes <= start(b))
            m.add_hint(after, start(b) + sb.minutes <= start(a))
            both = where[a] is not None and where[b] is not None
            m.add_hint(overlap, both and overlapping(sa, where[a], sb, where[b]))  # type: ignore[arg-type]
            if (a, b) in self.tights:
                first, second = (a, b) if start(a) <= start(b) else (b, a)
                gap = start(second) - start(first) - sessions[first].minutes
                m.add_hint(self.tights[(a, b)], both and 0 <= gap < walk(a, b))
        counts = [0] * problem.days
        for place in where.values():
            if place is not None and 0 <= place.start // DAY < problem.days:
                counts[place.start // DAY] += 1
        if self.most is not None:
            m.add_hint(self.most, max(counts))
            m.add_hint(self.least, min(counts))
        used = {(sessions[sid].track_id, p.room_id) for sid, p in where.items() if p is not None}
        for key, lit in self.track_used.items():
            m.add_hint(lit, key in used)


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, report: ProgressReport | None) -> None:
        super().__init__()
        self.report = report
        self.found = 0
        self.started = time.perf_counter()
        self.lock = threading.Lock()

    def on_solution_callback(self) -> None:
        with self.lock:
            self.found += 1
            if self.report is not None:
                self.report(self.found, self.objective_value, self.best_objective_bound,
                            time.perf_counter() - self.started)


def solve(problem: Problem, *, time_limit: float, workers: int = 2, seed: int = 0,
          hint: Mapping[int, Place] | None = None, on_solution: ProgressReport | None = None) -> Solution:
    started = time.perf_counter()
    builder = _Builder(problem)
    model = builder.build()
    if hint:
        builder.hint(hint)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit - (time.perf_counter() - started))
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = seed
    # Probing in presolve costs ~10 s on the full programme and finds little: the hint and the
    # search do better with that time.
    solver.parameters.cp_model_probing_level = 0
    progress = _Progress(on_solution)
    status = solver.solve(model, progress)
    seconds = time.perf_counter() - started
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Solution(dict(hint or {}), name, None, None, seconds, progress.found, builder.unplaceable,
                        from_hint=True)
    placements = {}
    for sid, v in builder.vars.items():
        for r, lit in v.x.items():
            if solver.boolean_value(lit):
                placements[sid] = Place(r, solver.value(v.start))
    return Solution(placements, name, round(solver.objective_value), solver.best_objective_bound, seconds,
                    progress.found, builder.unplaceable)
