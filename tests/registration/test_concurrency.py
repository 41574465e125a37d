"""Capacity under load: 5×N simultaneous registrations end with exactly N confirmed; a mix
of registrations, cancellations and promotions on PostgreSQL ends without deadlock, within
every cap and with each waiting list served in order."""
from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

import pytest
import sqlalchemy as sa

from esof.accounts.models import Role, User
from esof.extensions import db
from esof.registration import services
from esof.registration.models import (
    Attendance,
    ConferenceSettings,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
)
from tests.factories import UserFactory
from tests.registration.concurrent_worker import changes_in_process, register_many
from tests.registration.factories import CategoryFactory, profile, register

CAPACITY = 8


def assert_exactly_capacity_confirmed_rest_in_order(category_id: int, total: int) -> None:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Registration).where(Registration.category_id == category_id)).all()
    confirmed = [r for r in rows if r.status == RegistrationStatus.CONFIRMED]
    waiting = sorted((r for r in rows if r.status == RegistrationStatus.WAITLISTED), key=lambda r: r.waitlist_position)
    assert len(rows) == total
    assert len(confirmed) == CAPACITY
    assert len(waiting) == total - CAPACITY
    assert [r.waitlist_position for r in waiting] == list(range(1, total - CAPACITY + 1))  # no gaps, no twins
    assert [services.waitlist_rank(r) for r in waiting] == list(range(1, total - CAPACITY + 1))
    assert db.session.get(RegistrationCategory, category_id).confirmed_count == CAPACITY
    assert db.session.get(ConferenceSettings, 1).onsite_confirmed == CAPACITY


@pytest.mark.slow
def test_simultaneous_registrations_threads_sqlite(app) -> None:
    category = CategoryFactory(code="regular", capacity=CAPACITY)
    user_ids = [UserFactory().id for _ in range(5 * CAPACITY)]
    db.session.commit()
    barrier = threading.Barrier(len(user_ids))
    errors: list[str] = []

    def one(user_id: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                services.register_delegate(
                    user=db.session.get(User, user_id), category_code="regular", profile=profile(), consent=True
                )
                db.session.commit()
            except Exception as exc:
                db.session.rollback()
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one, args=(uid,)) for uid in user_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert_exactly_capacity_confirmed_rest_in_order(category.id, len(user_ids))


@pytest.mark.slow
@pytest.mark.postgres
def test_simultaneous_registrations_processes_postgresql(pg_app) -> None:
    category = CategoryFactory(code="regular", capacity=CAPACITY)
    user_ids = [UserFactory().id for _ in range(5 * CAPACITY)]
    db.session.commit()
    url = db.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    chunks = [user_ids[i::4] for i in range(4)]  # 4 processes × 10 threads
    processes = [
        context.Process(target=register_many, args=(url, chunk, "regular", start, results)) for chunk in chunks
    ]
    for p in processes:
        p.start()
    start.set()
    outcomes = []
    for _ in user_ids:
        outcomes.append(results.get(timeout=120))
    for p in processes:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert [error for _, _, error in outcomes if error] == []
    assert_exactly_capacity_confirmed_rest_in_order(category.id, len(user_ids))


@pytest.mark.slow
def test_simultaneous_cancellations_promote_each_waiting_person_once(any_app) -> None:
    category = CategoryFactory(code="regular", capacity=CAPACITY)
    users = [UserFactory() for _ in range(2 * CAPACITY)]
    for user in users:
        services.register_delegate(user=user, category_code="regular", profile=profile(), consent=True)
    db.session.commit()
    confirmed_ids = db.session.scalars(
        sa.select(Registration.id).where(Registration.status == RegistrationStatus.CONFIRMED)
    ).all()
    barrier = threading.Barrier(len(confirmed_ids))
    errors: list[str] = []

    def cancel(registration_id: int) -> None:
        with any_app.app_context():
            barrier.wait()
            try:
                registration = db.session.get(Registration, registration_id)
                services.cancel_registration(registration=registration, actor=None)
                db.session.commit()
            except Exception as exc:
                db.session.rollback()
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=cancel, args=(rid,)) for rid in confirmed_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.session.expire_all()
    counts = dict(db.session.execute(
        sa.select(Registration.status, sa.func.count()).group_by(Registration.status)
    ).all())
    assert counts == {RegistrationStatus.CANCELLED: CAPACITY, RegistrationStatus.CONFIRMED: CAPACITY}
    assert db.session.get(RegistrationCategory, category.id).confirmed_count == CAPACITY


def assert_within_caps_and_queues_served_in_order(category_ids: list[int]) -> None:
    db.session.expire_all()
    settings = db.session.get(ConferenceSettings, services.SETTINGS_ID)
    rows = db.session.scalars(sa.select(Registration)).all()
    onsite_holding = [r for r in rows if r.holds_place and r.attendance == Attendance.ONSITE]
    assert settings.onsite_confirmed == len(onsite_holding)
    assert settings.onsite_confirmed <= settings.onsite_cap
    for category_id in category_ids:
        category = db.session.get(RegistrationCategory, category_id)
        holding = [r for r in rows if r.category_id == category_id and r.holds_place]
        waiting = sorted(
            (r for r in rows if r.category_id == category_id and r.status == RegistrationStatus.WAITLISTED),
            key=lambda r: r.waitlist_position,
        )
        assert category.confirmed_count == len(holding), category.code
        assert len(holding) <= category.capacity, category.code
        # Served in order: everyone who came off this waiting list was ahead of everyone still on it.
        promoted = [r.waitlist_position for r in holding if r.waitlist_position is not None]
        if waiting and promoted:
            assert max(promoted) < waiting[0].waitlist_position, category.code
        assert [services.waitlist_rank(r) for r in waiting] == list(range(1, len(waiting) + 1))
        # Nobody waits while a place they could take is free.
        if waiting:
            assert len(holding) == category.capacity or (
                category.attendance == Attendance.ONSITE and settings.onsite_confirmed == settings.onsite_cap
            ), category.code


@pytest.mark.slow
@pytest.mark.postgres
def test_registrations_cancellations_and_promotions_at_once_on_postgresql_never_deadlock(pg_app) -> None:
    """Three onsite categories under one onsite cap and an online one, each full with a
    waiting list; then at once, from 4 processes: cancellations that promote across
    categories, people leaving the waiting lists, newcomers, promotion runs and organisers
    raising the onsite cap and a category's capacity."""
    organiser = UserFactory(roles=[Role.ORGANISER])
    services.set_onsite_cap(cap=15, actor=organiser)
    categories = [CategoryFactory(code=f"onsite-{n}", capacity=6) for n in range(3)]
    categories.append(CategoryFactory(code="online", capacity=6, attendance=Attendance.ONLINE))
    for _ in range(10):  # interleaved, so waiting-list numbers alternate between categories
        for category in categories:
            register(UserFactory(), category)
    db.session.commit()
    work: list[tuple] = []
    for category in categories:
        mine = db.session.scalars(
            sa.select(Registration).where(Registration.category_id == category.id).order_by(Registration.id)
        ).all()
        confirmed = [r for r in mine if r.status == RegistrationStatus.CONFIRMED]
        waiting = [r for r in mine if r.status == RegistrationStatus.WAITLISTED]
        assert len(confirmed) == (6 if category.attendance == Attendance.ONLINE else 5) and waiting
        work += [("cancel", confirmed[0].id), ("cancel", confirmed[-1].id), ("cancel", waiting[1].id)]
        work += [("register", UserFactory().id, category.code) for _ in range(5)]
    work += [("promote",)] * 3 + [("onsite-cap", 17), ("capacity", categories[1].id, 8)]
    db.session.commit()
    url = db.engine.url.render_as_string(hide_password=False)
    start_at = time.time() + 6  # every process has its app and connections by then
    with ProcessPoolExecutor(max_workers=4, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(changes_in_process, url, work[n::4], organiser.id, start_at) for n in range(4)]
        outcomes = [outcome for future in futures for outcome in future.result(timeout=180)]
    assert [o for o in outcomes if o.startswith("error")] == []
    assert Counter(o for o in outcomes if o in ("confirmed", "waitlisted")).total() == 20
    assert sum(o.startswith("cancelled") for o in outcomes) == 12
    assert_within_caps_and_queues_served_in_order([c.id for c in categories])


@pytest.mark.postgres
def test_organisers_marking_one_registration_paid_at_once_send_one_mail_and_record_one_change(pg_app) -> None:
    from esof.accounts.models import AuditLog
    from esof.mail.models import OutboxMessage
    from esof.registration.models import PaymentStatus

    registration = register(UserFactory(), CategoryFactory(code="regular", fee_cents=45000))
    registration_id, email = registration.id, registration.user.email
    organiser_ids = [UserFactory(roles=[Role.ORGANISER]).id for _ in range(4)]
    db.session.commit()
    barrier = threading.Barrier(len(organiser_ids))
    errors: list[str] = []

    def mark_paid(organiser_id: int) -> None:
        with pg_app.app_context():
            try:
                mine = db.session.get(Registration, registration_id)
                assert mine.payment_status == PaymentStatus.PENDING  # what each organiser's page showed
                barrier.wait()
                services.set_payment_status(
                    registration=mine, status=PaymentStatus.PAID, actor=db.session.get(User, organiser_id)
                )
                db.session.commit()
            except Exception as exc:
                db.session.rollback()
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=mark_paid, args=(oid,)) for oid in organiser_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.session.expire_all()
    paid = db.session.get(Registration, registration_id)
    assert paid.payment_status == PaymentStatus.PAID and paid.paid_at is not None
    subjects = db.session.scalars(sa.select(OutboxMessage.subject).where(OutboxMessage.to_address == email)).all()
    assert subjects.count("We received your payment for ESOF 2022") == 1
    changes = db.session.scalars(sa.select(AuditLog.detail).where(AuditLog.action == "registration-payment")).all()
    assert changes == [{"previous": "pending", "status": "paid"}]
