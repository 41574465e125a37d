"""A logged-in person's marks on the programme list, read now: the seats of each listed
session (full or not) and, for a delegate, booked, waiting and starred; a fixed number of
queries whatever the length of the list."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from esof.accounts.models import User
from esof.bookings.locks import is_confirmed_delegate
from esof.bookings.models import LIVE, Booking, Star
from esof.bookings.published import SeatCounts, seat_counts
from esof.extensions import db


@dataclass(frozen=True)
class ListMarks:
    can_act: bool  # a confirmed delegate: may star and book
    counts: dict[int, SeatCounts] = field(default_factory=dict)
    bookings: dict[int, Booking] = field(default_factory=dict)  # live bookings only
    starred: frozenset[int] = frozenset()


def list_marks(*, session_ids: Iterable[int], user: User | None) -> ListMarks:
    ids = list(dict.fromkeys(session_ids))
    if not ids or user is None or not getattr(user, "is_authenticated", False):
        return ListMarks(can_act=False)
    counts = seat_counts(ids)
    if not is_confirmed_delegate(user):
        return ListMarks(False, counts)
    bookings = db.session.scalars(
        sa.select(Booking).where(Booking.user_id == user.id, Booking.session_id.in_(ids), Booking.status.in_(LIVE)))
    starred = db.session.scalars(sa.select(Star.session_id).where(Star.user_id == user.id, Star.session_id.in_(ids)))
    return ListMarks(True, counts, {b.session_id: b for b in bookings}, frozenset(starred))
