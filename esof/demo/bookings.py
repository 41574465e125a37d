"""Demo seats and stars: bookings in the sessions of version 1 that need them (a few sessions
full, with a waiting list), some cancelled bookings, and stars on published sessions.

The rules are the real ones, kept while the rows are made in memory and inserted in bulk:
confirmed bookings never exceed a session's seats (its room's capacity or its lower seat
limit), one live booking per delegate and session, only confirmed onsite delegates book,
nobody holds two live bookings at overlapping times, and the waiting positions of a session
are 1..k without gaps. Each session's counter row (session_seats) says what its rows say.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from esof.bookings.models import Booking, BookingStatus, SessionSeats, Star
from esof.demo.context import DemoContext, insert_plain
from esof.demo.programme import DemoSession
from esof.demo.registrations import DemoDelegates
from esof.extensions import db
from esof.programme.models import ProgrammeSession

# Version 1 went out on 1 June 2022 (the builder dates it so); seats could be booked from then.
BOOKING_OPENS = date(2022, 6, 1)
BOOKING_CLOSES = date(2022, 7, 12)
MOST_BOOKINGS = 4  # per delegate
FULL_SHARE = 0.2  # of the bookable sessions, at least two


@dataclass
class DemoBookings:
    """What later parts need: who holds a confirmed seat where, and which sessions are full."""

    confirmed: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))  # session id -> user ids
    full: list[int] = field(default_factory=list)  # session ids, full with a waiting list


def build_bookings(ctx: DemoContext, sessions: list[DemoSession], delegates: DemoDelegates) -> DemoBookings:
    rng = ctx.rng
    result = DemoBookings()
    # Delegate 1 keeps an empty agenda: the account to try booking with (README).
    reserved = delegates.user_ids[0] if delegates.user_ids else None
    people = [uid for uid, _rid, _unpaid in delegates.onsite if uid != reserved]
    bookable = [s for s in sessions if s.needs_booking and s.room is not None and not s.cancelled]
    if not people or not bookable:
        return result
    order = list(bookable)
    rng.shuffle(order)
    full_count = min(len(order), max(2, round(len(order) * FULL_SHARE)))
    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    held: Counter[int] = Counter()
    opens, closes = ctx.local(BOOKING_OPENS, time(10, 0)), ctx.local(BOOKING_CLOSES, time(22, 0))
    rows: list[dict[str, Any]] = []
    counters: list[dict[str, Any]] = []
    lowered: dict[int, int] = {}

    def free_at(uid: int, item: DemoSession) -> bool:
        assert item.starts_at is not None and item.ends_at is not None
        return held[uid] < MOST_BOOKINGS and all(
            not (item.starts_at < end and start < item.ends_at) for start, end in busy[uid])

    for rank, item in enumerate(order):
        assert item.starts_at is not None and item.ends_at is not None
        full = rank < full_count
        seats = item.seats
        wanted_queue = rng.randint(2, 9) if full else 0
        wanted = seats + wanted_queue + 1 if full else max(1, round(seats * rng.uniform(0.35, 0.97)))
        candidates = rng.sample(people, len(people))
        chosen: list[int] = []
        for uid in candidates:
            if free_at(uid, item):
                chosen.append(uid)
                if len(chosen) >= wanted + 2:  # two more, who booked and cancelled
                    break
        if full:
            # Too few delegates for the room (a small demo): a hands-on session with fewer seats.
            if len(chosen) < seats + 3:
                seats = max(1, len(chosen) - 3)
                lowered[item.id] = seats
                item.booking_cap = seats
            queue = min(wanted_queue, len(chosen) - seats - 1)  # after the one promoted
            if queue < 1:
                full = False
        if not full:
            seats_taken = min(len(chosen), wanted, max(seats - 1, 0))
            chosen = chosen[: seats_taken + (1 if len(chosen) > seats_taken else 0)]
            rows += _open_session_rows(ctx, item, chosen[:seats_taken], chosen[seats_taken:], opens, closes)
            confirmed = chosen[:seats_taken]
            counters.append({"session_id": item.id, "confirmed_count": len(confirmed), "waitlist_count": 0,
                             "waitlist_seq": 0})
        else:
            confirmed, waiting, session_rows = _full_session_rows(ctx, item, chosen, seats, queue, opens, closes)
            rows += session_rows
            counters.append({"session_id": item.id, "confirmed_count": len(confirmed), "waitlist_count": len(waiting),
                             "waitlist_seq": len(waiting) + 1})
            result.full.append(item.id)
            for uid in waiting:
                busy[uid].append((item.starts_at, item.ends_at))
                held[uid] += 1
        for uid in confirmed:
            busy[uid].append((item.starts_at, item.ends_at))
            held[uid] += 1
        result.confirmed[item.id] = confirmed
    rows.sort(key=lambda r: (r["created_at"], r["session_id"], r["user_id"]))
    insert_plain(Booking, rows)
    for session_id, cap in sorted(lowered.items()):  # set before booking opened (updated_at given, not the clock)
        db.session.execute(sa.update(ProgrammeSession).where(ProgrammeSession.id == session_id)
                           .values(booking_cap=cap, updated_at=opens - timedelta(days=1)))
    if counters:  # ORM bulk UPDATE by primary key: one executemany
        db.session.execute(sa.update(SessionSeats), counters)
    statuses = Counter(r["status"] for r in rows)
    ctx.count("bookings (confirmed)", statuses[BookingStatus.CONFIRMED])
    ctx.count("bookings (waiting list)", statuses[BookingStatus.WAITLISTED])
    ctx.count("bookings (cancelled)", statuses[BookingStatus.CANCELLED])
    ctx.count("sessions with bookings", sum(1 for c in counters if c["confirmed_count"]))
    ctx.count("full sessions with a waiting list", len(result.full))
    return result


def _moments(ctx: DemoContext, k: int, opens: datetime, closes: datetime) -> list[datetime]:
    span = int((closes - opens).total_seconds())
    return sorted(datetime.fromtimestamp(opens.timestamp() + ctx.rng.randrange(span), tz=opens.tzinfo)
                  for _ in range(k))


def _row(item: DemoSession, uid: int, status: BookingStatus, created: datetime, *, position: int | None = None,
         confirmed_at: datetime | None = None, updated: datetime | None = None) -> dict[str, Any]:
    return {"user_id": uid, "session_id": item.id, "status": status, "position": position,
            "confirmed_at": confirmed_at, "created_at": created, "updated_at": updated or confirmed_at or created}


def _cancelled(ctx: DemoContext, item: DemoSession, uid: int, created: datetime, closes: datetime) -> dict[str, Any]:
    gone = datetime.fromtimestamp(created.timestamp() + ctx.rng.uniform(0.1, 0.9) * (closes - created).total_seconds(),
                                  tz=created.tzinfo)
    return _row(item, uid, BookingStatus.CANCELLED, created, confirmed_at=created, updated=gone)


def _open_session_rows(ctx: DemoContext, item: DemoSession, confirmed: list[int], cancelled: list[int],
                       opens: datetime, closes: datetime) -> list[dict[str, Any]]:
    """A session with seats left: confirmed bookings, and one that was cancelled (a third of them)."""
    times = _moments(ctx, len(confirmed), opens, closes)
    rows = [_row(item, uid, BookingStatus.CONFIRMED, when, confirmed_at=when)
            for uid, when in zip(confirmed, times, strict=True)]
    if cancelled and ctx.rng.random() < 0.35:
        rows.append(_cancelled(ctx, item, cancelled[0], _moments(ctx, 1, opens, closes)[0], closes))
    return rows


def _full_session_rows(ctx: DemoContext, item: DemoSession, chosen: list[int], seats: int, queue: int,
                       opens: datetime, closes: datetime) -> tuple[list[int], list[int], list[dict[str, Any]]]:
    """A full session: every seat taken, one of the first bookers cancelled and the first in
    line was promoted into that seat, and `queue` people waiting, in the order they came."""
    people = chosen[: seats + 1 + queue]
    times = _moments(ctx, len(people), opens, closes)
    gone_index = ctx.rng.randrange(seats)
    promoted_at = datetime.fromtimestamp(
        times[seats].timestamp() + ctx.rng.uniform(0.1, 0.9) * (times[min(seats + 1, len(times) - 1)] - times[seats])
        .total_seconds(), tz=times[seats].tzinfo)
    rows: list[dict[str, Any]] = []
    confirmed: list[int] = []
    for index in range(seats + 1):
        uid, when = people[index], times[index]
        if index == gone_index:
            rows.append(_row(item, uid, BookingStatus.CANCELLED, when, confirmed_at=when, updated=promoted_at))
        elif index == seats:  # joined the waiting list as number 1, got the cancelled seat
            rows.append(_row(item, uid, BookingStatus.CONFIRMED, when, confirmed_at=promoted_at))
            confirmed.append(uid)
        else:
            rows.append(_row(item, uid, BookingStatus.CONFIRMED, when, confirmed_at=when))
            confirmed.append(uid)
    waiting = people[seats + 1:]
    for position, (uid, when) in enumerate(zip(waiting, times[seats + 1:], strict=True), start=1):
        rows.append(_row(item, uid, BookingStatus.WAITLISTED, when, position=position))
    return confirmed, waiting, rows


def build_stars(ctx: DemoContext, sessions: list[DemoSession], delegates: DemoDelegates) -> None:
    """Stars on published sessions: four in ten confirmed delegates starred one to six."""
    rng = ctx.rng
    reserved = delegates.user_ids[0] if delegates.user_ids else None
    published = [s.id for s in sessions if s.room is not None and not s.cancelled]
    if not published:
        return
    opens, closes = ctx.local(BOOKING_OPENS, time(10, 0)), ctx.local(BOOKING_CLOSES, time(22, 0))
    rows = []
    for uid in delegates.confirmed_user_ids:
        if uid == reserved or rng.random() >= 0.4:
            continue
        chosen = rng.sample(published, min(len(published), rng.randint(1, 6)))
        for sid, when in zip(sorted(chosen), _moments(ctx, len(chosen), opens, closes), strict=True):
            rows.append({"user_id": uid, "session_id": sid, "created_at": when})
    insert_plain(Star, rows)
    ctx.count("stars", len(rows))
