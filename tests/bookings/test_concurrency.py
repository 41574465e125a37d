"""Atomic capacity under real concurrency: 200 threads on SQLite, 4 processes × 50 on
PostgreSQL, all booking one 40-seat session at once. Exactly 40 seats go, everybody else
waits with positions 1..160, and nobody sees an error. And with seat holders cancelling in
the middle of a rush, every freed seat is taken and nobody waits while a seat is free."""
from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

import sqlalchemy as sa

from esof.bookings.models import Booking, BookingStatus, SessionSeats
from esof.extensions import db
from tests.bookings.factories import bookable_session, confirmed_delegate, publish
from tests.bookings.workers import book_in_process, run_threads

ATTEMPTS = 200
SEATS = 40


def prepare() -> tuple[int, list[int]]:
    item = bookable_session(capacity=SEATS)
    publish()
    user_ids = [confirmed_delegate().id for _ in range(ATTEMPTS)]
    db.session.commit()
    return item.id, user_ids


def assert_never_overbooked(session_id: int, outcomes: list[str]) -> None:
    assert Counter(outcomes) == {"confirmed": SEATS, "waitlisted": ATTEMPTS - SEATS}, Counter(outcomes)
    db.session.expire_all()
    statuses = Counter(db.session.scalars(sa.select(Booking.status).where(Booking.session_id == session_id)))
    assert statuses == {BookingStatus.CONFIRMED: SEATS, BookingStatus.WAITLISTED: ATTEMPTS - SEATS}
    positions = db.session.scalars(
        sa.select(Booking.position)
        .where(Booking.session_id == session_id, Booking.status == BookingStatus.WAITLISTED)
        .order_by(Booking.position)
    ).all()
    assert positions == list(range(1, ATTEMPTS - SEATS + 1))  # no gaps, no repeats
    seats = db.session.get(SessionSeats, session_id)
    assert (seats.confirmed_count, seats.waitlist_count) == (SEATS, ATTEMPTS - SEATS)
    # The delegates who got seats are distinct, and nobody holds two live bookings.
    holders = db.session.scalars(sa.select(Booking.user_id).where(Booking.session_id == session_id)).all()
    assert len(set(holders)) == ATTEMPTS


def test_200_threads_on_sqlite_book_exactly_40_seats(app) -> None:
    session_id, user_ids = prepare()
    started = time.perf_counter()
    outcomes = run_threads(app, session_id, user_ids)
    elapsed = time.perf_counter() - started
    assert_never_overbooked(session_id, outcomes)
    assert elapsed < 60


def test_4_processes_of_50_on_postgresql_book_exactly_40_seats(pg_app) -> None:
    session_id, user_ids = prepare()
    url = db.engine.url.render_as_string(hide_password=False)
    chunks = [user_ids[n::4] for n in range(4)]
    start_at = time.time() + 6  # every process has its app and connections by then
    with ProcessPoolExecutor(max_workers=4, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(book_in_process, url, session_id, chunk, start_at) for chunk in chunks]
        outcomes = [outcome for future in futures for outcome in future.result(timeout=180)]
    assert_never_overbooked(session_id, outcomes)


def test_cancellations_during_a_rush_on_postgresql_leave_no_seat_empty_while_people_wait(pg_app) -> None:
    from esof.bookings import services

    item = bookable_session(capacity=SEATS)
    publish()
    holders = [confirmed_delegate() for _ in range(SEATS)]
    for holder in holders:
        services.book_seat(item=item, delegate=holder)
    newcomers = [confirmed_delegate().id for _ in range(100)]
    db.session.commit()
    leaving = frozenset(h.id for h in holders[:20])
    everyone = newcomers + sorted(leaving)
    url = db.engine.url.render_as_string(hide_password=False)
    start_at = time.time() + 6
    with ProcessPoolExecutor(max_workers=4, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(book_in_process, url, item.id, everyone[n::4], start_at, leaving) for n in range(4)]
        outcomes = Counter(outcome for future in futures for outcome in future.result(timeout=180))
    assert outcomes["cancelled"] == 20 and outcomes["confirmed"] + outcomes["waitlisted"] == 100, outcomes
    db.session.expire_all()
    statuses = Counter(db.session.scalars(sa.select(Booking.status).where(Booking.session_id == item.id)))
    # 20 seats came free: each went to someone (a promotion or a newcomer), none stayed empty.
    assert statuses[BookingStatus.CONFIRMED] == SEATS
    assert statuses[BookingStatus.WAITLISTED] == 100 - 20
    positions = db.session.scalars(
        sa.select(Booking.position)
        .where(Booking.session_id == item.id, Booking.status == BookingStatus.WAITLISTED)
        .order_by(Booking.position)
    ).all()
    assert positions == list(range(1, 81))
    seats = db.session.get(SessionSeats, item.id)
    assert (seats.confirmed_count, seats.waitlist_count) == (SEATS, 80)
