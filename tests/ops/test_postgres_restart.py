"""PostgreSQL restarted under load (our own cluster, `pg_ctl restart -m fast`).

The app servers keep running: requests caught by the restart fail, the next ones work again
(the pool's checkout check replaces the dead connections), and every registration and booking that was
answered with success is in the database afterwards.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from esof.bookings.models import Booking, BookingStatus
from esof.extensions import db
from esof.registration.models import Attendance, Registration, RegistrationStatus
from tests.bookings.factories import bookable_session, confirmed_delegate, publish
from tests.conftest import make_app
from tests.factories import UserFactory
from tests.ops.load import next_address
from tests.ops.processes import WebUser, app_environment, fresh_database, gunicorn, migrate, postgres_cluster
from tests.registration.factories import CategoryFactory, form_data
from tests.support import DEMO_PASSWORD, csrf_token_from

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

REGISTRANTS = 24
BOOKERS = 16
SEATS = 8


@dataclass
class Journal:
    """What the app told each user, and every failure on the way."""

    registered: dict[str, str] = field(default_factory=dict)  # email -> Location of the 302
    booked: dict[str, str] = field(default_factory=dict)  # email -> status_after
    failures: list[tuple[float, str, int]] = field(default_factory=list)
    successes_at: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def failed(self, what: str, status: int) -> None:
        with self.lock:
            self.failures.append((time.monotonic(), what, status))

    def succeeded(self) -> None:
        with self.lock:
            self.successes_at.append(time.monotonic())


def attempt(journal: Journal, what: str, call, ok) -> requests.Response:
    """Like a person: try again after a failure, a few times."""
    for _ in range(20):
        try:
            response = call()
        except requests.RequestException:
            journal.failed(what, 0)
        else:
            if ok(response):
                journal.succeeded()
                return response
            journal.failed(what, response.status_code)
        time.sleep(0.3)
    raise AssertionError(f"{what}: no success after 20 attempts")


def register_one(base_url: str, email: str, journal: Journal) -> None:
    user = WebUser(base_url, address=next_address())
    attempt(journal, "log-in", lambda: user.log_in(email, DEMO_PASSWORD), lambda r: r.status_code == 302)

    def post() -> requests.Response:
        form = user.get("/registration/")
        if form.status_code != 200:  # a failure, or a 302: registered by an answer that got lost
            return form
        return user.http.post(base_url + "/registration/", data={"csrf_token": csrf_token_from(form.text),
                                                                 **form_data("regular")},
                              timeout=30, allow_redirects=False)

    # A retry after a success whose answer was lost is told "already registered" (302 too).
    answer = attempt(journal, "register", post, lambda r: r.status_code == 302)
    with journal.lock:
        journal.registered[email] = answer.headers["Location"]


def book_one(base_url: str, email: str, session_id: int, journal: Journal) -> None:
    user = WebUser(base_url, address=next_address())
    attempt(journal, "log-in", lambda: user.log_in(email, DEMO_PASSWORD), lambda r: r.status_code == 302)
    page = f"/programme/sessions/{session_id}"

    def post() -> requests.Response:
        shown = user.get(page)
        if shown.status_code != 200:
            return shown
        token = csrf_token_from(shown.text)
        return user.http.post(base_url + page + "/book", timeout=30, allow_redirects=False,
                              headers={"Accept": "application/json", "X-CSRFToken": token})

    answer = attempt(journal, "book", post, lambda r: r.status_code in (200, 409))
    if answer.status_code == 200:
        with journal.lock:
            journal.booked[email] = answer.json()["status_after"]


def test_postgres_restart_under_load_app_recovers_and_loses_no_confirmed_change(tmp_path: Path) -> None:
    with postgres_cluster() as cluster, fresh_database(cluster.admin_url, prefix="esof") as url:
        migrate(url)
        data = make_app(url)
        with data.app_context():
            CategoryFactory(code="regular", capacity=None, attendance=Attendance.ONLINE)
            registrants = [UserFactory().email for _ in range(REGISTRANTS)]
            workshop = bookable_session(capacity=SEATS, title="Workshop under fire")
            bookers = [confirmed_delegate().email for _ in range(BOOKERS)]
            db.session.commit()
            publish()
            workshop_id = workshop.id
            db.engine.dispose()  # the restart would break this pool too

        env = app_environment(url, DATABASE_CONNECT_TIMEOUT="2")
        with gunicorn(env, tmp_path / "gunicorn.log", workers=2) as server:
            master = server.process.pid
            journal = Journal()
            jobs = [(register_one, (server.url, e, journal)) for e in registrants] + \
                   [(book_one, (server.url, e, workshop_id, journal)) for e in bookers]
            jobs = jobs[::2] + jobs[1::2]  # registrations and bookings mixed
            with ThreadPoolExecutor(max_workers=4) as pool:
                futures = [pool.submit(fn, *args) for fn, args in jobs]
                while len(journal.successes_at) < 12:  # under way
                    time.sleep(0.05)
                restart_started = time.monotonic()
                cluster.restart()
                restart_done = time.monotonic()
                for future in futures:
                    future.result(timeout=180)

            assert server.process.poll() is None and server.process.pid == master  # never restarted
            assert requests.get(server.url + "/healthz", timeout=5).json() == {"status": "ok", "database": "ok"}
            log = server.log()

        # The restart was felt, then the app recovered by itself.
        assert journal.failures, "no request ran into the restart"
        assert any(t > restart_done for t in journal.successes_at)
        assert all(t < restart_done + 10 for t, _, _ in journal.failures), journal.failures

        with data.app_context():
            registrations = {r.user.email: r for r in db.session.scalars(sa.select(Registration))}
            bookings = {b.user.email: b for b in db.session.scalars(
                sa.select(Booking).where(Booking.session_id == workshop_id))}
            assert sorted(journal.registered) == sorted(registrants)
            for email, location in journal.registered.items():
                assert registrations[email].status == RegistrationStatus.CONFIRMED
                assert location.endswith(f"/registration/{registrations[email].id}") or \
                    location.endswith("/registration/")
            confirmed = [e for e, s in journal.booked.items() if s == "confirmed"]
            assert 0 < len(confirmed) <= SEATS  # (a retry after a lost answer hears "already booked")
            assert all(bookings[e].status == BookingStatus.CONFIRMED for e in confirmed)
            assert all(bookings[e].status == BookingStatus.WAITLISTED
                       for e, s in journal.booked.items() if s == "waitlisted")
            assert sum(b.status == BookingStatus.CONFIRMED for b in bookings.values()) == SEATS
            db.engine.dispose()
    print(f"restart took {restart_done - restart_started:.1f} s; {len(journal.failures)} failed requests;"
          f" log has {log.count(' 500 ')} answers 500")
