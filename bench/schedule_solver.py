"""Schedule solver bench: the full demo programme placed from scratch, then repaired after one disruption.

    .venv/bin/python -m bench.schedule_solver [--time-limit 55] [--repair-limit 12] [--seed 2022]

Builds the demo data (esof.demo.builder, ~300 sessions, every room, four days, the demo's stars
and bookings) into a temporary SQLite database, and pins the keynotes, ceremonies and the party
as organisers would. Then:

1. from scratch: `propose_schedule(mode="from-scratch")`, applied to the draft; the conflict
   report (`build_conflict_report`) must find 0 hard conflicts; the soft score is compared with
   the demo's hand-made draft (same score function, lower is better);
2. repair: a room made smaller (its largest sessions no longer fit) and, separately, a speaker's
   new availability (one day only), each from the applied schedule, with
   `propose_schedule(mode="minimal-change")`: seconds, sessions moved, and how many of those
   broke a rule (the affected ones).

Prints the figures as Markdown for docs/PERFORMANCE.md ("Schedule solver"). Load average is
printed too: the machine is shared.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from esof import create_app
from esof.demo.builder import build_demo_data
from esof.demo.context import DemoSizes
from esof.extensions import db
from esof.programme.conflicts import build_conflict_report, load_interests
from esof.programme.models import PersonAvailability, ProgrammeSession, ScheduleSlot, SessionFormat, SessionSpeaker
from esof.programme.solver import apply_proposal, co_interest, propose_schedule
from esof.venues.models import Room

PINNED_FORMATS = (SessionFormat.KEYNOTE, SessionFormat.CEREMONY, SessionFormat.SOCIAL)


def make_app(database: Path, **extra):
    config = {**extra, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "bench", "ESOF_ENV": "testing",
              "TESTING": True, "MAIL_SERVER": None, "REDIS_URL": None, "RATELIMIT_STORAGE_URI": "memory://",
              "PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_COST": 1024}
    return create_app(config)


def build(seed: int) -> dict[str, int]:
    build_demo_data(seed=seed, sizes=DemoSizes(), password="bench password")
    stars = db.session.scalar(sa.text("SELECT count(*) FROM star"))
    bookings = db.session.scalar(sa.text("SELECT count(*) FROM booking WHERE status <> 'cancelled'"))
    pinned = db.session.execute(sa.update(ProgrammeSession).where(ProgrammeSession.format.in_(PINNED_FORMATS))
                                .values(pinned=True)).rowcount
    db.session.commit()
    count = db.session.scalar(sa.select(sa.func.count(ProgrammeSession.id)))
    rooms = db.session.scalar(sa.select(sa.func.count(Room.id)))
    return {"sessions": count, "rooms": rooms, "stars": stars, "live bookings": bookings, "pinned": pinned}


def shrink_a_room() -> tuple[str, set[int]]:
    """The busiest non-parallel room of medium size drops to half its capacity."""
    room_id, _n = db.session.execute(
        sa.select(ScheduleSlot.room_id, sa.func.count()).join(Room).where(~Room.allows_parallel, Room.capacity < 500)
        .group_by(ScheduleSlot.room_id).order_by(sa.func.count().desc(), ScheduleSlot.room_id).limit(1)).one()
    room = db.session.get_one(Room, room_id)
    room.capacity //= 2
    affected = set(db.session.scalars(
        sa.select(ProgrammeSession.id).join(ScheduleSlot).where(ScheduleSlot.room_id == room_id,
                                                                ProgrammeSession.expected_audience > room.capacity)))
    db.session.commit()
    return f"{room.name} halved to {room.capacity} seats", affected


def limit_a_speaker() -> tuple[str, set[int]]:
    """A speaker with two or more sessions on different days can now come on one day only."""
    rows = db.session.execute(
        sa.select(SessionSpeaker.person_id, ScheduleSlot.session_id, ScheduleSlot.starts_at, ScheduleSlot.ends_at)
        .join(ScheduleSlot, ScheduleSlot.session_id == SessionSpeaker.session_id)
        .join(ProgrammeSession, ProgrammeSession.id == ScheduleSlot.session_id)
        .where(~ProgrammeSession.pinned).order_by(SessionSpeaker.person_id, ScheduleSlot.starts_at)).all()
    by_person: dict[int, list] = {}
    for person_id, sid, starts, ends in rows:
        by_person.setdefault(person_id, []).append((sid, starts, ends))
    person_id, items = next((p, items) for p, items in by_person.items()
                            if len({starts.date() for _sid, starts, _e in items}) >= 2)
    keep_day = items[0][1]
    window_start = keep_day.replace(hour=6, minute=0)  # 08:00 in Amsterdam (UTC+2)
    db.session.execute(sa.delete(PersonAvailability).where(PersonAvailability.person_id == person_id))
    db.session.add(PersonAvailability(person_id=person_id, starts_at=window_start,
                                      ends_at=window_start.replace(hour=19)))
    affected = {sid for sid, starts, _e in items if starts.date() != keep_day.date()}
    db.session.commit()
    return f"speaker {person_id} available on {keep_day.date()} only", affected


def repair(disrupt, limit: float) -> str:
    what, affected = disrupt()
    result = propose_schedule(mode="minimal-change", time_limit=limit)
    moved = {m["session_id"] for m in result["moved"]}
    apply_proposal(result)  # the next disruption starts from a repaired draft
    db.session.commit()
    return (f"| repair: {what} | {result['seconds']:.1f} | {result['status']} | {result['hard_conflicts']} | "
            f"{len(moved)} ({len(moved & affected)} of {len(affected)} affected, {len(moved - affected)} others) | "
            f"{len(result['unplaced'])} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--time-limit", type=float, default=55.0)
    parser.add_argument("--repair-limit", type=float, default=12.0)
    parser.add_argument("--crowd-min", type=int, default=20, help="SCHEDULE_CROWD_MIN_DELEGATES")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(Path(tmp) / "bench.sqlite", SCHEDULE_CROWD_MIN_DELEGATES=args.crowd_min)
        with app.app_context():
            upgrade(revision="heads")
            sizes = build(args.seed)
            hand = build_conflict_report()
            print(f"demo: {sizes}; hand-made draft: {len(hand.hard)} hard conflicts, {len(hand.warnings)} warnings")
            pairs = co_interest(load_interests(), 1, 1)
            largest = max(pairs.values(), default=0)
            print(f"largest crowd (delegates who starred or booked the same two sessions): {largest}")
            print(f"load average before: {os.getloadavg()}")
            result = propose_schedule(mode="from-scratch", time_limit=args.time_limit)
            apply_proposal(result)
            db.session.commit()
            after = build_conflict_report()
            soft, hand_soft = result["soft"], result["soft_draft"]
            print("| run | seconds | status | hard conflicts | moved | unplaced |")
            print("| --- | ---: | --- | ---: | --- | ---: |")
            print(f"crowd pairs of at least {args.crowd_min} delegates in the model: {result['crowd_pairs']}")
            print(f"| from scratch ({sizes['sessions']} sessions, {sizes['rooms']} rooms) | {result['seconds']:.1f} | "
                  f"{result['status']} | {result['hard_conflicts']} (report after applying: {len(after.hard)}) | "
                  f"{len(result['moved']) + len(result['added'])} placed anew | {len(result['unplaced'])} |")
            started = time.perf_counter()
            print(repair(shrink_a_room, args.repair_limit))
            print(repair(limit_a_speaker, args.repair_limit))
            print(f"(repairs took {time.perf_counter() - started:.1f} s in all)")
            print()
            print("| soft term | solver | hand-made |")
            print("| --- | ---: | ---: |")
            for key in sorted(set(soft) | set(hand_soft)):
                print(f"| {key} | {soft.get(key, 0)} | {hand_soft.get(key, 0)} |")
            print(f"warnings after applying: {result['warnings']}; load average after: {os.getloadavg()}")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
