"""Public pages bench: the programme, speaker, calendar and event pages and the read API on
the full demo data, through gunicorn on a fresh PostgreSQL database.

    .venv/bin/python -m bench.public_pages [--requests 1000] [--rounds 3] [--workers 2]

1. creates a fresh PostgreSQL database (dropped at the end), migrates it, loads the full demo
   data (`flask demo-data --seed 2022`) and signs the log-in cookie of a confirmed delegate;
2. with the page cache, with Redis (our own redis-server) and without it (one machine: the
   change token is a small file, pages in each worker's LRU): per round /livez, then every
   page anonymous (cached after the warm-up), the programme answered 304, and the programme
   and a session page logged in (never from the cache); ratio = scenario rate / /livez rate
   in the same round, median over the rounds;
3. cold renders: every session page and every event page once, one request at a time, with
   the cache (each a miss) and without it (ESOF_PAGE_CACHE=0): p50 of both.

Prints Markdown tables. Only 127.0.0.1 is contacted; gunicorn and redis-server are stopped by pid.
"""
from __future__ import annotations

import argparse
from typing import Any

import sqlalchemy as sa
from flask import session

from bench.common import (
    BENCH_SECRET_KEY,
    LoadResult,
    app_environment,
    flask,
    fresh_postgres_database,
    get,
    gunicorn,
    hammer,
    redis_server,
)
from bench.feeds import Measured


def demo_facts(database_url: str) -> dict[str, Any]:
    """Ids the pages need, every session and event id, and a delegate's signed log-in cookie."""
    from esof import create_app
    from esof.accounts.models import User
    from esof.extensions import db
    from esof.programme.models import PublishedSession, PublishedSpeaker
    from esof.programme.queries import latest_version_id
    from esof.registration.models import Registration, RegistrationStatus
    from esof.side_events.models import EventState, SideEvent

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": BENCH_SECRET_KEY,
                      "ESOF_BASE_URL": "http://127.0.0.1", "MAIL_SERVER": None})
    with app.app_context():
        version = latest_version_id()
        sessions = list(db.session.scalars(sa.select(PublishedSession.session_id)
                                           .where(PublishedSession.version_id == version)
                                           .order_by(PublishedSession.session_id)))
        booked = db.session.scalar(sa.select(PublishedSession.session_id).where(
            PublishedSession.version_id == version, PublishedSession.needs_booking.is_(True)).limit(1))
        speaker = db.session.scalar(
            sa.select(PublishedSpeaker.person_id)
            .join(PublishedSession, PublishedSession.id == PublishedSpeaker.published_session_id)
            .where(PublishedSession.version_id == version, PublishedSpeaker.person_id.is_not(None)).limit(1))
        events = list(db.session.scalars(sa.select(SideEvent.id).where(SideEvent.state == EventState.APPROVED)
                                         .order_by(SideEvent.id)))
        delegate = db.session.scalar(sa.select(User).join(Registration, Registration.user_id == User.id)
                                     .where(Registration.status == RegistrationStatus.CONFIRMED).limit(1))
        assert delegate is not None and sessions and events
        user_id, nonce = delegate.id, delegate.login_nonce
        db.engine.dispose()
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    with app.test_request_context("/"):
        session["_user_id"] = f"{user_id}:{nonce}"  # what Flask-Login's login_user stores
        session["_fresh"] = True
        cookie = str(serializer.dumps(dict(session)))
    return {"sessions": sessions, "booked": booked or sessions[0], "speaker": speaker, "events": events,
            "event": events[0], "cookie": cookie}


def pages(facts: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("programme, a day", "/programme/?day=2022-07-13"),
        ("programme, filtered", "/programme/?day=2022-07-14&format=workshop"),
        ("grid", "/programme/grid?day=2022-07-13"),
        ("session page (live seats)", f"/programme/sessions/{facts['booked']}"),
        ("speakers", "/programme/speakers/"),
        ("speaker page", f"/programme/speakers/{facts['speaker']}"),
        ("changes", "/programme/changes"),
        ("calendar list", "/calendar/?from=2022-07-01"),
        ("month view", "/calendar/month/2022-07"),
        ("day view", "/calendar/day/2022-07-14"),
        ("event page", f"/calendar/events/{facts['event']}"),
        ("API sessions", "/api/v1/sessions"),
        ("API session (live seats)", f"/api/v1/sessions/{facts['booked']}"),
        ("API side events", "/api/v1/side-events?from=2022-07-01"),
    ]


def rounds(address: str, label: str, facts: dict[str, Any], args: argparse.Namespace) -> list[Measured]:
    logged_in = {"Cookie": f"session={facts['cookie']}"}
    planned: list[tuple[str, str, dict[str, str]]] = [(name, path, {}) for name, path in pages(facts)]
    _status, _body, headers = get(address, "/programme/?day=2022-07-13")
    if "ETag" in headers:  # pages rendered without the cache have none
        planned.append(("programme, 304", "/programme/?day=2022-07-13", {"If-None-Match": headers["ETag"]}))
    planned += [("programme, logged in", "/programme/?day=2022-07-13", logged_in),
                ("session page, logged in", f"/programme/sessions/{facts['booked']}", logged_in)]
    for _name, path, extra in planned:  # fills every worker's cache
        hammer(address, path, name="warm-up", total=50, concurrency=args.concurrency, headers=extra)
    runs: dict[str, list[tuple[LoadResult, LoadResult]]] = {}
    for _round in range(args.rounds):
        baseline = hammer(address, "/livez", name="/livez", total=args.requests, concurrency=args.concurrency)
        runs.setdefault("/livez", []).append((baseline, baseline))
        for name, path, extra in planned:
            # Uncached pages are slower: fewer requests keep the run short, the rate is the same.
            total = args.requests // 5 if "logged in" in name else args.requests
            result = hammer(address, path, name=name, total=total, concurrency=args.concurrency, headers=extra)
            runs.setdefault(name, []).append((result, baseline))
    return [Measured.of(f"{name}, {label}", pairs) for name, pairs in runs.items()]


def cold_renders(address: str, facts: dict[str, Any]) -> dict[str, LoadResult]:
    """Every session and event page once, one at a time: each a render (a miss, or no cache)."""
    found = {}
    for name, ids, pattern in (("session pages", facts["sessions"], "/programme/sessions/{}"),
                               ("event pages", facts["events"], "/calendar/events/{}")):
        result = LoadResult(name=name, requests=0, seconds=0.0)
        for item in ids:
            one = hammer(address, pattern.format(item), name=name, total=1, concurrency=1)
            result.latencies += one.latencies
            result.statuses.update(one.statuses)
            result.requests += 1
            result.seconds += one.seconds
        found[name] = result
    return found


def fragment_estimate(database_url: str, facts: dict[str, Any], repeats: int = 30) -> dict[str, float]:
    """Median ms in process for a logged-in delegate: the programme page rendered whole (what
    skipping the cache costs), and the lower bound of the other option, shared fragments: the
    page's content kept, the layout with the person's own header rendered around it."""
    import os
    import statistics
    import time

    from flask import render_template_string

    os.environ.update(app_environment(database_url))
    from esof import create_app

    app = create_app()
    client = app.test_client()
    client.set_cookie("session", facts["cookie"])
    path = "/programme/?day=2022-07-13"
    whole = []
    for _ in range(repeats):
        started = time.perf_counter()
        assert client.get(path).status_code == 200
        whole.append(time.perf_counter() - started)
    content = client.get(path).get_data(as_text=True).split('<main id="main"', 1)[1]
    around = []
    layout = '{% extends "base.html" %}{% block content %}{{ content|safe }}{% endblock %}'
    for _ in range(repeats):
        with app.test_request_context(path, headers={"Cookie": f"session={facts['cookie']}"}):
            started = time.perf_counter()
            render_template_string(layout, content=content)  # loads the person and their header
            around.append(time.perf_counter() - started)
    return {"whole page": statistics.median(whole) * 1000,
            "layout around a kept fragment": statistics.median(around) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    measured: list[Measured] = []
    cold: dict[str, dict[str, LoadResult]] = {}
    with fresh_postgres_database("esof_bench_pages") as url, redis_server() as redis_url:
        assert redis_url, "the public pages bench needs redis-server"
        env = app_environment(url)
        flask(env, "db", "upgrade", "heads")
        flask(env, "demo-data", "--seed", "2022")
        facts = demo_facts(url)
        for label, server_env in (("Redis", app_environment(url, REDIS_URL=redis_url)), ("no Redis", env)):
            with gunicorn(server_env, workers=args.workers) as address:
                cold[f"cache, {label} (misses)"] = cold_renders(address, facts)
                measured += rounds(address, label, facts, args)
            print(Measured.table(measured), flush=True)  # so far, in case a later part fails
        with gunicorn(app_environment(url, ESOF_PAGE_CACHE="0"), workers=args.workers) as address:
            cold["no cache"] = cold_renders(address, facts)
            uncached = argparse.Namespace(**{**vars(args), "rounds": 1, "requests": max(args.requests // 10, 100)})
            measured += rounds(address, "no cache", facts, uncached)
        estimate = fragment_estimate(url, facts)
    print(f"\n{args.rounds} rounds of {args.requests} requests per cached scenario (a fifth for logged-in ones), "
          f"{args.concurrency} client connections, {args.workers} gunicorn workers; ratio = median over rounds of "
          "(scenario rate / /livez rate in the same round)\n")
    print(Measured.table(measured))
    print("\nLogged-in programme page in process (median ms): "
          + ", ".join(f"{name} {ms:.1f}" for name, ms in estimate.items()))
    print("\nCold renders, one request at a time (each page once):\n")
    print("| server | pages | p50 ms | p99 ms |\n| --- | --- | ---: | ---: |")
    for label, results in cold.items():
        for name, result in results.items():
            print(f"| {label} | {result.requests} {name} | {result.p50:.1f} | {result.percentile(99):.1f} |")


if __name__ == "__main__":
    main()
