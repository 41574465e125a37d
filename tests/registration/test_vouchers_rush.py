"""A voucher rush on PostgreSQL: 200 delegates in 4 processes (50 threads each) register at
the same moment with one 10-use code; exactly 10 registrations get it, the others are told
it is used up, and the voucher's count is 10."""
from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa

from esof.extensions import db
from esof.registration import vouchers
from esof.registration.models import DiscountKind, Registration, Voucher
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory

DELEGATES, PROCESSES, USES = 200, 4, 10


def rush(database_url: str, user_ids: list[int], code: str, start: Any, results: Any) -> None:
    """One process: a thread per delegate, all released together; each reports its outcome."""
    from esof.accounts.models import User
    from esof.registration import services
    from esof.registration.errors import VoucherUsedUp
    from tests.conftest import make_app
    from tests.registration.factories import profile

    # Fewer connections than threads (the server allows 100 for every test run at once): the
    # threads still race for the voucher row, queueing for a connection as requests would.
    app = make_app(database_url, DATABASE_LOCK_TIMEOUT_MS=60000,
                   SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 8, "max_overflow": 0, "pool_timeout": 120})
    barrier = threading.Barrier(len(user_ids))

    def one(user_id: int) -> None:
        with app.app_context():
            barrier.wait()
            start.wait()
            try:
                services.register_delegate(
                    user=db.session.get(User, user_id), category_code="regular", profile=profile(), consent=True,
                    voucher_code=code,
                )
                db.session.commit()
                results.put("registered")
            except VoucherUsedUp:
                db.session.rollback()
                results.put("used-up")
            except Exception as exc:  # reported to the test, which fails on it
                db.session.rollback()
                results.put(f"error: {exc!r}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one, args=(uid,)) for uid in user_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        db.engine.dispose()


@pytest.mark.slow
@pytest.mark.postgres
def test_two_hundred_delegates_on_a_ten_use_code_make_exactly_ten(pg_app) -> None:
    CategoryFactory(code="regular", fee_cents=45000)
    [voucher] = vouchers.create_vouchers(
        actor=UserFactory(), spec=vouchers.VoucherSpec(kind=DiscountKind.PERCENT, value=100, max_uses=USES),
        code="RUSH",
    )
    user_ids = [UserFactory().id for _ in range(DELEGATES)]
    db.session.commit()
    url = db.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    processes = [
        context.Process(target=rush, args=(url, user_ids[i::PROCESSES], "RUSH", start, results))
        for i in range(PROCESSES)
    ]
    for p in processes:
        p.start()
    start.set()
    outcomes = Counter(results.get(timeout=300) for _ in user_ids)
    for p in processes:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert outcomes == {"registered": USES, "used-up": DELEGATES - USES}
    db.session.expire_all()
    assert db.session.get(Voucher, voucher.id).used_count == USES
    with_voucher = db.session.scalars(sa.select(Registration).where(Registration.voucher_id == voucher.id)).all()
    assert len(with_voucher) == USES
    assert {(r.amount_due_cents, r.discount_cents) for r in with_voucher} == {(0, 45000)}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == USES


@pytest.mark.slow
@pytest.mark.postgres
def test_beyond_capacity_voucher_rush_fills_a_full_category_only_up_to_the_onsite_cap(pg_app) -> None:
    """30 threads with a place-reserving code in a full category, 5 onsite places left: 5 get
    a place (beyond the category's capacity), 25 wait; the onsite cap is never passed."""
    from esof.accounts.models import User
    from esof.registration import services
    from esof.registration.models import ConferenceSettings, RegistrationCategory, RegistrationStatus
    from tests.registration.factories import profile

    full = CategoryFactory(code="full", capacity=0)
    services.conference_settings()
    db.session.get(ConferenceSettings, 1).onsite_cap = 5
    vouchers.create_vouchers(
        actor=UserFactory(), code="VIP",
        spec=vouchers.VoucherSpec(kind=DiscountKind.PERCENT, value=100, max_uses=100, beyond_capacity=True),
    )
    user_ids = [UserFactory().id for _ in range(30)]
    db.session.commit()
    barrier = threading.Barrier(len(user_ids))
    errors: list[str] = []

    def one(user_id: int) -> None:
        with pg_app.app_context():
            barrier.wait()
            try:
                services.register_delegate(user=db.session.get(User, user_id), category_code="full",
                                           profile=profile(), consent=True, voucher_code="VIP")
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
    db.session.expire_all()
    statuses = Counter(db.session.scalars(sa.select(Registration.status)).all())
    assert statuses == {RegistrationStatus.CONFIRMED: 5, RegistrationStatus.WAITLISTED: 25}
    assert db.session.get(ConferenceSettings, 1).onsite_confirmed == 5
    assert db.session.get(RegistrationCategory, full.id).confirmed_count == 5
    assert db.session.scalar(sa.select(Voucher.used_count).where(Voucher.code == "VIP")) == 30


@pytest.mark.postgres
@pytest.mark.parametrize("app_config", [{"DATABASE_LOCK_TIMEOUT_MS": 300}])
def test_a_voucher_row_held_elsewhere_answers_503_and_saves_nothing(pg_app, app_config) -> None:
    from tests.registration.factories import form_data
    from tests.support import log_in, submit_form

    CategoryFactory(code="regular")
    [voucher] = vouchers.create_vouchers(
        actor=UserFactory(), spec=vouchers.VoucherSpec(kind=DiscountKind.PERCENT, value=50, max_uses=5), code="HELD",
    )
    UserFactory(email="ada@example.org")
    db.session.commit()
    client = pg_app.test_client()
    log_in(client, "ada@example.org")
    other = db.engine.connect()  # an organiser's change of the voucher, not yet committed
    other.execute(sa.select(Voucher.id).where(Voucher.id == voucher.id).with_for_update())
    try:
        response = submit_form(client, "/registration/", form_data("regular", voucher="HELD"))
    finally:
        other.rollback()
        other.close()
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert "Nothing was saved" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
    assert db.session.get(Voucher, voucher.id).used_count == 0
