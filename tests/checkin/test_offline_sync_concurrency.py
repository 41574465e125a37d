"""Door phones at one door syncing their queues at the same moment, on PostgreSQL.

Found by tests/ops/test_writer_faults_servers.py: each scan locked its delegate's row and then
moved the door's counter (a row lock held until the commit), so two batches at one door that
reached their delegates in different orders waited for each other; PostgreSQL broke the
deadlock after a second and one phone was told 503 and had to send its queue again.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from esof.accounts.models import User
from esof.checkin import offline, services
from esof.checkin.models import CheckIn
from esof.extensions import db
from esof.registration.tickets import ticket_code
from tests.checkin.factories import delegate, room_door, staff
from tests.checkin.test_offline_sync import item, present
from tests.ops.test_scale_out import all_at_once

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
