"""Mixed load on an ESOF app server: the registration rush, programme browsing, seat
booking, feed polling, and a trivial endpoint (/livez) as the baseline of the same run.

Run by `make bench` (python -m bench), which prepares a database and a server and passes
the plan (accounts, session ids) in the file named by ESOF_BENCH_PLAN. By hand:

    ESOF_BENCH_PLAN=plan.json locust -f bench/locustfile.py --host http://127.0.0.1:8000

Every simulated person has a client address of their own (X-Forwarded-For; the server runs
with ESOF_PROXY_HOPS=1, as behind a load balancer), so per-address rate limits apply per person.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
from pathlib import Path

from locust import HttpUser, between, task

PLAN = json.loads(Path(os.environ.get("ESOF_BENCH_PLAN", "bench/results/plan.json")).read_text())
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
_addresses = itertools.count(1)
_rush_accounts = iter(PLAN["rush_accounts"])
_delegates = itertools.cycle(PLAN["delegates"])


def csrf_token(html: str) -> str | None:
    match = CSRF.search(html)
    return (match.group(1) or match.group(2)) if match else None


class Person(HttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)  # a person reads before the next click

    def on_start(self) -> None:
        self.new_identity()

    def new_identity(self) -> None:
        n = next(_addresses)
        self.client.cookies.clear()
        self.client.headers["X-Forwarded-For"] = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"

    def log_in(self, email: str) -> bool:
        page = self.client.get("/account/login", name="/account/login")
        token = csrf_token(page.text)
        with self.client.post("/account/login", name="/account/login [POST]", allow_redirects=False,
                              data={"csrf_token": token, "email": email, "password": PLAN["password"]},
                              catch_response=True) as answer:
            if answer.status_code != 302:
                answer.failure(f"log-in answered {answer.status_code}")
                return False
        return True


class Baseline(Person):
    """The trivial endpoint: what the server costs with no work at all."""

    weight = 1

    @task
    def livez(self) -> None:
        self.client.get("/livez")


class ProgrammeBrowser(Person):
    weight = 4

    @task(3)
    def programme(self) -> None:
        self.client.get("/programme/")

    @task(5)
    def session_page(self) -> None:
        self.client.get(f"/programme/sessions/{random.choice(PLAN['sessions'])}", name="/programme/sessions/[id]")

    @task(1)
    def day(self) -> None:
        self.client.get(f"/programme/?day={random.choice(PLAN['days'])}", name="/programme/?day=[day]")


class FeedPoller(Person):
    """A calendar client: the whole programme, then again with If-None-Match (mostly 304)."""

    weight = 3

    def on_start(self) -> None:
        super().on_start()
        self.etags: dict[str, str] = {}

    def poll(self, path: str, name: str) -> None:
        headers = {"If-None-Match": self.etags[path]} if path in self.etags else {}
        with self.client.get(path, name=name, headers=headers, catch_response=True) as answer:
            if answer.status_code in (200, 304):
                self.etags[path] = answer.headers.get("ETag", self.etags.get(path, ""))
                answer.success()

    @task(3)
    def programme_feed(self) -> None:
        self.poll("/feeds/programme.ics", "/feeds/programme.ics")

    @task(1)
    def first_fetch(self) -> None:
        """A new subscriber: the full feed, no ETag yet."""
        self.client.get("/feeds/programme.ics", name="/feeds/programme.ics (first)")

    @task(1)
    def day_feed(self) -> None:
        day = random.choice(PLAN["days"])
        self.poll(f"/feeds/programme.ics?day={day}", "/feeds/programme.ics?day=[day]")


class RegistrationRush(Person):
    """Registration opens: each round is a new person who logs in and registers."""

    weight = 2

    @task
    def register(self) -> None:
        email = next(_rush_accounts, None)
        if email is None:
            return
        self.new_identity()
        if not self.log_in(email):
            return
        token = csrf_token(self.client.get("/registration/", name="/registration/ [form]").text)
        with self.client.post("/registration/", name="/registration/ [POST]", allow_redirects=False,
                              data={"csrf_token": token, "category": PLAN["rush_category"],
                                    "first_name": "Rush", "last_name": email.split("@")[0],
                                    "affiliation": "Bench University", "country": "NL", "consent": "y"},
                              catch_response=True) as answer:
            if answer.status_code != 302:
                answer.failure(f"registration answered {answer.status_code}")
                return
            detail = answer.headers["Location"]
        self.client.get(detail, name="/registration/[id]")


class SeatBooker(Person):
    """A confirmed delegate books seats (or joins the waiting list) and sometimes cancels."""

    weight = 2

    def on_start(self) -> None:
        super().on_start()
        self.token: str | None = None
        if self.log_in(next(_delegates)):
            self.token = csrf_token(self.client.get("/account/").text)

    def seat(self, action: str) -> None:
        if not self.token:
            return
        session_id = random.choice(PLAN["bookable"])
        with self.client.post(f"/programme/sessions/{session_id}/{action}",
                              name=f"/programme/sessions/[id]/{action}", allow_redirects=False,
                              headers={"Accept": "application/json", "X-CSRFToken": self.token},
                              catch_response=True) as answer:
            # 409: a rule said no (a clash, already booked, no booking to cancel): a correct answer.
            if answer.status_code in (200, 409):
                answer.success()
            else:
                answer.failure(f"{action} answered {answer.status_code}")

    @task(3)
    def book(self) -> None:
        self.seat("book")

    @task(1)
    def cancel(self) -> None:
        self.seat("cancel-booking")

    @task(2)
    def agenda(self) -> None:
        self.client.get("/programme/agenda")
