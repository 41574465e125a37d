"""A room's door and its venue's entrance scanning at the same moment, on PostgreSQL.

Entering a room unscanned at the entrance moves the room's counter and then the venue's
(services.reconcile); leaving the venue moves the venue's and then every room the delegate was
in. Two such scans, of different delegates, would hold one counter row each and wait for the
other: PostgreSQL breaks that deadlock after a second and one door is told 503. Every scan at a
venue therefore takes the venue's counter first, then a room's.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from esof.accounts.models import User
from esof.checkin import services
from esof.checkin.models import CheckIn, Direction
from esof.extensions import db
from esof.registration.tickets import ticket_code
from tests.checkin.factories import delegate, room_door, staff
from tests.ops.test_scale_out import all_at_once

DAY = datetime(2022, 7, 14, 9, 0, tzinfo=UTC)
PAIRS = 6
ROUNDS = 3


def scan(app, *, code: str, door_key: str, direction: Direction, staff_id: int, at: datetime) -> str | None:
    """One scan in its own transaction, as a door's request makes it; the database error, if any."""
    with app.app_context():
        try:
            services.record_scan(door=services.find_door(door_key), direction=direction,
                                 staff=db.session.get(User, staff_id), token=code, now=at)
            db.session.commit()
        except sa.exc.OperationalError as exc:  # a deadlock, a lock wait past the limit
            return repr(exc)
        finally:
            db.session.remove()
    return None


@pytest.mark.postgres
def test_entering_a_room_and_leaving_its_venue_at_once_never_deadlock(pg_app) -> None:
    staff_id = staff().id
    room, room_door_ = room_door()
    venue_key, room_key = f"venue:{room.venue_id}", room_door_.key
    entering = [ticket_code(delegate()) for _ in range(PAIRS * ROUNDS)]
    leaving = [ticket_code(delegate()) for _ in range(PAIRS * ROUNDS)]
    db.session.commit()
    for code in leaving:  # inside the venue and the room already
        assert scan(pg_app, code=code, door_key=room_key, direction=Direction.IN, staff_id=staff_id, at=DAY) is None

    for round_ in range(ROUNDS):
        at = DAY + timedelta(minutes=10 * (round_ + 1))
        batch = range(round_ * PAIRS, (round_ + 1) * PAIRS)
        moves = [(entering[i], room_key, Direction.IN, at) for i in batch] + [
            (leaving[i], venue_key, Direction.OUT, at) for i in batch]
        errors = all_at_once(moves, lambda _n, move: scan(
            pg_app, code=move[0], door_key=move[1], direction=move[2], staff_id=staff_id, at=move[3]))
        assert errors == [None] * len(moves), [e for e in errors if e]

    db.session.expire_all()
    venue, room_now = services.find_door(venue_key), services.find_door(room_key)
    # Everyone who entered the room is in it and in the venue; everyone who left is in neither.
    assert services.door_present(room_now) == len(entering)
    assert services.door_present(venue) == len(entering)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 2 * len(leaving) + len(entering)
