"""Registration rush: 500 people sign up, confirm their address and register, through gunicorn
on PostgreSQL.

    .venv/bin/python -m bench.registration_rush [--flows 500] [--concurrency 16] [--workers 4]

Each flow is what a browser does: GET the sign-up form, POST it (the password is hashed with
Argon2id at production cost; nobody is logged in yet), open the confirmation link from the
mail, which logs that browser in (the bench signs the same token the mail carries, with the server's key, after reading
the new account's id), GET the registration form, POST it with a category and consent.
Every person has their own client address (X-Forwarded-For, ESOF_PROXY_HOPS=1), as behind a
load balancer, so the per-address sign-up limit does not apply across people. The baseline is
`GET /livez` with the same client in the same run.
"""
from __future__ import annotations

import argparse
import http.client
import re
import statistics
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import sqlalchemy as sa

from bench.common import BENCH_SECRET_KEY as SECRET_KEY
from bench.common import app_environment, flask, fresh_postgres_database, gunicorn, hammer

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """One person: a keep-alive connection, a cookie, a client address."""

    def __init__(self, address: str, number: int) -> None:
        host, port = address.split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=60)
        self.cookie = ""
        self.forwarded_for = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        headers = {"X-Forwarded-For": self.forwarded_for}
        if self.cookie:
            headers["Cookie"] = self.cookie
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, text


def prepare(database_url: str) -> None:
    from esof import create_app
    from esof.extensions import db
    from esof.registration.models import Attendance, RegistrationCategory

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        db.session.add(RegistrationCategory(
            code="regular", name="Regular", fee_cents=49500, attendance=Attendance.ONSITE, capacity=None,
            opens_at=datetime.now(UTC) - timedelta(days=1), closes_at=datetime.now(UTC) + timedelta(days=30)))
        db.session.commit()
        db.engine.dispose()


_signing_app = None


def verification_token(engine: sa.Engine, email: str) -> str:
    """The link of the confirmation mail, signed as the server signs it."""
    from esof.tokens import make_token

    with engine.connect() as conn:
        user_id = conn.execute(sa.text("SELECT id FROM user_account WHERE email = :e"), {"e": email}).scalar_one()
    with _signing_app.app_context():
        return make_token("verify-email", {"id": user_id, "email": email})


def flow(address: str, number: int, engine: sa.Engine, timings: dict[str, list[float]], statuses: Counter,
         lock: threading.Lock) -> None:
    browser = Browser(address, number)
    email = f"rush{number}@example.org"
    steps: list[tuple[str, float, int]] = []

    def step(name: str, method: str, path: str, form: dict[str, str] | None = None) -> str:
        started = time.perf_counter()
        status, text = browser.request(method, path, form)
        steps.append((name, time.perf_counter() - started, status))
        return text

    started = time.perf_counter()
    page = step("GET signup", "GET", "/account/signup")
    step("POST signup", "POST", "/account/signup", {
        "csrf_token": CSRF.search(page).group(1), "display_name": f"Rush {number}", "email": email,
        "password": "a long enough password 2022", "language": "en"})
    step("GET verify link", "GET", f"/account/verify/{verification_token(engine, email)}")
    page = step("GET registration", "GET", "/registration/")
    step("POST registration", "POST", "/registration/", {
        "csrf_token": CSRF.search(page).group(1), "category": "regular", "first_name": "Rush",
        "last_name": str(number), "affiliation": "Leiden University", "country": "NL",
        "dietary_needs": "", "accessibility_needs": "", "consent": "y", "access_code": ""})
    total = time.perf_counter() - started
    with lock:
        timings.setdefault("whole flow", []).append(total)
        for name, seconds, status in steps:
            timings.setdefault(name, []).append(seconds)
            statuses[f"{name} {status}"] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--flows", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    with fresh_postgres_database("esof_regrush") as database_url:
        env = app_environment(database_url, ESOF_ENV="staging", SECRET_KEY=SECRET_KEY, ESOF_PROXY_HOPS="1")
        flask(env, "db", "upgrade", "heads")
        prepare(database_url)
        global _signing_app
        from esof import create_app

        _signing_app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": SECRET_KEY})
        engine = sa.create_engine(database_url)
        with gunicorn(env, workers=args.workers) as address:
            hammer(address, "/livez", name="warm-up", total=200, concurrency=args.concurrency)
            baseline = hammer(address, "/livez", name="GET /livez", total=3000, concurrency=args.concurrency)
            timings: dict[str, list[float]] = {}
            statuses: Counter = Counter()
            failures: Counter = Counter()
            lock = threading.Lock()
            numbers = iter(range(1, args.flows + 1))
            numbers_lock = threading.Lock()

            def worker() -> None:
                while True:
                    with numbers_lock:
                        number = next(numbers, None)
                    if number is None:
                        return
                    try:
                        flow(address, number, engine, timings, statuses, lock)
                    except Exception as exc:  # count it, keep the rush going
                        with lock:
                            failures[f"{type(exc).__name__}: {str(exc)[:80]}"] += 1

            started = time.perf_counter()
            threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            seconds = time.perf_counter() - started
        with engine.connect() as conn:
            confirmed = conn.execute(sa.text(
                "SELECT count(*) FROM registration WHERE status = 'confirmed'")).scalar_one()
        engine.dispose()
    requests = sum(len(v) for k, v in timings.items() if k != "whole flow")
    print(f"\n{args.flows} flows in {seconds:.1f} s: {args.flows / seconds:.1f} flows/s, "
          f"{requests / seconds:.0f} requests/s; baseline /livez {baseline.rate:.0f} requests/s; "
          f"confirmed registrations: {confirmed}; failed flows: {dict(failures) or 'none'}")
    print("\n| step | p50 ms | p99 ms | answers |\n| --- | ---: | ---: | --- |")
    for name, values in timings.items():
        ordered = sorted(values)
        answers = ", ".join(f"{k.rsplit(' ', 1)[1]}×{v}" for k, v in statuses.items() if k.startswith(name + " "))
        print(f"| {name} | {statistics.median(values) * 1000:.0f} | "
              f"{ordered[int(0.99 * (len(ordered) - 1))] * 1000:.0f} | {answers} |")
    print(f"| GET /livez (baseline) | {baseline.p50:.1f} | {baseline.percentile(99):.1f} | "
          + ", ".join(f"{k}×{v}" for k, v in baseline.statuses.items()) + " |")
    print(f"\nRequests per second of the flows / of /livez: {requests / seconds / baseline.rate:.2f}")


if __name__ == "__main__":
    main()
