"""Capacity under load: 5×N simultaneous registrations end with exactly N confirmed."""
from __future__ import annotations

import multiprocessing
import threading

import pytest
import sqlalchemy as sa

from esof.accounts.models import User
from esof.extensions import db
from esof.registration import services
from esof.registration.models import ConferenceSettings, Registration, RegistrationCategory, RegistrationStatus
from tests.factories import UserFactory
from tests.registration.concurrent_worker import register_many
from tests.registration.factories import CategoryFactory, profile

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
            except Exception as exc:  # noqa: BLE001
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
    processes = [context.Process(target=register_many, args=(url, chunk, "regular", start, results)) for chunk in chunks]
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
            except Exception as exc:  # noqa: BLE001
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
