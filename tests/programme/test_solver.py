"""The schedule solver on plain data: small instances with known optima, table-driven, no database.

Times are minutes from midnight of the first day (day k starts at k * 1440).
"""
from __future__ import annotations

from dataclasses import replace

import pytest

from esof.programme.solver_cpsat import solve
from esof.programme.solver_problem import (
    DAY,
    Place,
    Problem,
    RoomSpec,
    SessionSpec,
    Weights,
    greedy_schedule,
    overlapping,
    place_violations,
    soft_score,
)
from esof.programme.solver_reasons import clashes, move_reason

# Pieterskerk and the Huygens Laboratorium: about 2.5 km apart, 38 minutes' walk with the margin.
CENTRE, SCIENCE_PARK = (52.1572, 4.4874), (52.1692, 4.4574)
# Only what a case is about costs something.
PLAIN = Weights(unplaced=1000, move=100, track_parallel=0, crowd_split=0, crowd_walk=0, keynote_parallel=0,
                day_balance=0, track_rooms=0, empty_seats=0)


def room(rid: int, capacity: int = 100, venue: int = 1, **extra) -> RoomSpec:
    location = SCIENCE_PARK if venue == 2 else CENTRE
    return RoomSpec(rid, f"Room {rid}", venue, f"Venue {venue}", capacity, location=location, **extra)


def session(sid: int, minutes: int = 60, **extra) -> SessionSpec:
    return SessionSpec(sid, f"Session {sid}", minutes, **extra)


def problem(rooms, sessions, *, days: int = 1, hours=(9 * 60, 12 * 60), weights: Weights = PLAIN, **extra) -> Problem:
    venues = {r.venue_id for r in rooms}
    opening = {(v, d): hours for v in venues for d in range(days)}
    return Problem(days=days, rooms=list(rooms), sessions=list(sessions), opening=opening, venues_with_hours=venues,
                   weights=weights, **extra)


def solved(p: Problem, **kwargs):
    result = solve(p, time_limit=kwargs.pop("time_limit", 10), workers=2, hint=greedy_schedule(p, keep=[
        s.id for s in p.sessions if s.baseline is not None]), **kwargs)
    assert result.status == "OPTIMAL"
    assert result.objective == soft_score(p, result.placements)["total"]  # the model and the score agree
    return result


def hard_rules_kept(p: Problem, placements: dict[int, Place]) -> None:
    for sid, place in placements.items():
        s = p.session_by_id[sid]
        if s.pinned:
            continue
        assert place_violations(p, s, place) == [], (sid, place)
        assert clashes(p, sid, place, placements) == [], (sid, place)


# (case, problem, expected objective, a check of the placements)
CASES = [
    ("one room, two sessions: one after the other",
     problem([room(1)], [session(1), session(2)]), 0,
     lambda pl: not overlapping(session(1), pl[1], session(2), pl[2])),
    ("the room must hold the audience",
     problem([room(1, 50), room(2, 100)], [session(1, audience=80)]), 0,
     lambda pl: pl[1].room_id == 2),
    ("bookings count as audience, a room for parallel sessions takes posters only",
     problem([room(1, 40), room(2, 500, allows_parallel=True), room(3, 60)], [session(1, audience=55)]), 0,
     lambda pl: pl[1].room_id == 3),
    ("step-free where a speaker needs it",
     problem([room(1, step_free=False), room(2)], [session(1, needs_step_free=True)]), 0,
     lambda pl: pl[1].room_id == 2),
    ("a speaker available from 10:30 only",
     problem([room(1)], [session(1, speaker_ids=(7,))], availability={7: [(630, 720)]}), 0,
     lambda pl: pl[1].start == 630),
    ("the venue opens at 11:00",
     problem([room(1)], [session(1)], hours=(660, 780)), 0,
     lambda pl: pl[1].start in (660, 675, 690, 705, 720)),
    ("two rooms, one speaker: never at once",
     problem([room(1), room(2)], [session(1, speaker_ids=(7,)), session(2, speaker_ids=(7,))], hours=(540, 660)), 0,
     lambda pl: not overlapping(session(1), pl[1], session(2), pl[2])),
    ("a speaker walks 38 minutes between venues",
     problem([room(1), room(2, venue=2)], [session(1, speaker_ids=(7,)), session(2, speaker_ids=(7,)),
                                           session(3), session(4)],
             hours=(540, 720)), 0,
     lambda pl: pl[1].room_id == pl[2].room_id or abs(pl[1].start - pl[2].start) >= 60 + 38),
    ("nothing fits: the session stays unplaced",
     problem([room(1, 50)], [session(1, audience=400)]), 1000, lambda pl: 1 not in pl),
    ("a pinned session stays, the other goes around it",
     problem([room(1)], [session(1, pinned=True, baseline=Place(1, 600)), session(2, minutes=120)],
             hours=(540, 780)), 0,
     lambda pl: pl[1] == Place(1, 600) and pl[2].start in (660, 675, 690)),
    ("one track, two rooms: not in parallel (weight 10)",
     problem([room(1), room(2)], [session(1, track_id=1), session(2, track_id=1)], hours=(540, 660),
             weights=replace(PLAIN, track_parallel=10)), 0,
     lambda pl: not overlapping(session(1), pl[1], session(2), pl[2])),
    ("one track, no time for two: they run in parallel at a cost",
     problem([room(1), room(2)], [session(1, track_id=1), session(2, track_id=1)], hours=(540, 600),
             weights=replace(PLAIN, track_parallel=10)), 10, lambda pl: len(pl) == 2),
    ("a keynote with nothing big beside it",
     problem([room(1, 1000), room(2, 300)], [session(1, format="keynote", audience=900), session(2, audience=200)],
             hours=(540, 660), weights=replace(PLAIN, keynote_parallel=50)), 0,
     lambda pl: not overlapping(session(1), pl[1], session(2), pl[2])),
    ("a crowd of 30 kept together and given time to walk",
     problem([room(1), room(2, venue=2)], [session(1), session(2)], hours=(540, 720), crowds={(1, 2): 30},
             weights=replace(PLAIN, crowd_split=2, crowd_walk=1)), 0,
     lambda pl: pl[1].room_id == pl[2].room_id or abs(pl[1].start - pl[2].start) >= 60 + 38),
    ("balanced days: two sessions a day",
     problem([room(1)], [session(n) for n in range(1, 5)], days=2, hours=(540, 780),
             weights=replace(PLAIN, day_balance=5)), 0,
     lambda pl: sorted(p.start // DAY for p in pl.values()) == [0, 0, 1, 1]),
    ("a track keeps to one room",
     problem([room(1), room(2)], [session(1, track_id=1), session(2, track_id=1)], hours=(540, 780),
             weights=replace(PLAIN, track_rooms=3)), 3, lambda pl: pl[1].room_id == pl[2].room_id),
    ("small sessions in small rooms (one unit per 100 empty seats)",
     problem([room(1, 1000), room(2, 120)], [session(1, audience=100)], weights=replace(PLAIN, empty_seats=1)), 0,
     lambda pl: pl[1].room_id == 2),
]


@pytest.mark.parametrize(("case", "p", "objective", "check"), CASES, ids=[c[0] for c in CASES])
def test_small_instances_reach_their_known_optimum(case, p: Problem, objective: int, check) -> None:
    result = solved(p)

    assert result.objective == objective
    assert check(result.placements)
    hard_rules_kept(p, result.placements)


def test_unplaceable_sessions_say_why() -> None:
    p = problem([room(1, 50)], [session(1, audience=400), session(2, speaker_ids=(7,))],
                availability={7: [(2000, 2100)]})

    assert solved(p).unplaceable == {1: "room", 2: "time"}


def test_repair_moves_only_what_must_move() -> None:
    # Four sessions in a row in room 1, each at its baseline; the speaker of session 3 can now
    # come only after 12:00, where session 4 is: session 3 takes another room, nothing else moves.
    baseline = {1: Place(1, 540), 2: Place(1, 600), 3: Place(1, 660), 4: Place(1, 720)}
    sessions = [session(n, baseline=baseline[n], speaker_ids=(n,), track_id=1) for n in range(1, 5)]
    p = problem([room(1), room(2)], sessions, hours=(540, 840), availability={3: [(720, 840)]},
                minimal_change=True, weights=replace(PLAIN, track_rooms=3))

    result = solved(p)

    moved = {sid for sid, place in result.placements.items() if place != baseline[sid]}
    assert moved == {3}
    assert result.placements[3] == Place(1, 780)  # its track's room, after session 4
    assert result.objective == 100 + 3
    assert move_reason(p, 3, baseline[3], before=baseline, after=result.placements) == {"code": "speaker-unavailable"}


def test_repair_names_the_session_it_makes_room_for() -> None:
    # A new session for 400 fits only the large room, and its speaker only at 09:00, where
    # session 1 sits: session 1 moves "to make room" for it, session 2 stays.
    baseline = {1: Place(1, 540), 2: Place(1, 600)}
    big = session(3, audience=400, speaker_ids=(9,))
    p = problem([room(1, 500), room(2, 50)], [session(1, baseline=baseline[1], audience=40),
                                             session(2, baseline=baseline[2], audience=40), big],
                hours=(540, 780), availability={9: [(540, 600)]}, minimal_change=True)

    result = solved(p)

    assert result.placements[3] == Place(1, 540)
    assert result.placements[2] == baseline[2]
    assert result.placements[1] != baseline[1]
    assert result.objective == 100
    reason = move_reason(p, 1, baseline[1], before=baseline, after=result.placements)
    assert reason == {"code": "make-room", "for": 3}


def test_soft_score_counts_each_term() -> None:
    p = problem([room(1, 1000), room(2, 100)], [session(1, track_id=1, format="keynote", audience=900),
                                               session(2, track_id=1, audience=200), session(3, track_id=1)],
                days=2, weights=Weights(), crowds={(1, 3): 25})
    placements = {1: Place(1, 540), 2: Place(1, 600), 3: Place(2, 540)}

    assert soft_score(p, placements) == {
        "unplaced": 0, "moved": 0, "parallel_pairs": 1, "crowd_split": 25, "crowd_walk": 0, "day_spread": 3,
        "track_rooms": 2, "empty_seats_100": 1 + 8 + 1,
        # one track pair at once 10, crowd 25 x 2, day spread 3 x 5, two rooms x 3, 10 x 1
        "total": 10 + 50 + 15 + 6 + 10,
    }


def test_greedy_schedule_keeps_every_hard_rule() -> None:
    rooms = [room(1, 300), room(2, 80), room(3, 40, venue=2), room(4, 120, venue=2, step_free=False)]
    sessions = [session(n, minutes=60 + 30 * (n % 3), audience=(n * 37) % 250, speaker_ids=(n % 5, 10 + n % 7),
                        needs_step_free=n % 6 == 0, track_id=n % 3) for n in range(1, 25)]
    p = problem(rooms, sessions, days=2, hours=(540, 1080),
                availability={3: [(540, 900)], 12: [(DAY + 540, DAY + 1080)]})

    placements = greedy_schedule(p)
    result = solve(p, time_limit=5, workers=2, hint=placements)

    assert len(placements) >= 20
    hard_rules_kept(p, placements)
    assert len(result.placements) >= len(placements)
    hard_rules_kept(p, result.placements)
