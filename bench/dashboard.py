"""Organiser dashboard bench: /organiser/ (every tool link and nine server-drawn charts) on the
full demo data, through gunicorn on a fresh PostgreSQL database.

    .venv/bin/python -m bench.dashboard [--requests 200] [--workers 1]

1. creates a fresh PostgreSQL database (dropped at the end), migrates it and loads the full
   demo data (`flask demo-data --seed 2022`: 5,000 delegates, 300 sessions, 600 side events);
2. signs the log-in cookie of organiser@example.org with the server's SECRET_KEY;
3. starts gunicorn (ESOF_ENV=staging) on a free local port and GETs, one request at a time,
   /livez (the baseline, no database) and /organiser/, `requests` of each after a warm-up;
4. prints a Markdown table: p50, p95, p99 in ms, the p50 ratio to /livez and the answers.

The dashboard has no cache: each request reads the numbers afresh, so an organiser sees a
new registration on the next load. Only 127.0.0.1 is contacted; gunicorn is stopped by its pid.
"""
from __future__ import annotations

import argparse

import sqlalchemy as sa
from flask import session

from bench.common import BENCH_SECRET_KEY, app_environment, flask, fresh_postgres_database, gunicorn, hammer
from esof import create_app
from esof.accounts.models import User
from esof.extensions import db


def organiser_cookie(database_url: str) -> str:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": BENCH_SECRET_KEY,
                      "ESOF_BASE_URL": "http://127.0.0.1", "MAIL_SERVER": None})
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "organiser@example.org"))
        assert user is not None, "the demo data has no organiser@example.org"
        user_id, nonce = user.id, user.login_nonce
        db.engine.dispose()
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    with app.test_request_context("/"):
        session["_user_id"] = f"{user_id}:{nonce}"  # what Flask-Login's login_user stores
        session["_fresh"] = True
        return str(serializer.dumps(dict(session)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    with fresh_postgres_database("esof_bench_dashboard") as url:
        env = app_environment(url)
        flask(env, "db", "upgrade", "heads")
        flask(env, "demo-data", "--seed", "2022")
        headers = {"Cookie": f"session={organiser_cookie(url)}"}
        with gunicorn(env, workers=args.workers) as address:
            hammer(address, "/livez", name="warm-up", total=20, concurrency=1)
            hammer(address, "/organiser/", name="warm-up", total=10, concurrency=1, headers=headers)
            baseline = hammer(address, "/livez", name="/livez", total=args.requests, concurrency=1)
            page = hammer(address, "/organiser/", name="/organiser/", total=args.requests, concurrency=1,
                          headers=headers)
        print("| scenario | p50 ms | p95 ms | p99 ms | p50 ratio to /livez | statuses |")
        print("| --- | ---: | ---: | ---: | ---: | --- |")
        for result in (baseline, page):
            statuses = ", ".join(f"{k}×{v}" for k, v in sorted(result.statuses.items(), key=str))
            print(f"| {result.name} | {result.p50:.1f} | {result.percentile(95):.1f} | {result.percentile(99):.1f} "
                  f"| {result.p50 / baseline.p50:.1f}× | {statuses} |")


if __name__ == "__main__":
    main()
