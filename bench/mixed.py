"""The mixed-load bench behind `make bench`: one gunicorn (gunicorn.conf.py, wsgi:app) on a
fresh PostgreSQL database with the full demo data, our own Redis when redis-server exists,
and Locust headless for a bounded time. Writes a Markdown summary to bench/results/ and
prints it.

    .venv/bin/python -m bench [--seconds 60] [--users 20] [--workers N]

Only localhost is a target. Every process started here is stopped by its pid, and the
database is dropped at the end.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bench.common import BENCH_SECRET_KEY, free_port, redis_server, stop
from bench.common import fresh_postgres_database as fresh_database

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
PYTHON = sys.executable
DEMO_PASSWORD = "esof2022-demo"
RUSH_CATEGORY = "bench-rush"
RUSH_PLACES = 60  # the rest of the rush goes onto the waiting list
RUSH_ACCOUNTS = 4000


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def environment(database_url: str, redis_url: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ESOF_", "DATABASE_", "REDIS_", "MAIL_"))}
    env.update({
        "DATABASE_URL": database_url,
        "SECRET_KEY": BENCH_SECRET_KEY,
        # Production minus Secure cookies: Locust talks plain http to 127.0.0.1.
        "ESOF_ENV": "staging",
        "ESOF_BASE_URL": "http://127.0.0.1",
        "ESOF_PROXY_HOPS": "1",
    })
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def flask(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "-m", "flask", "--app", "esof", *args], cwd=REPO, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def prepare(env: dict[str, str], plan_path: Path) -> dict[str, object]:
    """An open category for the rush, fresh verified accounts for it, and the ids to visit."""
    os.environ.update(env)
    from esof import create_app
    from esof.accounts.models import Role, User, UserRole
    from esof.extensions import db
    from esof.programme.models import ProgrammeSession, PublishedSession, ScheduleVersion
    from esof.registration.models import Attendance, RegistrationCategory

    app = create_app()
    with app.app_context():
        now = datetime.now(UTC)
        shared_hash = db.session.scalar(sa.select(User.password_hash).where(User.email == "delegate1@example.org"))
        db.session.add(RegistrationCategory(
            code=RUSH_CATEGORY, name="Bench rush", name_nl="Bench-drukte", description="", fee_cents=0,
            opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=30), capacity=RUSH_PLACES,
            confirmed_count=0, moderated=False, attendance=Attendance.ONLINE, badge_colour="#000000",
        ))
        emails = [f"rush{n}@example.org" for n in range(1, RUSH_ACCOUNTS + 1)]
        db.session.execute(sa.insert(User), [
            {"email": e, "password_hash": shared_hash, "display_name": e, "language": "en",
             "email_verified_at": now, "login_nonce": uuid.uuid4().hex[:16], "is_active_account": True,
             "created_at": now} for e in emails])
        ids = db.session.scalars(sa.select(User.id).where(User.email.in_(emails))).all()
        db.session.execute(sa.insert(UserRole), [{"user_id": i, "role": Role.DELEGATE} for i in ids])
        db.session.commit()
        latest = db.session.scalar(sa.select(sa.func.max(ScheduleVersion.id)))
        published = sa.select(PublishedSession.session_id, PublishedSession.starts_at).where(
            PublishedSession.version_id == latest)
        rows = db.session.execute(published).all()
        bookable = db.session.scalars(
            sa.select(PublishedSession.session_id).join(ProgrammeSession,
                                                        ProgrammeSession.id == PublishedSession.session_id)
            .where(PublishedSession.version_id == latest, ProgrammeSession.needs_booking)).all()
        delegates = db.session.scalars(sa.select(User.email).where(User.email.like("delegate%@example.org"))
                                       .order_by(User.id).limit(2000)).all()
        db.engine.dispose()
    plan = {
        "password": DEMO_PASSWORD, "rush_category": RUSH_CATEGORY, "rush_accounts": emails,
        "sessions": [r[0] for r in rows], "bookable": list(bookable), "delegates": list(delegates),
        "days": sorted({r[1].astimezone(UTC).date().isoformat() for r in rows}),
    }
    plan_path.write_text(json.dumps(plan))
    return plan


def invariants(database_url: str) -> list[str]:
    """After the run: no session above its capacity, no category above its places."""
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        confirmed = ("(SELECT session_id, count(*) AS n FROM booking WHERE status = 'confirmed' "
                     "GROUP BY session_id) c ")
        overbooked = conn.scalar(sa.text(
            f"SELECT count(*) FROM {confirmed}"
            "JOIN published_session p ON p.session_id = c.session_id "
            "AND p.version_id = (SELECT max(id) FROM schedule_version) "
            "JOIN room r ON r.id = p.room_id JOIN programme_session s ON s.id = c.session_id "
            "WHERE c.n > LEAST(r.capacity, COALESCE(s.booking_cap, r.capacity))"))
        miscounted = conn.scalar(sa.text(
            f"SELECT count(*) FROM session_seats s LEFT JOIN {confirmed}ON c.session_id = s.session_id "
            "WHERE s.confirmed_count <> COALESCE(c.n, 0)"))
        overfull = conn.scalar(sa.text(
            "SELECT count(*) FROM registration_category WHERE capacity IS NOT NULL AND confirmed_count > capacity"))
        rush = conn.execute(sa.text(
            "SELECT r.status, count(*) FROM registration r JOIN registration_category c ON c.id = r.category_id "
            "WHERE c.code = :code GROUP BY r.status"), {"code": RUSH_CATEGORY}).all()
    engine.dispose()
    return [
        f"sessions with more confirmed bookings than seats: {overbooked}",
        f"seat counters that differ from the confirmed bookings: {miscounted}",
        f"categories above their places: {overfull}",
        "rush category: " + ", ".join(f"{status} {n}" for status, n in sorted(rush, key=str)),
    ]


def summary_table(stats_csv: Path) -> str:
    rows = [r for r in csv.DictReader(stats_csv.open()) if r["Name"] != "Aggregated"]
    baseline = next(r for r in rows if r["Name"] == "/livez")
    base = float(baseline["50%"]) or 1.0
    lines = ["| request | count | failures | req/s | p50 ms | p95 ms | p99 ms | p50 / baseline p50 |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    rows.sort(key=lambda r: (r["Name"] != "/livez", float(r["50%"])))
    for r in rows:
        lines.append(f"| {r['Type']} {r['Name']} | {r['Request Count']} | {r['Failure Count']} | "
                     f"{float(r['Requests/s']):.1f} | {r['50%']} | {r['95%']} | {r['99%']} | "
                     f"{float(r['50%']) / base:.1f} |")
    total = next(r for r in csv.DictReader(stats_csv.open()) if r["Name"] == "Aggregated")
    lines.append(f"| **all** | {total['Request Count']} | {total['Failure Count']} | "
                 f"{float(total['Requests/s']):.1f} | {total['50%']} | {total['95%']} | {total['99%']} | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=60, help="how long Locust runs")
    parser.add_argument("--users", type=int, default=20, help="simultaneous simulated people")
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: gunicorn.conf.py)")
    args = parser.parse_args(argv)

    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    prefix = RESULTS / f"mixed-{stamp}"
    with ExitStack() as stack:
        database_url = stack.enter_context(fresh_database())
        redis_url = stack.enter_context(redis_server())
        env = environment(database_url, redis_url)
        print("Migrating and loading the full demo data ...", flush=True)
        flask(env, "db", "upgrade", "heads")
        flask(env, "demo-data")
        plan = prepare(env, prefix.with_suffix(".plan.json"))

        port = free_port()
        server_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": ""}
        if args.workers:
            server_env["WEB_CONCURRENCY"] = str(args.workers)
        server = subprocess.Popen([PYTHON, "-m", "gunicorn", "-c", str(REPO / "gunicorn.conf.py")], cwd=REPO,
                                  env=server_env, stdout=subprocess.DEVNULL,
                                  stderr=prefix.with_suffix(".gunicorn.log").open("w"))
        stack.callback(stop, server)
        wait_for(f"http://127.0.0.1:{port}/livez")
        print(f"Locust: {args.users} users for {args.seconds} s against 127.0.0.1:{port} ...", flush=True)
        subprocess.run(
            [PYTHON, "-m", "locust", "-f", str(REPO / "bench" / "locustfile.py"), "--headless",
             "--host", f"http://127.0.0.1:{port}", "-u", str(args.users), "-r", str(args.spawn_rate),
             "-t", f"{args.seconds}s", "--stop-timeout", "10", "--csv", str(prefix), "--only-summary",
             "--loglevel", "WARNING"],
            cwd=REPO, env={**os.environ, "ESOF_BENCH_PLAN": str(prefix.with_suffix(".plan.json"))},
            check=False, stdout=subprocess.DEVNULL, stderr=prefix.with_suffix(".locust.log").open("w"),
        )
        stop(server)
        checks = invariants(database_url)

    workers = args.workers or "gunicorn.conf.py default"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                            text=True).stdout.strip()
    report = "\n".join([
        f"# Mixed load, {stamp}",
        "",
        f"{args.users} simulated people (weights: baseline 1, programme browsing 4, feed polling 3, "
        f"registration rush 2, seat booking 2), {args.seconds} s, one gunicorn ({workers} workers) on "
        f"PostgreSQL with the full demo data ({len(plan['sessions'])} published sessions, "
        f"{len(plan['bookable'])} need booking), Redis: {'yes' if redis_url else 'no'}. "
        f"Machine: {os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}; "
        f"commit {commit}. Locust runs on the same machine.",
        "",
        summary_table(Path(f"{prefix}_stats.csv")),
        "",
        "After the run: " + "; ".join(checks) + ".",
        "",
    ])
    prefix.with_suffix(".md").write_text(report)
    print(report)
    print(f"Written to {prefix.with_suffix('.md').relative_to(REPO)}")
