"""Door phones at one door syncing their queues at the same moment, on PostgreSQL.

Found by tests/ops/test_writer_faults_servers.py: each scan locked its delegate's row and then
moved the door's counter (a row lock held until the commit), so two batches at one door that
reached their delegates in different orders waited for each other; PostgreSQL broke the
deadlock after a second and one phone was told 503 and had to send its queue again.

The same held for two venues: with the delegates locked, the entrance counters were still taken
in each batch's time order, so a phone that scanned at venue A and then venue B and one that
scanned at B and then A held one entrance each and waited for the other's.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from esof.accounts.models import User
from esof.checkin import offline, services
from esof.checkin.models import CheckIn, DoorPresence
from esof.extensions import db
from esof.registration.tickets import ticket_code
from tests.checkin.factories import delegate, room_door, staff
from tests.checkin.test_offline_sync import item, present
from tests.ops.test_scale_out import all_at_once
from tests.support import log_in
from tests.venues.factories import RoomFactory

DAY = datetime(2022, 7, 14, 8, 0, tzinfo=UTC)
DELEGATES = 8
ROUNDS = 3


def sync_one(app, batch: list[dict[str, Any]], staff_id: int) -> str | None:
    """One phone's upload in its own transaction; the database error it met, if any."""
    with app.app_context():
        try:
            offline.sync_scans(batch, staff=db.session.get(User, staff_id))
            db.session.commit()
        except sa.exc.OperationalError as exc:  # a deadlock, a lock wait past the limit
            return repr(exc)
        finally:
            db.session.remove()
    return None


@pytest.mark.postgres
def test_phones_syncing_the_same_delegates_in_opposite_orders_at_once_never_deadlock(pg_app) -> None:
    codes = [ticket_code(delegate()) for _ in range(DELEGATES)]
    staff_id = staff().id
    _room, door = room_door()
    db.session.commit()
    sent: list[dict[str, Any]] = []
    for round_ in range(ROUNDS):
        start = DAY + timedelta(minutes=10 * round_)
        direction = "in" if round_ % 2 == 0 else "out"
        # One phone saw the queue from the front, the other from the back: in time order they
        # reach the same delegates in opposite orders.
        forwards = [item(c, door, start + timedelta(seconds=n), direction) for n, c in enumerate(codes)]
        backwards = [item(c, door, start + timedelta(seconds=n), direction) for n, c in enumerate(codes[::-1])]
        sent += forwards + backwards
        errors = all_at_once([forwards, backwards, forwards, backwards],
                             lambda _i, batch: sync_one(pg_app, batch, staff_id))
        assert errors == [None] * 4, errors  # was: DeadlockDetected in one of them
    db.session.expire_all()
    stored = list(db.session.scalars(sa.select(CheckIn.client_id)))
    assert sorted(stored) == sorted(s["client_id"] for s in sent)  # each once, none lost
    assert present(door) == DELEGATES  # in, out, in again
    assert services.door_present(door) == DELEGATES


PHONES = 4  # two scan venue A first, two venue B first
PER_PHONE = 3  # delegates in each phone's queue, none shared with another phone
VENUE_ROUNDS = 4


def door_phone(app, user: User) -> tuple[FlaskClient, str]:
    """A logged-in door phone: its client and the CSRF token its sync sends."""
    client = app.test_client()
    log_in(client, user.email)
    return client, client.get("/checkin/door-list.json").get_json()["csrf"]


def behind(door: services.Door) -> int:
    """How many delegates' presence rows say they are behind the door."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(DoorPresence).where(services.door_filter(DoorPresence, door)))


@pytest.mark.postgres
def test_phones_syncing_two_venues_in_opposite_orders_at_once_all_answer_200(pg_app) -> None:
    room_a, room_b = RoomFactory(), RoomFactory()
    staff_ids = [staff().id for _ in range(PHONES)]
    queues = [[ticket_code(delegate()) for _ in range(PER_PHONE)] for _ in range(PHONES)]
    db.session.commit()
    entrance_a, door_a = services.find_door(f"venue:{room_a.venue_id}"), services.find_door(f"room:{room_a.id}")
    entrance_b, door_b = services.find_door(f"venue:{room_b.venue_id}"), services.find_door(f"room:{room_b.id}")
    phones = [door_phone(pg_app, db.session.get(User, staff_id)) for staff_id in staff_ids]
    sent: list[str] = []
    for round_ in range(VENUE_ROUNDS):
        start = DAY + timedelta(minutes=10 * round_)
        direction = "in" if round_ % 2 == 0 else "out"
        batches = []
        for number, codes in enumerate(queues):
            # Venue A's entrance, then a room of venue B (which takes B's entrance too), or the
            # other way round: in time order half the phones reach A first, half B.
            first, then = (entrance_a, door_b) if number % 2 == 0 else (door_b, entrance_a)
            batch = [item(code, first, start + timedelta(seconds=n), direction) for n, code in enumerate(codes)]
            batch += [item(code, then, start + timedelta(seconds=PER_PHONE + n), direction)
                      for n, code in enumerate(codes)]
            batches.append(batch)
            sent += [scan["client_id"] for scan in batch]
        answers = all_at_once(batches, lambda number, batch: phones[number][0].post(
            "/checkin/sync", json={"scans": batch}, headers={"X-CSRFToken": phones[number][1]}))
        # was: 503 for one phone of a pair, PostgreSQL having broken the deadlock
        assert [a.status_code for a in answers] == [200] * PHONES, [a.get_json() for a in answers]
        statuses = [[scan["status"] for scan in a.get_json()["items"]] for a in answers]
        assert statuses == [["accepted"] * 2 * PER_PHONE] * PHONES

    db.session.expire_all()
    assert sorted(db.session.scalars(sa.select(CheckIn.client_id))) == sorted(sent)  # each scan once
    everyone = PHONES * PER_PHONE
    # In, out, in, out: nobody is inside venue A or room B. Leaving room B leaves them inside
    # venue B, whose entrance counted them in when they first entered the room.
    expected = {entrance_a: 0, door_b: 0, entrance_b: everyone, door_a: 0}
    assert {door.key: services.door_present(door) for door in expected} == {door.key: n for door, n in expected.items()}
    assert {door.key: behind(door) for door in expected} == {door.key: n for door, n in expected.items()}
