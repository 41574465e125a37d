"""A room and its venue entrance offline: leaving the venue ends the stay in its rooms, going into
a room puts the delegate inside the venue, and the same scans give the same answers and counters
whether the door phones were online (services.record_scan) or synced them later (offline)."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from esof.checkin import offline, services
from esof.checkin.answers import AnswerKind
from esof.checkin.models import CheckIn, Direction
from esof.extensions import db
from esof.registration.models import Registration
from esof.registration.tickets import ticket_code
from tests.checkin.factories import delegate, staff
from tests.venues.factories import RoomFactory, VenueFactory

DAY = datetime(2022, 7, 14, 8, 0, tzinfo=UTC)  # 10:00 in Leiden, the second conference day
# Further apart than CHECKIN_REPEAT_MINUTES, so the online "scanned a few minutes ago" note
# (which an offline phone cannot know) never differs between the two paths.
STEP = timedelta(minutes=15)


def venue_with_two_rooms() -> dict[str, services.Door]:
    """V: the venue entrance; R and S: two rooms behind it."""
    venue = VenueFactory()
    rooms = [RoomFactory(venue=venue, name=name) for name in ("R", "S")]
    db.session.flush()
    return {"V": services.find_door(f"venue:{venue.id}"),
            **{room.name: services.find_door(f"room:{room.id}") for room in rooms}}


def queued(code: str, door: services.Door, at: datetime, direction: str) -> dict[str, Any]:
    return {"client_id": str(uuid.uuid4()), "code": code, "scanned_at": at.isoformat(), "door": door.key,
            "direction": direction}


def counters(doors: dict[str, services.Door]) -> dict[str, int]:
    db.session.expire_all()
    return {name: services.door_present(door) for name, door in doors.items()}


def rows(registration: Registration) -> list[tuple[str, bool, str]]:
    """Each scan as recorded, in time order: direction, counted, its warnings."""
    db.session.expire_all()
    return [(scan.direction.value, scan.counted, scan.warnings) for scan in db.session.scalars(
        sa.select(CheckIn).where(CheckIn.registration_id == registration.id).order_by(CheckIn.scanned_at))]


def test_back_into_a_room_after_leaving_its_venue_offline_is_counted_not_a_duplicate(any_app) -> None:
    registration, by = delegate(), staff()
    doors = venue_with_two_rooms()
    db.session.commit()
    code = ticket_code(registration)
    batch = [queued(code, doors["R"], DAY, "in"), queued(code, doors["V"], DAY + STEP, "out"),
             queued(code, doors["R"], DAY + 2 * STEP, "in")]
    answers = offline.sync_scans(batch, staff=by)
    db.session.commit()
    assert [answer.status.value for answer in answers] == ["accepted", "accepted", "accepted"]
    assert answers[2].warnings == []  # not "Already checked in behind this door"
    assert rows(registration) == [("in", True, ""), ("out", True, ""), ("in", True, "")]
    assert counters(doors) == {"V": 1, "R": 1, "S": 0}
    # Resent (an answer lost on the way back): the same answers, nothing moves.
    again = offline.sync_scans(batch, staff=by)
    db.session.commit()
    assert [answer.status.value for answer in again] == ["accepted", "accepted", "accepted"]
    assert counters(doors) == {"V": 1, "R": 1, "S": 0}


# Each case: the scans (door, direction) 15 minutes apart, the offline answers, the counters after.
SEQUENCES = [
    pytest.param("R in, V out, R in", "accepted accepted accepted", {"V": 1, "R": 1, "S": 0}, id="back-into-room"),
    pytest.param("R in, V out, R out", "accepted accepted duplicate", {"V": 0, "R": 0, "S": 0},
                 id="room-exit-after-venue-exit"),
    pytest.param("V in, V in, R in, R in, R out, R out, V out, V out",
                 "accepted duplicate accepted duplicate accepted duplicate accepted duplicate",
                 {"V": 0, "R": 0, "S": 0}, id="every-door-twice"),
    pytest.param("R in, V in, R out, V out, V in, R in",
                 "accepted duplicate accepted accepted accepted accepted", {"V": 1, "R": 1, "S": 0},
                 id="room-implies-venue"),
    pytest.param("R in, S in, V out, S in, R out", "accepted accepted accepted accepted duplicate",
                 {"V": 1, "R": 0, "S": 1}, id="two-rooms"),
    pytest.param("V out, R out, R in, V out, V out, R in",
                 "accepted accepted accepted accepted duplicate accepted", {"V": 1, "R": 1, "S": 0},
                 id="out-before-in"),
]


def steps(sequence: str) -> list[tuple[str, Direction]]:
    return [(door, Direction(direction)) for door, direction in (step.split() for step in sequence.split(", "))]


def run_online(sequence: str) -> tuple[Registration, dict[str, services.Door], list[services.ScanResult]]:
    registration, by = delegate(), staff()
    doors = venue_with_two_rooms()
    results = [services.record_scan(door=doors[door], direction=direction, staff=by,
                                    token=ticket_code(registration), now=DAY + n * STEP)
               for n, (door, direction) in enumerate(steps(sequence))]
    db.session.commit()
    return registration, doors, results


def offline_batch(sequence: str) -> tuple[Registration, dict[str, services.Door], list[dict[str, Any]]]:
    registration = delegate()
    doors = venue_with_two_rooms()
    db.session.commit()
    code = ticket_code(registration)
    return registration, doors, [queued(code, doors[door], DAY + n * STEP, direction.value)
                                 for n, (door, direction) in enumerate(steps(sequence))]


@pytest.mark.parametrize(("sequence", "expected", "present"), SEQUENCES)
def test_the_same_scans_online_and_offline_give_the_same_answers_and_counters(
        app, sequence: str, expected: str, present: dict[str, int]) -> None:
    online, online_doors, results = run_online(sequence)
    synced, offline_doors, batch = offline_batch(sequence)
    answers = offline.sync_scans(batch, staff=staff())
    db.session.commit()
    assert [answer.status.value for answer in answers] == expected.split()
    # Counted or not, and the door's note (already inside / not inside), scan by scan.
    assert rows(synced) == rows(online)
    # What the door staff were told about an "in": STOP "already inside" online exactly where
    # the sync answers "duplicate".
    assert [result.answer.kind == AnswerKind.DUPLICATE for result in results if result.check_in.direction == "in"] \
        == [answer.status == offline.Outcome.DUPLICATE
            for answer, item in zip(answers, batch, strict=True) if item["direction"] == "in"]
    assert counters(online_doors) == counters(offline_doors) == present


@pytest.mark.parametrize(("sequence", "expected", "present"), SEQUENCES)
def test_offline_scans_arriving_in_any_order_end_as_the_online_ones(
        app, sequence: str, expected: str, present: dict[str, int]) -> None:
    online, online_doors, _results = run_online(sequence)
    synced, offline_doors, batch = offline_batch(sequence)
    by = staff()
    for item in reversed(batch):  # each phone syncs on its own, the last scan first
        offline.sync_scans([item], staff=by)
        db.session.commit()
    assert rows(synced) == rows(online)
    assert counters(offline_doors) == counters(online_doors) == present
    # Resent together now, each scan is answered as if it had arrived in time order.
    again = offline.sync_scans(batch, staff=by)
    db.session.commit()
    assert [answer.status.value for answer in again] == expected.split()
    assert counters(offline_doors) == present
