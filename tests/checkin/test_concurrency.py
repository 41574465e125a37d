"""Several doors at once: every counter ends at its presence rows (a room's also at counted ins
minus counted outs), never below zero, whatever the interleaving. Threads on SQLite, processes on PostgreSQL."""
from __future__ import annotations

import multiprocessing
import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from esof.accounts.models import User
from esof.checkin import services
from esof.checkin.models import CheckIn, Direction, DoorPresence, Occupancy
from esof.extensions import db
from esof.registration.services import ticket_token
from tests.checkin.concurrent_worker import scan_many
from tests.checkin.factories import delegate, staff
from tests.venues.factories import RoomFactory, VenueFactory

PEOPLE = 24


def arrange() -> tuple[int, list[str], list[str]]:
    """A venue entrance and two rooms; PEOPLE delegates, each assigned to one of the doors."""
    venue = VenueFactory()
    rooms = [RoomFactory(venue=venue, capacity=50), RoomFactory(venue=venue, capacity=50)]
    doors = [f"venue:{venue.id}"] + [f"room:{room.id}" for room in rooms]
    tokens = [ticket_token(delegate()) for _ in range(PEOPLE)]
    staff_id = staff().id
    db.session.commit()
    return staff_id, doors, tokens


def phases(doors: list[str], tokens: list[str]) -> list[list[tuple[str, str, str]]]:
    """Phase 1: everyone enters their door twice at the same moment (two physical doors of
    one room), and a third also tries to leave a door they never entered. Phase 2: half of
    them leave, each twice at once, while a quarter enter again."""
    first = []
    for i, token in enumerate(tokens):
        door = doors[i % len(doors)]
        first += [(token, door, "in"), (token, door, "in")]
        if i % 3 == 0:
            first.append((token, doors[(i + 1) % len(doors)], "out"))
    second = []
    for i, token in enumerate(tokens):
        door = doors[i % len(doors)]
        if i % 2 == 0:
            second += [(token, door, "out"), (token, door, "out")]
        elif i % 4 == 1:
            second.append((token, door, "in"))
    return [first, second]


def expected_present(doors: list[str], tokens: list[str]) -> dict[str, int]:
    """Rooms: who entered them and did not leave. The venue (doors[0]) also holds everyone who
    entered one of its rooms and only left the room: entering a room implies the venue."""
    inside = Counter(doors[i % len(doors)] for i in range(len(tokens)) if i % 2 == 1)
    in_venue = sum(1 for i in range(len(tokens)) if i % 2 == 1 or i % len(doors) != 0)
    return {door: in_venue if door == doors[0] else inside[door] for door in doors}


def assert_counts_right(doors: list[str]) -> dict[str, int]:
    db.session.expire_all()
    present = {}
    for key in doors:
        door = services.find_door(key)
        rows = db.session.scalars(sa.select(Occupancy).where(services._door_filter(Occupancy, door))).all()
        assert len(rows) == 1  # one counter row per door, even when created concurrently
        scans = db.session.scalars(sa.select(CheckIn).where(services._door_filter(CheckIn, door))).all()
        counted_in = sum(1 for s in scans if s.counted and s.direction == Direction.IN)
        counted_out = sum(1 for s in scans if s.counted and s.direction == Direction.OUT)
        inside = db.session.scalar(sa.select(sa.func.count()).select_from(DoorPresence).where(
            services._door_filter(DoorPresence, door)))
        assert rows[0].present == inside >= 0
        if door.kind == "room":  # a venue also counts who its rooms' scans implied (services.reconcile)
            assert rows[0].present == counted_in - counted_out
        present[key] = rows[0].present
    return present


@pytest.mark.slow
def test_several_doors_at_once_threads_sqlite(app) -> None:
    staff_id, doors, tokens = arrange()
    errors: list[str] = []
    for jobs in phases(doors, tokens):
        barrier = threading.Barrier(len(jobs))

        def one(token: str, door_key: str, direction: str, barrier: threading.Barrier = barrier) -> None:
            with app.app_context():
                barrier.wait()
                try:
                    services.record_scan(door=services.find_door(door_key),
                                         direction=services.parse_direction(direction),
                                         staff=db.session.get(User, staff_id), token=token)
                    db.session.commit()
                except Exception as exc:
                    db.session.rollback()
                    errors.append(repr(exc))
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=one, args=job) for job in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert assert_counts_right(doors) == expected_present(doors, tokens)
    scans = sum(len(p) for p in phases(doors, tokens))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == scans


@pytest.mark.slow
@pytest.mark.postgres
def test_several_doors_at_once_processes_postgresql(pg_app) -> None:
    staff_id, doors, tokens = arrange()
    url = db.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    for jobs in phases(doors, tokens):
        start, results = context.Event(), context.Queue()
        chunks = [jobs[i::3] for i in range(3)]  # 3 processes, a thread per scan
        processes = [context.Process(target=scan_many, args=(url, staff_id, chunk, start, results)) for chunk in chunks]
        for p in processes:
            p.start()
        start.set()
        outcomes = [results.get(timeout=120) for _ in jobs]
        for p in processes:
            p.join(timeout=60)
        assert [o for o in outcomes if o[3] is not None] == []
    assert assert_counts_right(doors) == expected_present(doors, tokens)
