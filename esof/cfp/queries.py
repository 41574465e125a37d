"""Reads of the call for sessions: the reviewer's queue, the organisers' ranked list, a
speaker's own proposals, one proposal with its reviews. Each list is a fixed number of
statements whatever the number of proposals: scores are aggregated in SQL, relations eager-loaded."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, selectinload

from esof.accounts.models import User
from esof.cfp.call import Criterion
from esof.cfp.invitations import ANSWERABLE
from esof.cfp.models import Proposal, ProposalSpeaker, ProposalState, Review, ReviewConflict, SpeakerStatus
from esof.cfp.states import REVIEWABLE
from esof.extensions import db
from esof.programme.models import SessionFormat, Track

SORTS = ("score", "reviews", "title", "newest")
# A page of a list: 100 lines by default; the committee may ask for more (up to every proposal).
PER_PAGE = 100
PAGE_SIZES = (50, 100, 250, 1000)
T = TypeVar("T")


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
    page: int = 1
    per_page: int = PER_PAGE

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
            page=max(int(page), 1) if (page := args.get("page", "")).isdigit() else 1,
            per_page=int(size) if (size := args.get("per_page", "")) in {str(n) for n in PAGE_SIZES} else PER_PAGE,
        )

    def to_args(self) -> dict[str, str]:
        found = {"track": str(self.track_id or ""), "format": self.format.value if self.format else "",
                 "state": self.state.value if self.state else "", "unreviewed": "1" if self.unreviewed else "",
                 "sort": "" if self.sort == "score" else self.sort,
                 "per_page": "" if self.per_page == PER_PAGE else str(self.per_page)}
        return {key: value for key, value in found.items() if value}

    def page_args(self, page: int) -> dict[str, str]:
        return {**self.to_args(), **({"page": str(page)} if page > 1 else {})}

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
    """A line of the reviewer's queue: plain columns, no ORM objects (600 of them cost more than
    the rest of the page)."""

    id: int
    title: str
    format: SessionFormat
    track_id: int | None
    language: str
    my_score: int | None
    review_count: int


@dataclass(frozen=True)
class RankedRow:
    """A line of the organisers' list: plain columns, its scores and its speakers' names."""

    id: int
    title: str
    format: SessionFormat | None
    track_id: int | None
    state: ProposalState
    version: int
    scores: Scores
    speakers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int
    done: int = 0  # the reviewer's queue: how many of `total` they have scored

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


LIST_COLUMNS = (Proposal.id, Proposal.title, Proposal.format, Proposal.track_id)


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


def review_queue(reviewer: User, proposal_filter: ProposalFilter = ProposalFilter()) -> Page[QueueRow]:
    """Proposals open for review, without the reviewer's own and those they declared a conflict
    for: the ones they have not scored first, then the least reviewed. Two statements: how many
    (and how many scored), and the page."""
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
    def queue(stmt: sa.Select[Any]) -> sa.Select[Any]:
        stmt = proposal_filter.apply(
            stmt.outerjoin(mine, sa.and_(mine.proposal_id == Proposal.id, mine.reviewer_id == reviewer.id))
            .where(Proposal.state.in_(REVIEWABLE), ~own, ~conflicted)
        )
        return stmt.where(mine.id.is_(None)) if proposal_filter.unreviewed else stmt

    total, done = db.session.execute(queue(sa.select(sa.func.count(Proposal.id), sa.func.count(mine.id)))).one()
    stmt = (
        queue(sa.select(*LIST_COLUMNS, Proposal.language, mine.score, count))
        .outerjoin(counts, counts.c.proposal_id == Proposal.id)
        .order_by(mine.id.is_not(None), count, Proposal.id)
        .limit(proposal_filter.per_page).offset((proposal_filter.page - 1) * proposal_filter.per_page)
    )
    items = [QueueRow(*row) for row in db.session.execute(stmt)]
    return Page(items, total, proposal_filter.page, proposal_filter.per_page, done)


def _listed(stmt: sa.Select[Any], proposal_filter: ProposalFilter) -> sa.Select[Any]:
    stmt = proposal_filter.apply(stmt)
    return stmt.where(Proposal.state != ProposalState.DRAFT) if proposal_filter.state is None else stmt


def ranked_proposals(proposal_filter: ProposalFilter = ProposalFilter()) -> Page[RankedRow]:
    """The organisers' list: every proposal sent in (drafts only when asked for), with its scores.
    Three statements: how many, the page of proposals with their totals, their speakers' names."""
    totals = _score_totals()
    stmt = _listed(
        sa.select(*LIST_COLUMNS, Proposal.state, Proposal.version,
                  totals.c.n, totals.c.mean, totals.c.mean_square, totals.c.low, totals.c.high)
        .outerjoin(totals, totals.c.proposal_id == Proposal.id),
        proposal_filter,
    )
    order = {
        "score": (totals.c.mean.is_(None), totals.c.mean.desc(), totals.c.n.desc(), Proposal.id),
        "reviews": (sa.func.coalesce(totals.c.n, 0), Proposal.id),
        "title": (sa.func.lower(Proposal.title), Proposal.id),
        "newest": (Proposal.submitted_at.desc(), Proposal.id.desc()),
    }[proposal_filter.sort]
    total = db.session.scalar(_listed(sa.select(sa.func.count(Proposal.id)), proposal_filter)) or 0
    rows = db.session.execute(
        stmt.order_by(*order)
        .limit(proposal_filter.per_page).offset((proposal_filter.page - 1) * proposal_filter.per_page)
    ).all()
    names: dict[int, list[str]] = {}
    for proposal_id, name, email in db.session.execute(
        sa.select(ProposalSpeaker.proposal_id, User.display_name, ProposalSpeaker.email)
        .outerjoin(User, User.id == ProposalSpeaker.user_id)
        .where(ProposalSpeaker.status == SpeakerStatus.ACCEPTED, ProposalSpeaker.proposal_id.in_([r[0] for r in rows]))
        .order_by(ProposalSpeaker.proposal_id, ProposalSpeaker.position)
    ):
        names.setdefault(proposal_id, []).append(name or email)
    items = [
        RankedRow(pid, title, format_, track_id, state, version, Scores.from_row(n, mean, square, low, high),
                  tuple(names.get(pid, ())))
        for pid, title, format_, track_id, state, version, n, mean, square, low, high in rows
    ]
    return Page(items, total, proposal_filter.page, proposal_filter.per_page)


def track_names(language: str) -> dict[int, str]:
    """Every track's name in the language (Dutch where it has one), for lists that show many."""
    return {
        track_id: name_nl if language == "nl" and name_nl else name
        for track_id, name, name_nl in db.session.execute(sa.select(Track.id, Track.name, Track.name_nl))
    }


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
    """Invitations to the user's address still waiting for an answer (none before the address
    is confirmed: the page hands out the links)."""
    if not user.is_verified:
        return []
    return list(db.session.scalars(
        sa.select(ProposalSpeaker)
        .join(ProposalSpeaker.proposal)
        .where(ProposalSpeaker.email == user.email, ProposalSpeaker.status == SpeakerStatus.INVITED,
               ProposalSpeaker.is_submitter.is_(False), ProposalSpeaker.invited_at.is_not(None),
               Proposal.state.in_(ANSWERABLE))
        .options(joinedload(ProposalSpeaker.proposal).joinedload(Proposal.submitter))
        .order_by(ProposalSpeaker.invited_at.desc())
    ))
