"""Reads of the call for sessions: the reviewer's queue, the organisers' ranked list, a
speaker's own proposals, one proposal with its reviews. Each list is a fixed number of
statements whatever the number of proposals: scores are aggregated in SQL, relations eager-loaded."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, selectinload

from esof.accounts.models import User
from esof.cfp.call import Criterion
from esof.cfp.invitations import ANSWERABLE
from esof.cfp.models import Proposal, ProposalSpeaker, ProposalState, Review, ReviewConflict, SpeakerStatus
from esof.cfp.states import REVIEWABLE
from esof.extensions import db
from esof.programme.models import SessionFormat

SORTS = ("score", "reviews", "title", "newest")


@dataclass(frozen=True)
class Scores:
    """The overall scores of a proposal: how many, mean, spread (standard deviation), range."""

    count: int = 0
    mean: float | None = None
    spread: float | None = None
    low: int | None = None
    high: int | None = None

    @classmethod
    def from_row(cls, count: Any, mean: Any, mean_square: Any, low: Any, high: Any) -> Scores:
        if not count:
            return cls()
        mean, mean_square = float(mean), float(mean_square)
        return cls(int(count), mean, math.sqrt(max(mean_square - mean * mean, 0.0)), int(low), int(high))

    @classmethod
    def of(cls, values: Sequence[int]) -> Scores:
        if not values:
            return cls()
        n = len(values)
        return cls.from_row(n, sum(values) / n, sum(v * v for v in values) / n, min(values), max(values))


@dataclass(frozen=True)
class ProposalFilter:
    track_id: int | None = None
    format: SessionFormat | None = None
    state: ProposalState | None = None
    unreviewed: bool = False  # the reviewer's queue: only those they have not scored
    sort: str = "score"

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ProposalFilter:
        """Values from a query string; one that means nothing is left out."""
        track = args.get("track", "")
        formats = {f.value for f in SessionFormat}
        states = {s.value for s in ProposalState}
        return cls(
            track_id=int(track) if track.isdigit() else None,
            format=SessionFormat(args["format"]) if args.get("format") in formats else None,
            state=ProposalState(args["state"]) if args.get("state") in states else None,
            unreviewed=args.get("unreviewed") == "1",
            sort=args.get("sort") if args.get("sort") in SORTS else "score",  # type: ignore[arg-type]
        )

    def to_args(self) -> dict[str, str]:
        found = {"track": str(self.track_id or ""), "format": self.format.value if self.format else "",
                 "state": self.state.value if self.state else "", "unreviewed": "1" if self.unreviewed else "",
                 "sort": "" if self.sort == "score" else self.sort}
        return {key: value for key, value in found.items() if value}

    def apply(self, stmt: sa.Select[Any]) -> sa.Select[Any]:
        if self.track_id:
            stmt = stmt.where(Proposal.track_id == self.track_id)
        if self.format:
            stmt = stmt.where(Proposal.format == self.format)
        if self.state:
            stmt = stmt.where(Proposal.state == self.state)
        return stmt


@dataclass(frozen=True)
class QueueRow:
    proposal: Proposal
    my_score: int | None
    review_count: int


@dataclass(frozen=True)
class RankedRow:
    proposal: Proposal
    scores: Scores


def _score_totals() -> sa.Subquery:
    return (
        sa.select(
            Review.proposal_id,
            sa.func.count(Review.id).label("n"),
            sa.func.avg(Review.score).label("mean"),
            sa.func.avg(Review.score * Review.score).label("mean_square"),
            sa.func.min(Review.score).label("low"),
            sa.func.max(Review.score).label("high"),
        )
        .group_by(Review.proposal_id)
        .subquery("score_totals")
    )


def review_queue(reviewer: User, proposal_filter: ProposalFilter = ProposalFilter()) -> list[QueueRow]:
    """Proposals open for review, without the reviewer's own and those they declared a conflict
    for: the ones they have not scored first, then the least reviewed. One statement."""
    mine = aliased(Review)
    counts = (
        sa.select(Review.proposal_id, sa.func.count(Review.id).label("n"))
        .group_by(Review.proposal_id).subquery("review_counts")
    )
    own = sa.exists().where(
        ProposalSpeaker.proposal_id == Proposal.id, ProposalSpeaker.status != SpeakerStatus.DECLINED,
        sa.or_(ProposalSpeaker.user_id == reviewer.id, ProposalSpeaker.email == reviewer.email),
    )
    conflicted = sa.exists().where(
        ReviewConflict.proposal_id == Proposal.id, ReviewConflict.reviewer_id == reviewer.id
    )
    count = sa.func.coalesce(counts.c.n, 0)
    stmt = (
        sa.select(Proposal, mine.score, count)
        .outerjoin(mine, sa.and_(mine.proposal_id == Proposal.id, mine.reviewer_id == reviewer.id))
        .outerjoin(counts, counts.c.proposal_id == Proposal.id)
        .where(Proposal.state.in_(REVIEWABLE), ~own, ~conflicted)
        .options(joinedload(Proposal.track))
        .order_by(mine.id.is_not(None), count, Proposal.id)
    )
    stmt = proposal_filter.apply(stmt)
    if proposal_filter.unreviewed:
        stmt = stmt.where(mine.id.is_(None))
    return [QueueRow(p, score, n) for p, score, n in db.session.execute(stmt)]


def ranked_proposals(proposal_filter: ProposalFilter = ProposalFilter()) -> list[RankedRow]:
    """The organisers' list: every proposal sent in (drafts only when asked for), with its scores.
    Two statements: the proposals with their totals, then their speakers."""
    totals = _score_totals()
    stmt = (
        sa.select(Proposal, totals.c.n, totals.c.mean, totals.c.mean_square, totals.c.low, totals.c.high)
        .outerjoin(totals, totals.c.proposal_id == Proposal.id)
        .options(joinedload(Proposal.track), selectinload(Proposal.speakers).joinedload(ProposalSpeaker.user))
    )
    stmt = proposal_filter.apply(stmt)
    if proposal_filter.state is None:
        stmt = stmt.where(Proposal.state != ProposalState.DRAFT)
    order = {
        "score": (totals.c.mean.is_(None), totals.c.mean.desc(), totals.c.n.desc(), Proposal.id),
        "reviews": (sa.func.coalesce(totals.c.n, 0), Proposal.id),
        "title": (sa.func.lower(Proposal.title), Proposal.id),
        "newest": (Proposal.submitted_at.desc(), Proposal.id.desc()),
    }[proposal_filter.sort]
    rows = db.session.execute(stmt.order_by(*order))
    return [RankedRow(p, Scores.from_row(n, mean, square, low, high)) for p, n, mean, square, low, high in rows]


def state_counts() -> dict[ProposalState, int]:
    rows = db.session.execute(sa.select(Proposal.state, sa.func.count(Proposal.id)).group_by(Proposal.state))
    return {row[0]: row[1] for row in rows}


def load_proposal(proposal_id: int) -> Proposal | None:
    return db.session.scalar(
        sa.select(Proposal).where(Proposal.id == proposal_id)
        .options(joinedload(Proposal.track), joinedload(Proposal.submitter),
                 selectinload(Proposal.speakers).joinedload(ProposalSpeaker.user))
    )


def reviews_of(proposal: Proposal) -> list[Review]:
    return list(db.session.scalars(
        sa.select(Review).where(Review.proposal_id == proposal.id)
        .options(joinedload(Review.reviewer), selectinload(Review.criterion_scores))
        .order_by(Review.created_at, Review.id)
    ))


def criterion_scores(reviews: Sequence[Review], criteria: Sequence[Criterion]) -> dict[str, Scores]:
    by_key: dict[str, list[int]] = {c.key: [] for c in criteria}
    for review in reviews:
        for key, value in review.scores_by_criterion.items():
            if key in by_key:
                by_key[key].append(value)
    return {key: Scores.of(values) for key, values in by_key.items()}


def proposals_of(user: User) -> list[Proposal]:
    """The proposals the user submitted or speaks in, newest first."""
    speaks = sa.select(ProposalSpeaker.proposal_id).where(
        ProposalSpeaker.user_id == user.id, ProposalSpeaker.status == SpeakerStatus.ACCEPTED
    )
    return list(db.session.scalars(
        sa.select(Proposal)
        .where(sa.or_(Proposal.submitter_id == user.id, Proposal.id.in_(speaks)))
        .options(joinedload(Proposal.track), selectinload(Proposal.speakers).joinedload(ProposalSpeaker.user))
        .order_by(Proposal.created_at.desc(), Proposal.id.desc())
    ).unique())


def invitations_for(user: User) -> list[ProposalSpeaker]:
    """Invitations to the user's address still waiting for an answer."""
    return list(db.session.scalars(
        sa.select(ProposalSpeaker)
        .join(ProposalSpeaker.proposal)
        .where(ProposalSpeaker.email == user.email, ProposalSpeaker.status == SpeakerStatus.INVITED,
               ProposalSpeaker.is_submitter.is_(False), ProposalSpeaker.invited_at.is_not(None),
               Proposal.state.in_(ANSWERABLE))
        .options(joinedload(ProposalSpeaker.proposal).joinedload(Proposal.submitter))
        .order_by(ProposalSpeaker.invited_at.desc())
    ))
