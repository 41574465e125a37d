"""Two app servers (gunicorn, wsgi:app) on one PostgreSQL database and one Redis, driven at once.

No workshop is overbooked and no registration category overfilled, whichever server a
request lands on; there is one waiting list per session in one order; a schedule published
through one server is in the other's feed within a second (FEED_STAMP_MEMO_SECONDS).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from esof.accounts.models import Role
from esof.bookings.models import Booking, BookingStatus
from esof.extensions import db
from esof.registration.models import Attendance, Registration, RegistrationCategory, RegistrationStatus
from tests.bookings.factories import bookable_session, confirmed_delegate, publish
from tests.conftest import make_app
from tests.factories import UserFactory
from tests.ops.load import next_address
from tests.ops.processes import RedisServer, WebUser, app_environment, gunicorn
from tests.registration.factories import CategoryFactory, form_data
from tests.support import DEMO_PASSWORD

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

CATEGORY_PLACES = 5
REGISTRANTS = 16
SEATS = 4
BOOKERS = 12


def all_at_once(users: list[WebUser], act: Callable[[int, WebUser], Any]) -> list[Any]:
    """Every user acts at the same moment (a barrier), each in its own thread."""
    barrier = threading.Barrier(len(users))

    def one(index: int) -> Any:
        barrier.wait()
        return act(index, users[index])

    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        return list(pool.map(one, range(len(users))))


def logged_in(emails: list[str], servers: list[str]) -> list[WebUser]:
    """Users spread over the servers in turn, each logged in on its own server."""
    users = [WebUser(servers[i % len(servers)], address=next_address()) for i in range(len(emails))]
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda pair: pair[0].log_in(pair[1], DEMO_PASSWORD), zip(users, emails, strict=True)))
    assert [a.status_code for a in answers] == [302] * len(emails)
    return users


def wait_for_feed_change(reader: WebUser, text: str, timeout: float = 10) -> float:
    """Seconds until the programme feed shows `text`."""
    started = time.monotonic()
    while text not in reader.get("/feeds/programme.ics").text:
        assert time.monotonic() - started < timeout, f"the feed never showed {text!r}"
        time.sleep(0.05)
    return time.monotonic() - started


def test_two_servers_one_database_no_overbooking_one_waiting_order_fresh_feeds(
    postgres_url: str, redis: RedisServer, tmp_path: Path
) -> None:
    data = make_app(postgres_url)
    with data.app_context():
        category = CategoryFactory(code="student", capacity=CATEGORY_PLACES, attendance=Attendance.ONLINE)
        registrant_emails = [UserFactory().email for _ in range(REGISTRANTS)]
        workshop = bookable_session(capacity=SEATS, title="Workshop: writing for the public")
        booker_emails = [confirmed_delegate().email for _ in range(BOOKERS)]
        organiser_email = UserFactory(roles=[Role.ORGANISER]).email
        db.session.commit()
        publish()
        category_id, workshop_id = category.id, workshop.id

    env = app_environment(postgres_url, REDIS_URL=redis.url)
    with gunicorn(env, tmp_path / "a.log") as a, gunicorn(env, tmp_path / "b.log") as b:
        servers = [a.url, b.url]

        # --- the registration rush: 16 people, 5 places, both servers -------------------
        registrants = logged_in(registrant_emails, servers)
        tokens = [u.get("/registration/").text for u in registrants]

        def register(index: int, user: WebUser) -> requests.Response:
            from tests.support import csrf_token_from

            return user.http.post(user.base_url + "/registration/", timeout=60, allow_redirects=False,
                                  data={"csrf_token": csrf_token_from(tokens[index]), **form_data("student")})

        answers = all_at_once(registrants, register)
        assert [r.status_code for r in answers] == [302] * REGISTRANTS
        assert all("/registration/" in r.headers["Location"] for r in answers)

        # --- the workshop rush: 12 confirmed delegates, 4 seats, both servers -----------
        bookers = logged_in(booker_emails, servers)
        page = f"/programme/sessions/{workshop_id}"
        pages = [u.get(page).text for u in bookers]

        def book(index: int, user: WebUser) -> requests.Response:
            from tests.support import csrf_token_from

            return user.http.post(user.base_url + f"{page}/book", timeout=60, allow_redirects=False,
                                  headers={"Accept": "application/json",
                                           "X-CSRFToken": csrf_token_from(pages[index])})

        booked = all_at_once(bookers, book)
        assert [r.status_code for r in booked] == [200] * BOOKERS, [r.text[:200] for r in booked]
        told = {email: (r.json()["status_after"], r.json()["position"])
                for email, r in zip(booker_emails, booked, strict=True)}

        # --- two seat holders cancel at the same moment, on different servers -----------
        holders = [u for u, e in zip(bookers, booker_emails, strict=True) if told[e][0] == "confirmed"][:2]
        holders[1].base_url = a.url if holders[0].base_url == b.url else b.url
        # Stateless servers: the session cookie from one server is good on the other.
        assert holders[1].get("/account/").status_code == 200
        cancelled = all_at_once(holders, lambda i, u: u.http.post(
            u.base_url + f"{page}/cancel-booking", timeout=60, allow_redirects=False,
            headers={"Accept": "application/json", "X-CSRFToken": csrf_token_from_page(u, page)}))
        assert [r.status_code for r in cancelled] == [200, 200]

        # --- publish through A; B's feed shows it within FEED_STAMP_MEMO_SECONDS (1 s) ---
        organiser = WebUser(a.url, address=next_address())
        assert organiser.log_in(organiser_email, DEMO_PASSWORD).status_code == 302
        reader = WebUser(b.url, address=next_address())
        before = reader.get("/feeds/programme.ics")
        assert before.status_code == 200 and "Late-breaking panel" not in before.text
        with data.app_context():
            bookable_session(needs_booking=False, title="Late-breaking panel")
            db.session.commit()
        published = organiser.post_form("/programme/organiser/publish", {"note": "A late panel"})
        assert published.status_code == 302, published.text[:500]
        published_at = time.monotonic()
        seen_after = wait_for_feed_change(reader, "Late-breaking panel")
        assert seen_after < 2.5, seen_after  # a remembered token is at most a second old, plus request time
        time.sleep(max(0.0, 1.1 - (time.monotonic() - published_at)))  # ... in every worker of B
        for _ in range(6):
            after = reader.get("/feeds/programme.ics")
            assert after.status_code == 200 and "Late-breaking panel" in after.text
        assert after.headers["ETag"] != before.headers["ETag"]
        # A client that polls B with the old ETag gets the new feed, not a 304.
        assert reader.get("/feeds/programme.ics", headers={"If-None-Match": before.headers["ETag"]}).status_code == 200

    with data.app_context():
        # Registration: exactly the places, the rest waiting in 1..n without gaps or twins.
        rows = db.session.scalars(sa.select(Registration).where(Registration.category_id == category_id)).all()
        confirmed = [r for r in rows if r.status == RegistrationStatus.CONFIRMED]
        waiting = sorted((r for r in rows if r.status == RegistrationStatus.WAITLISTED),
                         key=lambda r: r.waitlist_position)
        assert (len(rows), len(confirmed), len(waiting)) == (
            REGISTRANTS, CATEGORY_PLACES, REGISTRANTS - CATEGORY_PLACES)
        assert [r.waitlist_position for r in waiting] == list(range(1, REGISTRANTS - CATEGORY_PLACES + 1))
        assert db.session.get(RegistrationCategory, category_id).confirmed_count == CATEGORY_PLACES

        # Bookings: each delegate was told the truth, and the first two waiting got the freed seats.
        bookings = {b.user.email: b for b in db.session.scalars(
            sa.select(Booking).where(Booking.session_id == workshop_id))}
        first_two = sorted((e for e, (s, _) in told.items() if s == "waitlisted"), key=lambda e: told[e][1])[:2]
        told_waiting = sorted(told[e][1] for e in told if told[e][0] == "waitlisted")
        assert told_waiting == list(range(1, BOOKERS - SEATS + 1))
        by_status = {s: sorted(e for e, bk in bookings.items() if bk.status == s) for s in BookingStatus}
        assert len(by_status[BookingStatus.CANCELLED]) == 2
        assert len(by_status[BookingStatus.CONFIRMED]) == SEATS
        assert set(first_two) <= set(by_status[BookingStatus.CONFIRMED])
        still_waiting = sorted((bk for bk in bookings.values() if bk.status == BookingStatus.WAITLISTED),
                               key=lambda bk: bk.position)
        # Same order as they were told, moved up by the two promotions.
        assert [bk.user.email for bk in still_waiting] == sorted(
            (e for e in told if told[e][0] == "waitlisted" and e not in first_two), key=lambda e: told[e][1])
        assert [bk.position for bk in still_waiting] == list(range(1, BOOKERS - SEATS - 2 + 1))
        db.engine.dispose()


def csrf_token_from_page(user: WebUser, path: str) -> str:
    from tests.support import csrf_token_from

    return csrf_token_from(user.get(path).text)
