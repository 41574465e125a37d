"""Call-for-sessions bench: the reviewer's queue and the organisers' ranked list with a full call,
through gunicorn on a fresh PostgreSQL database.

    .venv/bin/python bench/proposals.py [--proposals 600] [--people 900] [--reviews 3]
                                        [--requests 200] [--workers 2]

1. creates a fresh PostgreSQL database (dropped at the end) and migrates it (all heads);
2. opens a call with six tracks and two criteria, and fills it the way the demo can: `people`
   accounts in one INSERT, `proposals` submitted proposals (every third with an accepted
   co-speaker) and `reviews` reviews each from a committee of 12, with criteria scores, through
   esof.cfp.bulk (executemany INSERTs, no mails) - the time it takes is printed;
3. signs the log-in cookies of one reviewer and one organiser with the server's SECRET_KEY;
4. starts gunicorn (`workers` sync workers, ESOF_ENV=staging) on a free local port and GETs,
   one request at a time (latency is server time plus a local round trip): /livez (the
   baseline), /review/, /programme/organiser/proposals (a page of 100, the default), a filtered
   list, and both lists with every line on one page (?per_page=1000);
5. prints a Markdown table: p50, p95, p99 in ms and the answers by status.

Only 127.0.0.1 is ever contacted; gunicorn is stopped by its own pid.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from flask import session  # noqa: E402  (after the path is set)
from flask_migrate import upgrade  # noqa: E402

from bench.common import BENCH_SECRET_KEY, app_environment, fresh_postgres_database, gunicorn, hammer  # noqa: E402
from esof import create_app  # noqa: E402
from esof.accounts.models import Role, User  # noqa: E402
from esof.cfp import services  # noqa: E402
from esof.cfp.bulk import ProposalRow, ReviewRow, insert_proposals, insert_reviews  # noqa: E402
from esof.cfp.models import ProposalState  # noqa: E402
from esof.extensions import db  # noqa: E402
from esof.programme.models import Track  # noqa: E402

CRITERIA = (services.Criterion(key="relevance", en="Relevance to the theme", nl="Relevantie voor het thema"),
            services.Criterion(key="clarity", en="Clarity", nl="Helderheid"))
TRACKS = ("Health", "Climate", "Cities", "Democracy", "Oceans", "Digital")
TOPICS = ("Rivers without borders", "Science in the city", "Trust in experts", "Open data", "Light pollution",
          "Ageing well", "Microplastics", "Citizen science", "Energy transition", "Ethics of AI")


def seed(database_url: str, *, proposals: int, people: int, reviews: int) -> dict[str, object]:
    """Migrate and fill; returns the seconds taken and the signed cookies of a reviewer and an organiser."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": BENCH_SECRET_KEY,
                      "ESOF_BASE_URL": "http://127.0.0.1", "MAIL_SERVER": None})
    rng = random.Random(2022)
    with app.app_context():
        upgrade(revision="heads")
        started = time.perf_counter()
        now = datetime.now(UTC)
        organiser = User(email="organiser@example.org", display_name="Organiser", password_hash="!",
                         email_verified_at=now)
        organiser.add_role(Role.ORGANISER)
        committee = []
        for n in range(1, 13):
            reviewer = User(email=f"reviewer{n}@example.org", display_name=f"Reviewer {n}", password_hash="!",
                            email_verified_at=now)
            reviewer.add_role(Role.REVIEWER)
            committee.append(reviewer)
        tracks = [Track(slug=name.lower(), name=name) for name in TRACKS]
        db.session.add_all([organiser, *committee, *tracks])
        db.session.flush()
        services.save_call(data=services.CallInput(
            opens_at=now - timedelta(days=30), closes_at=now + timedelta(days=30),
            track_ids=[t.id for t in tracks], criteria=CRITERIA, guidance_en="Tell us why it matters.",
        ), actor=organiser)
        db.session.execute(sa.insert(User), [
            {"email": f"speaker{n}@example.org", "display_name": f"Speaker {n}", "password_hash": "!",
             "email_verified_at": now, "language": ("en", "nl")[n % 3 == 0], "login_nonce": f"{n:016d}",
             "is_active_account": True, "created_at": now}
            for n in range(1, people + 1)
        ])
        speakers = db.session.execute(
            sa.select(User.id, User.email).where(User.email.like("speaker%")).order_by(User.id)).all()
        formats = services.offered_formats(services.current_call())
        rows = []
        for n in range(proposals):
            submitter = speakers[n % len(speakers)]
            co = speakers[(n + proposals) % len(speakers)] if n % 3 == 0 and people > proposals else None
            rows.append(ProposalRow(
                title=f"{rng.choice(TOPICS)} ({n + 1})", abstract="What the session is about.",
                format=rng.choice(formats), track_id=rng.choice(tracks).id, submitter_id=submitter.id,
                submitter_email=submitter.email, state=ProposalState.SUBMITTED,
                co_speakers=[(co.email, co.id)] if co is not None and co.id != submitter.id else [],
            ))
        ids = insert_proposals(rows)
        insert_reviews([
            ReviewRow(proposal_id=pid, reviewer_id=reviewer.id, score=rng.randint(1, 5),
                      criteria={c.key: rng.randint(1, 5) for c in CRITERIA})
            for pid in ids for reviewer in rng.sample(committee, reviews)
        ])
        db.session.commit()
        seconds = time.perf_counter() - started
        logins = {"reviewer": (committee[0].id, committee[0].login_nonce),
                  "organiser": (organiser.id, organiser.login_nonce)}
        db.engine.dispose()
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    cookies = {}
    for who, (user_id, nonce) in logins.items():
        with app.test_request_context("/"):
            session["_user_id"] = f"{user_id}:{nonce}"  # what Flask-Login's login_user stores
            session["_fresh"] = True
            cookies[who] = serializer.dumps(dict(session))
    return {"seconds": seconds, "cookies": cookies}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--proposals", type=int, default=600)
    parser.add_argument("--people", type=int, default=900)
    parser.add_argument("--reviews", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with fresh_postgres_database("esof_bench_cfp") as url:
        seeded = seed(url, proposals=args.proposals, people=args.people, reviews=args.reviews)
        print(f"seeded {args.proposals} proposals from {args.people} people with {args.reviews} reviews each "
              f"in {seeded['seconds']:.2f} s (esof.cfp.bulk)")
        cookies = seeded["cookies"]
        scenarios = [
            ("baseline: /livez", "/livez", None),
            ("/review/ (100 lines)", "/review/", "reviewer"),
            ("/programme/organiser/proposals (100 lines)", "/programme/organiser/proposals", "organiser"),
            ("… ?track=1&format=panel&sort=reviews", "/programme/organiser/proposals?track=1&format=panel&sort=reviews",
             "organiser"),
            ("/review/?per_page=1000 (every line)", "/review/?per_page=1000", "reviewer"),
            ("/programme/organiser/proposals?per_page=1000 (every line)",
             "/programme/organiser/proposals?per_page=1000", "organiser"),
        ]
        with gunicorn(app_environment(url), workers=args.workers) as address:
            print("| scenario | p50 ms | p95 ms | p99 ms | statuses |")
            print("| --- | ---: | ---: | ---: | --- |")
            for name, path, who in scenarios:
                headers = {"Cookie": f"session={cookies[who]}"} if who else None  # type: ignore[index]
                hammer(address, path, name=name, total=10, concurrency=1, headers=headers)  # warm the workers
                result = hammer(address, path, name=name, total=args.requests, concurrency=1, headers=headers)
                statuses = ", ".join(f"{k}×{v}" for k, v in sorted(result.statuses.items(), key=str))
                print(f"| {name} | {result.p50:.1f} | {result.percentile(95):.1f} | {result.percentile(99):.1f} "
                      f"| {statuses} |")


if __name__ == "__main__":
    main()
