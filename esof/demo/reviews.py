"""Demo review: the programme committee (reviewer@example.org, reviewer2@example.org …), about
three reviews of every proposal the committee decided on, with the call's criteria scores and
comments, and a few declared conflicts of interest.

Scores scatter around each proposal's quality (cfp.QUALITY), so the accepted proposals score
higher on average than the waiting list, and it higher than the rejected ones. Reviewing stays
open for the waiting list: reviewer@example.org has scored all of it but 20 proposals (and
declared a conflict for one), so /review/ has work to try.
"""
from __future__ import annotations

from datetime import date, timedelta

from esof.accounts.models import AuditLog, Role
from esof.cfp.models import SCORE_MAX, SCORE_MIN, ProposalState, Review, ReviewConflict, ReviewScore
from esof.demo import data
from esof.demo.cfp import DECIDED_STATES, DemoCall
from esof.demo.context import DemoContext, insert_plain, insert_rows
from esof.demo.people import add_users, user_row

MAIN_REVIEWER = "reviewer@example.org"
JOINED = (date(2021, 12, 1), date(2021, 12, 15))
REVIEWING = (date(2022, 1, 17), date(2022, 2, 28))
QUEUE_LEFT = 20  # proposals of the waiting list reviewer@example.org has not scored yet
COMMENTED = 0.6


def build_committee(ctx: DemoContext) -> list[int]:
    """The reviewers' accounts (role reviewer), reviewer@example.org first."""
    rows = []
    for n in range(1, ctx.sizes.reviewers + 1):
        first, last = ctx.person_name(ctx.rng.choice(("dutch", "german", "french", "english")))
        language = "nl" if ctx.rng.random() < 0.3 and n > 1 else "en"  # reviewer@ reads English
        email = MAIN_REVIEWER if n == 1 else f"reviewer{n}@example.org"
        rows.append(user_row(ctx, email, f"{first} {last}", language, ctx.moment_between(*JOINED)))
    ids = add_users(ctx, rows, [(Role.REVIEWER,)] * len(rows))
    ctx.count("reviewers", len(ids))
    return ids


def score(ctx: DemoContext, quality: float, spread: float) -> int:
    return max(SCORE_MIN, min(SCORE_MAX, round(ctx.rng.gauss(quality, spread))))


def comment(ctx: DemoContext, overall: int) -> str:
    if ctx.rng.random() >= COMMENTED:
        return ""
    band = "low" if overall <= 2 else "middle" if overall == 3 else "high"
    return ctx.rng.choice(data.REVIEW_COMMENTS[band])


def build_reviews(ctx: DemoContext, call: DemoCall, committee: list[int]) -> None:
    """Reviews of every decided proposal (two to four, three mostly), conflicts of interest,
    and reviewer@example.org's queue with QUEUE_LEFT proposals still to score."""
    rng = ctx.rng
    main, others = committee[0], committee[1:]
    proposals = call.proposals
    waiting = [k for k, p in enumerate(proposals) if p.row["state"] is ProposalState.WAITLISTED]
    main_conflict = waiting[0] if len(waiting) > 2 else None
    todo = waiting[1:] if main_conflict is not None else waiting
    main_scored = set(todo[QUEUE_LEFT:])
    conflicts: set[tuple[int, int]] = {(main_conflict, main)} if main_conflict is not None else set()
    decided = [k for k, p in enumerate(proposals) if p.row["state"] in DECIDED_STATES]
    for k in rng.sample(decided, min(len(decided), max(1, len(proposals) // 120))):
        conflicts.add((k, rng.choice(others)))

    reviews, scores = [], []
    for k, proposal in enumerate(proposals):
        if proposal.row["state"] not in DECIDED_STATES:
            continue
        wanted = rng.choices((2, 3, 4), weights=(1, 8, 1))[0]
        chosen = [main] if k in main_scored else []
        pool = [r for r in (others if k in waiting else committee) if (k, r) not in conflicts and r not in chosen]
        chosen += rng.sample(pool, min(len(pool), wanted - len(chosen)))
        for reviewer in chosen:
            overall = score(ctx, proposal.quality, 0.6)
            created = ctx.moment_between(*REVIEWING)
            reviews.append({"proposal_id": proposal.id, "reviewer_id": reviewer, "score": overall,
                            "comment": comment(ctx, overall), "created_at": created,
                            "updated_at": created + timedelta(days=rng.choice((0, 0, 0, 1, 2, 5)))})
            scores.append({key: score(ctx, proposal.quality, 0.8) for key in call.criteria})
    review_ids = insert_rows(Review, reviews)
    insert_plain(ReviewScore, [
        {"review_id": review_id, "criterion": key, "score": value}
        for review_id, own in zip(review_ids, scores, strict=True) for key, value in own.items()
    ])
    declared = [
        {"proposal_id": proposals[k].id, "reviewer_id": reviewer, "declared_at": ctx.moment_between(*REVIEWING)}
        for k, reviewer in sorted(conflicts)
    ]
    insert_plain(ReviewConflict, declared)
    insert_plain(AuditLog, [{"actor_id": row["reviewer_id"], "action": "declare-review-conflict",
                             "target_type": "Proposal", "target_id": row["proposal_id"], "detail": {},
                             "created_at": row["declared_at"]} for row in declared])
    ctx.count("reviews", len(reviews))
    ctx.count("review criteria scores", sum(len(own) for own in scores))
    ctx.count("conflicts of interest", len(declared))
    ctx.count("proposals left for reviewer@example.org to score", len(todo) - len(main_scored))
