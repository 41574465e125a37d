"""Pure rules without a database: the fee for a date, whether a category takes sign-ups, and
whether a new capacity frees places.

The fee is decided on the server by the conference date (Europe/Amsterdam) of the moment of
registering, never by anything the browser sends.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo


def conference_date(moment: datetime, zone: str) -> date:
    """The calendar date in the conference zone; a naive moment is refused."""
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    return moment.astimezone(ZoneInfo(zone)).date()


def fee_on(
    *, fee_cents: int, early_fee_cents: int | None, early_deadline: date | None, today: date
) -> int:
    """The early-bird fee up to and including its deadline day, the regular fee after."""
    if early_fee_cents is not None and early_deadline is not None and today <= early_deadline:
        return early_fee_cents
    return fee_cents


def is_early_bird(*, early_fee_cents: int | None, early_deadline: date | None, today: date) -> bool:
    return early_fee_cents is not None and early_deadline is not None and today <= early_deadline


class Availability(enum.StrEnum):
    OPEN = "open"
    NOT_YET_OPEN = "not-yet-open"
    CLOSED = "closed"
    FULL = "full"  # open, but new registrations join the waiting list


@dataclass(frozen=True)
class CategoryState:
    opens_at: datetime | None
    closes_at: datetime | None
    capacity: int | None
    places_taken: int
    onsite: bool
    onsite_cap: int | None
    onsite_taken: int
    waiting: int = 0


def availability(state: CategoryState, now: datetime) -> Availability:
    """What a delegate sees for a category at `now` (an aware instant)."""
    if state.opens_at is not None and now < state.opens_at:
        return Availability.NOT_YET_OPEN
    if state.closes_at is not None and now >= state.closes_at:
        return Availability.CLOSED
    if state.waiting > 0:
        return Availability.FULL
    if state.capacity is not None and state.places_taken >= state.capacity:
        return Availability.FULL
    if state.onsite and state.onsite_cap is not None and state.onsite_taken >= state.onsite_cap:
        return Availability.FULL
    return Availability.OPEN


def more_room(before: int | None, after: int | None) -> bool:
    """Whether a capacity change from `before` to `after` frees places (None: no limit)."""
    return after is None and before is not None or (before is not None and after is not None and after > before)


def format_euro(cents: int) -> str:
    """'€ 1.234,50'-free and locale-neutral: the pages use Babel; this is for CSV and logs."""
    return f"{cents // 100}.{cents % 100:02d}"
