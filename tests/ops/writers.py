"""The writers put under fault in tests/ops/test_writer_faults*.py, driven over HTTP like people
and door phones do, and the checks that nothing answered with success is lost or doubled.

Writers: a limited voucher redeemed while registering, proposals submitted to the call,
organisers' decisions about proposals, and offline scans uploaded by door phones. `World`
builds their data in a fresh database; `Ledger` keeps every answer with its moment, so a test
can say which failures fell into a fault's window.
"""
from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import requests
import sqlalchemy as sa
from flask import Flask

from esof.accounts.models import Role
from esof.cfp.models import Proposal, ProposalState
from esof.checkin.models import CheckIn
from esof.checkin.services import door_present, find_door
from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.registration.models import Attendance, DiscountKind, Registration, Voucher
from esof.registration.tickets import ticket_code
from tests.cfp.factories import first_track, make_proposal, open_call
from tests.checkin.factories import delegate, room_door
from tests.conftest import make_app
from tests.factories import UserFactory
from tests.ops.load import next_address
from tests.ops.processes import WebUser, app_environment
from tests.registration.factories import CategoryFactory, form_data
from tests.support import csrf_token_from, log_in

VOUCHER_CODE = "PRESS-FAULT-2022"
# The conference's first morning, as a door phone's clock writes it (Amsterdam summer time).
DOORS_OPEN = datetime(2022, 7, 13, 9, 0, tzinfo=timezone(timedelta(hours=2)))


@dataclass
class World:
    """What the writers need, by e-mail address and id (the data is in the database)."""

    voucher_id: int
    voucher_uses: int
    registrants: list[str]
    speakers: list[str]
    organisers: list[str]
    decidable: list[int]  # submitted proposals, waiting for a decision
    versions: dict[int, int]  # the version of each, as an organiser's page shows it
    door_key: str
    staff: str
    tickets: list[str]  # ticket codes of confirmed, paid, onsite delegates
    onsite_category_id: int  # theirs, and only theirs
    track_id: int
    authors: list[str]  # the submitters of `decidable`
    outbox_before: int  # the last outbox message when the world was built


def build_world(app: Flask, *, voucher_uses: int, registrants: int, speakers: int, decidable: int,
                tickets: int, organisers: int = 2) -> World:
    """Create everything in one transaction; the app's pool is closed afterwards."""
    with app.app_context():
        open_call(tracks=1)
        CategoryFactory(code="regular", capacity=None, attendance=Attendance.ONLINE)
        voucher = Voucher(code=VOUCHER_CODE, kind=DiscountKind.PERCENT, value=100, max_uses=voucher_uses,
                          used_count=0, note="press", batch="")
        db.session.add(voucher)
        registrant_emails = [UserFactory().email for _ in range(registrants)]
        speaker_emails = [UserFactory().email for _ in range(speakers)]
        organiser_emails = [UserFactory(roles=[Role.ORGANISER]).email for _ in range(organisers)]
        authors = [UserFactory() for _ in range(decidable)]
        proposals = [make_proposal(a, title=f"Decided under fire {n}") for n, a in enumerate(authors)]
        onsite = CategoryFactory(code="onsite", capacity=None, attendance=Attendance.ONSITE)
        registrations = [delegate(onsite, paid=True) for _ in range(tickets)]
        _room, door = room_door(capacity=500)
        staff_email = UserFactory(roles=[Role.CHECKIN]).email
        db.session.commit()
        world = World(
            voucher_id=voucher.id, voucher_uses=voucher_uses, registrants=registrant_emails,
            speakers=speaker_emails, organisers=organiser_emails, decidable=[p.id for p in proposals],
            versions={p.id: p.version for p in proposals},
            door_key=door.key, staff=staff_email, tickets=[ticket_code(r) for r in registrations],
            onsite_category_id=onsite.id,
            track_id=first_track().id, authors=[a.email for a in authors],
            outbox_before=db.session.scalar(sa.select(sa.func.max(OutboxMessage.id))) or 0,
        )
        db.session.remove()
        db.engine.dispose()
    return world


# --------------------------------------------------------------------------- the ledger


@dataclass
class Ledger:
    """Every answer the writers got, with its moment (monotonic) and status (0: no answer)."""

    answers: list[tuple[float, str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, what: str, status: int) -> None:
        with self.lock:
            self.answers.append((time.monotonic(), what, status))

    def statuses(self, what: str | None = None) -> Counter:
        return Counter(s for _, w, s in self.answers if what is None or w == what)

    def failures(self, ok: Callable[[str, int], bool]) -> list[tuple[float, str, int]]:
        return [a for a in self.answers if not ok(a[1], a[2])]

    def server_errors(self) -> list[tuple[float, str, int]]:
        return [a for a in self.answers if a[2] >= 500]


def answered(ledger: Ledger, what: str, call: Callable[[], requests.Response]) -> requests.Response | None:
    """One request; its answer is noted (None when there was none: refused, reset, timed out)."""
    try:
        response = call()
    except requests.RequestException:
        ledger.note(what, 0)
        return None
    ledger.note(what, response.status_code)
    return response


def persist(ledger: Ledger, what: str, call: Callable[[], requests.Response | None],
            done: Callable[[requests.Response], bool], *, tries: int = 40, pause: float = 0.25) -> requests.Response:
    """Like a person: try again after a failed answer (no answer, 5xx, a page that did not load)."""
    for _ in range(tries):
        response = call()
        if response is not None and done(response):
            return response
        time.sleep(pause)
    raise AssertionError(f"{what}: no final answer after {tries} tries; last {ledger.answers[-3:]}")


def data_app(database_url: str) -> Flask:
    """The test's own app on the servers' database, with their secret key: ticket codes and
    session cookies it makes are the ones the servers check."""
    return make_app(database_url, SECRET_KEY=app_environment(database_url)["SECRET_KEY"])


def browsers(app: Flask, emails: Sequence[str], servers: Sequence[str]) -> list[WebUser]:
    """Each person logged in, on the servers in turn. The log-in runs in the test's app (same
    database, same secret key, cheap password hashing) and the browser keeps its session
    cookie: on the servers each log-in costs an argon2 hash at production cost (2 s each on
    this busy machine), and logging in is not a writer under test (tests/ops/test_scale_out.py
    logs in through the servers)."""
    users = []
    for n, email in enumerate(emails):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = next_address()  # the log-in limit counts per address
        log_in(client, email)
        cookie = client.get_cookie("session")
        assert cookie is not None
        user = WebUser(servers[n % len(servers)], address=next_address())
        user.http.cookies.set("session", cookie.value, domain="127.0.0.1", path="/")
        users.append(user)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # a restart later would break this pool
    return users


def tab(user: WebUser, base_url: str | None = None) -> WebUser:
    """Another tab of the same browser (its own connection, the same session cookie), on
    `base_url` if given: the servers share nothing but the database and the secret key."""
    other = WebUser(base_url or user.base_url, address=user.http.headers["X-Forwarded-For"])
    other.http.cookies.update(user.http.cookies)
    return other


def page_token(user: WebUser, ledger: Ledger, what: str, path: str) -> str | None:
    shown = answered(ledger, what, lambda: user.get(path))
    if shown is None or shown.status_code != 200:
        return None
    return csrf_token_from(shown.text)


# --------------------------------------------------------------------------- the writers


def redeem_voucher(user: WebUser, ledger: Ledger) -> requests.Response | None:
    """Register with the voucher: 302 with it, 422 "used up", 302 too for one registered already."""
    form = answered(ledger, "voucher", lambda: user.get("/registration/"))
    if form is None or form.status_code != 200:
        return form  # a 302 here: registered by an earlier try whose answer was lost
    data = {"csrf_token": csrf_token_from(form.text), **form_data("regular", voucher=VOUCHER_CODE)}
    return answered(ledger, "voucher", lambda: user.http.post(
        user.base_url + "/registration/", data=data, timeout=30, allow_redirects=False))


def voucher_final(response: requests.Response) -> bool:
    return response.status_code == 302 or (response.status_code == 422 and "used up" in response.text)


def submit_proposal(user: WebUser, ledger: Ledger, title: str, track_id: int) -> requests.Response | None:
    """Submit one proposal; sent again after a lost answer, it is the same one (302 to it)."""
    token = page_token(user, ledger, "proposal", "/cfp/submit")
    if token is None:
        return None
    data = {"csrf_token": token, "title": title, "abstract": "What a restart does to a call.", "title_nl": "",
            "abstract_nl": "", "format": "panel", "track": str(track_id), "language": "en",
            "expected_audience": "40", "equipment": "", "co_speakers": "", "action": "submit"}
    return answered(ledger, "proposal", lambda: user.http.post(
        user.base_url + "/cfp/submit", data=data, timeout=30, allow_redirects=False))


def proposal_final(response: requests.Response) -> bool:
    return response.status_code == 302 and "/cfp/proposals/" in response.headers["Location"]


def decide(user: WebUser, ledger: Ledger, proposal_id: int, seen_version: int,
           decision: str = "accepted") -> requests.Response | None:
    """Accept the proposal as seen: 200 (decided here), 409 (decided already, on whichever server)."""
    token = page_token(user, ledger, "decision", f"/programme/organiser/proposals/{proposal_id}")
    if token is None:
        return None
    return answered(ledger, "decision", lambda: user.http.post(
        f"{user.base_url}/programme/organiser/proposals/{proposal_id}/decision", timeout=30,
        allow_redirects=False, headers={"Accept": "application/json"},
        data={"csrf_token": token, "decision": decision, "seen_version": str(seen_version)}))


def decision_final(response: requests.Response) -> bool:
    return response.status_code == 200 or (response.status_code == 409 and
                                           response.json().get("error") == "AlreadyDecided")


def scan_batch(world: World, tickets: Sequence[str], *, start: datetime = DOORS_OPEN) -> list[dict[str, Any]]:
    """A door phone's queue: each ticket scanned "in" a few seconds apart, each with its own id."""
    return [{"client_id": str(uuid.uuid4()), "code": code, "door": world.door_key, "direction": "in",
             "scanned_at": (start + timedelta(seconds=7 * n)).isoformat()} for n, code in enumerate(tickets)]


def upload_scans(user: WebUser, ledger: Ledger, batch: list[dict[str, Any]]) -> requests.Response | None:
    listed = answered(ledger, "sync", lambda: user.get("/checkin/door-list.json"))
    if listed is None or listed.status_code != 200:
        return None
    csrf = listed.json()["csrf"]
    return answered(ledger, "sync", lambda: user.http.post(
        user.base_url + "/checkin/sync", json={"scans": batch}, timeout=30, headers={"X-CSRFToken": csrf}))


def sync_final(response: requests.Response) -> bool:
    return response.status_code == 200 and response.json().get("ok") is True


# --------------------------------------------------------------------------- what the database holds


@dataclass
class Stored:
    voucher_used: int
    voucher_registrations: list[str]  # e-mail of each registration that used it
    proposals_by_title: Counter
    proposal_states: dict[int, ProposalState]
    sessions_from_decisions: int
    decision_mails: Counter  # author's address -> mails since the world was built (the decision)
    scans_by_client_id: Counter
    present: int  # behind the phones' door

    @classmethod
    def read(cls, app: Flask, world: World) -> Stored:
        with app.app_context():
            voucher = db.session.get(Voucher, world.voucher_id)
            assert voucher is not None
            registrations = db.session.scalars(
                sa.select(Registration).where(Registration.voucher_id == world.voucher_id)).all()
            proposals = db.session.scalars(sa.select(Proposal)).all()
            decided = [p for p in proposals if p.id in world.decidable]
            stored = cls(
                voucher_used=voucher.used_count,
                voucher_registrations=[r.user.email for r in registrations],
                proposals_by_title=Counter(p.title for p in proposals),
                proposal_states={p.id: p.state for p in decided},
                sessions_from_decisions=sum(p.session_id is not None for p in decided),
                decision_mails=Counter(db.session.scalars(
                    sa.select(OutboxMessage.to_address).where(OutboxMessage.id > world.outbox_before,
                                                              OutboxMessage.to_address.in_(world.authors)))),
                scans_by_client_id=Counter(db.session.scalars(
                    sa.select(CheckIn.client_id).where(CheckIn.source == "offline"))),
                present=door_present(find_door(world.door_key)),
            )
            db.session.remove()
            db.engine.dispose()
        return stored


@dataclass
class Clock:
    """Seconds per phase of a test, for its closing figures."""

    laps: dict[str, float] = field(default_factory=dict)
    last: float = field(default_factory=time.monotonic)

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.laps[name] = now - self.last
        self.last = now

    def __str__(self) -> str:
        return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.laps.items())


# --------------------------------------------------------------------------- all writers at once


@dataclass
class Finals:
    """The last answer each person or phone got (after its retries)."""

    voucher: dict[str, int] = field(default_factory=dict)  # registrant -> 302 / 422
    proposals: dict[str, int] = field(default_factory=dict)  # title -> 302
    decisions: dict[int, int] = field(default_factory=dict)  # proposal id -> 200 / 409
    uploads: int = 0  # batches answered 200 (each phone sends its batch twice)
    phones: list[list[dict[str, Any]]] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)


def phone_batches(world: World) -> list[list[dict[str, Any]]]:
    """Three phones at one door; some delegates were scanned by two of them."""
    t = world.tickets
    third = len(t) // 3
    return [scan_batch(world, t[: third + 2]), scan_batch(world, t[third: 2 * third + 2][::-1]),
            scan_batch(world, t[2 * third:] + t[:2])]


def run_writers(app: Flask, world: World, servers: Sequence[str], ledger: Ledger, *,
                fault: Callable[[], None], after: int, threads: int = 4) -> Finals:
    """Every writer's requests in `threads` threads, mixed, spread over `servers`; `fault()`
    runs once `after` of the jobs have their final answer, while the others go on."""
    finals = Finals(phones=phone_batches(world),
                    titles=[f"Proposal under fire {n}" for n in range(len(world.speakers))])
    registrants = browsers(app, world.registrants, servers)
    speakers = browsers(app, world.speakers, servers)
    organiser, door = browsers(app, [world.organisers[0], world.staff], servers)
    done = threading.Semaphore(0)

    def voucher(n: int) -> None:
        answer = persist(ledger, "voucher", lambda: redeem_voucher(registrants[n], ledger), voucher_final)
        finals.voucher[world.registrants[n]] = answer.status_code

    def proposal(n: int) -> None:
        title = finals.titles[n]
        answer = persist(ledger, "proposal", lambda: submit_proposal(speakers[n], ledger, title, world.track_id),
                         proposal_final)
        finals.proposals[title] = answer.status_code

    def decision(n: int) -> None:
        user, proposal_id = tab(organiser, servers[n % len(servers)]), world.decidable[n]
        answer = persist(ledger, "decision", lambda: decide(user, ledger, proposal_id, world.versions[proposal_id]),
                         decision_final)
        finals.decisions[proposal_id] = answer.status_code

    def upload(n: int) -> None:
        for attempt in range(2):  # the phone's first request timed out on its side: it sends again
            user = tab(door, servers[(n + attempt) % len(servers)])
            persist(ledger, "sync", lambda u=user: upload_scans(u, ledger, finals.phones[n]), sync_final)
            with ledger.lock:
                finals.uploads += 1

    jobs = [(voucher, n) for n in range(len(registrants))] + [(proposal, n) for n in range(len(speakers))] + \
        [(decision, n) for n in range(len(world.decidable))] + [(upload, n) for n in range(len(finals.phones))]
    jobs = jobs[::3] + jobs[1::3] + jobs[2::3]  # the writers mixed

    def run(job: tuple[Callable[[int], None], int]) -> None:
        try:
            job[0](job[1])
        finally:
            done.release()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(run, job) for job in jobs]
        for _ in range(after):
            done.acquire()
        fault()
        for future in futures:
            future.result(timeout=300)
    return finals


def check_stored(stored: Stored, world: World, finals: Finals) -> dict[str, Any]:
    """Nothing answered with success is lost, nothing is doubled; the figures for the record."""
    told_yes = sorted(e for e, s in finals.voucher.items() if s == 302)
    told_used_up = sorted(e for e, s in finals.voucher.items() if s == 422)
    assert len(told_yes) + len(told_used_up) == len(world.registrants)
    # Everyone told yes holds a use; nobody told "used up" does; the count is the uses, no more.
    assert sorted(stored.voucher_registrations) == told_yes
    assert stored.voucher_used == len(told_yes) == world.voucher_uses
    proposals = {t: stored.proposals_by_title[t] for t in finals.titles}
    assert set(proposals.values()) == {1}, proposals
    assert sorted(finals.decisions) == sorted(world.decidable)
    assert set(stored.proposal_states.values()) == {ProposalState.ACCEPTED}
    assert stored.sessions_from_decisions == len(world.decidable)
    assert sorted(stored.decision_mails.values()) == [1] * len(world.decidable), stored.decision_mails
    sent = [item["client_id"] for batch in finals.phones for item in batch]
    assert sorted(stored.scans_by_client_id) == sorted(sent) and set(stored.scans_by_client_id.values()) == {1}
    assert stored.present == len(world.tickets)
    assert finals.uploads == 2 * len(finals.phones)
    return {"voucher uses": f"{len(told_yes)} of {world.voucher_uses}", "told used up": len(told_used_up),
            "proposals stored once": len(proposals), "decisions (1 mail each)": len(finals.decisions),
            "scans stored once": len(sent), "uploads": finals.uploads, "present": stored.present,
            "doubles": 0, "lost": 0}
