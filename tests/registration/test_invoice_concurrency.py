"""Invoice numbers under concurrency on PostgreSQL: 40 threads here and 2 processes of 10 threads
approve different registrations at the same moment, each approval issuing the registration's
invoice, starting from a database without a counter row; some requests fail after taking their
number. The committed invoices are numbered 1..N without a gap or a twin, and N is the number of
requests that succeeded."""
from __future__ import annotations

import multiprocessing
import threading
import time
from typing import Any

import pytest
import sqlalchemy as sa

from esof.accounts.models import Role
from esof.extensions import db
from esof.registration.billing_models import BillingCounter, BillingDocument, DocumentKind
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory, register

THREADS = 40
ORGANISER = "org@example.org"
PROCESS_THREADS = 10
LOCK_WAIT = {"DATABASE_LOCK_TIMEOUT_MS": 30000}


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {**LOCK_WAIT, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": THREADS, "max_overflow": 0}}


def fails(registration_id: int) -> bool:
    """Every seventh request breaks after its invoice was written (the PDF could not be drawn)."""
    return registration_id % 7 == 0


def issue(app: Any, registration_id: int, start_at: float) -> str:
    from esof.accounts.models import User
    from esof.registration.invoicing import invoice_for
    from esof.registration.models import Registration
    from esof.registration.moderation import approve_registration

    with app.app_context():
        organiser = db.session.scalars(sa.select(User).where(User.email == ORGANISER)).one()
        registration = db.session.get_one(Registration, registration_id)
        time.sleep(max(0.0, start_at - time.time()))
        try:
            approve_registration(registration=registration, actor=organiser)  # issues the invoice
            invoice = invoice_for(registration)
            if fails(registration_id):
                raise RuntimeError("drawing the PDF failed")
            db.session.commit()
            return f"issued {invoice.number}"
        except Exception as exc:
            db.session.rollback()
            return f"error: {exc}"
        finally:
            db.session.remove()


def issue_in_process(database_url: str, registration_ids: list[int], start_at: float, results: Any) -> None:
    from tests.conftest import make_app

    app = make_app(database_url, **LOCK_WAIT,
                   SQLALCHEMY_ENGINE_OPTIONS={"pool_size": len(registration_ids), "max_overflow": 0})
    outcomes: list[str] = []
    threads = [threading.Thread(target=lambda rid=rid: outcomes.append(issue(app, rid, start_at)))
               for rid in registration_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        db.engine.dispose()
    results.put(outcomes)


@pytest.mark.slow
@pytest.mark.postgres
def test_invoice_numbers_have_no_gap_and_no_twin_under_concurrency(pg_app) -> None:
    category = CategoryFactory(fee_cents=45000, moderated=True)  # awaiting approval: no invoice yet
    UserFactory(email=ORGANISER, roles=[Role.ORGANISER])
    ids = [register(UserFactory(), category).id for _ in range(THREADS + 2 * PROCESS_THREADS)]
    db.session.commit()
    assert db.session.get(BillingCounter, DocumentKind.INVOICE) is None  # the first number races too
    mine, others = ids[:THREADS], ids[THREADS:]
    url = db.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start_at = time.time() + 6  # the spawned processes import the app first
    processes = [
        context.Process(target=issue_in_process, args=(url, others[i::2], start_at, results)) for i in range(2)
    ]
    for process in processes:
        process.start()
    outcomes: list[str] = []
    threads = [threading.Thread(target=lambda rid=rid: outcomes.append(issue(pg_app, rid, start_at))) for rid in mine]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for _ in processes:
        outcomes.extend(results.get(timeout=120))
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    failed = [rid for rid in ids if fails(rid)]
    assert sorted(o for o in outcomes if o.startswith("error")) == ["error: drawing the PDF failed"] * len(failed)
    db.session.expire_all()
    invoices = db.session.execute(
        sa.select(BillingDocument.number, BillingDocument.registration_id).where(
            BillingDocument.kind == DocumentKind.INVOICE)
    ).all()
    expected = len(ids) - len(failed)
    assert sorted(number for number, _ in invoices) == list(range(1, expected + 1))
    assert sorted(rid for _, rid in invoices) == sorted(set(ids) - set(failed))
    assert db.session.get(BillingCounter, DocumentKind.INVOICE).last_number == expected
