"""Reviewing: who may score which proposal, the scores themselves, conflicts of interest and
what a reviewer may see of the others' reviews.

A reviewer never scores a proposal they speak in (as submitter or invited co-speaker) nor
one they declared a conflict for; declaring one removes their review. Other reviewers' scores
stay hidden from a reviewer until they have scored the proposal themselves (as pretalx does),
so the first impression is their own. Functions flush, never commit.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from esof.accounts.models import Role, User
from esof.accounts.services import record_audit
from esof.cfp.call import criteria_of, the_call
from esof.cfp.errors import (
    ConflictDeclared,
    NotReviewable,
    OwnProposal,
    ProposalInputRejected,
    ReviewingClosed,
)
from esof.cfp.models import (
    SCORE_MAX,
    SCORE_MIN,
    Proposal,
    ProposalState,
    Review,
    ReviewConflict,
    ReviewScore,
    SpeakerStatus,
)
from esof.cfp.states import REVIEWABLE
from esof.db import utcnow
from esof.errors import PermissionDenied
from esof.extensions import db


@dataclass(kw_only=True)
class ReviewInput:
    score: int | None
    criteria: Mapping[str, int | None] = field(default_factory=dict)
    comment: str = ""


def can_review(user: User) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.REVIEWER))


def ensure_can_review(user: User) -> None:
    if not can_review(user):
        raise PermissionDenied()


def is_speaker_of(user: User, proposal: Proposal) -> bool:
    """Submitter, accepted co-speaker, or invited at the user's address (not yet answered) —
    the address counts only once its owner confirmed it."""
    return any(
        (s.user_id == user.id or (user.is_verified and s.email == user.email))
        and s.status is not SpeakerStatus.DECLINED
        for s in proposal.speakers
    )


def has_conflict(user: User, proposal: Proposal) -> bool:
    return db.session.get(ReviewConflict, (proposal.id, user.id)) is not None


def review_of(user: User, proposal: Proposal) -> Review | None:
    return db.session.scalar(
        sa.select(Review).where(Review.proposal_id == proposal.id, Review.reviewer_id == user.id)
    )


def ensure_may_score(user: User, proposal: Proposal) -> None:
    ensure_can_review(user)
    if not the_call().reviewing_open:
        raise ReviewingClosed()
    if proposal.state not in REVIEWABLE:
        raise NotReviewable()
    if is_speaker_of(user, proposal):
        raise OwnProposal()
    if has_conflict(user, proposal):
        raise ConflictDeclared()


def _check_score(value: int | None, field_name: str) -> int:
    if value is None or not SCORE_MIN <= value <= SCORE_MAX:
        raise ProposalInputRejected(
            _l("Give a score from %(low)d to %(high)d.", low=SCORE_MIN, high=SCORE_MAX), field_name
        )
    return value


def save_review(*, proposal: Proposal, reviewer: User, data: ReviewInput) -> Review:
    """Create or change the reviewer's one review of the proposal."""
    ensure_may_score(reviewer, proposal)
    score = _check_score(data.score, "score")
    criteria = criteria_of(the_call())
    scores = {c.key: _check_score(data.criteria.get(c.key), f"score_{c.key}") for c in criteria}
    review = review_of(reviewer, proposal)
    if review is None:
        review = Review(proposal_id=proposal.id, reviewer_id=reviewer.id, score=score)
        try:
            with db.session.begin_nested():
                db.session.add(review)
                db.session.flush()
        except sa.exc.IntegrityError:  # the same reviewer saved from another tab at this moment
            review = review_of(reviewer, proposal)
            assert review is not None
    review.score = score
    review.comment = data.comment.strip()[:5000]
    review.updated_at = utcnow()
    existing = {row.criterion: row for row in review.criterion_scores}
    for key, value in scores.items():
        if key in existing:
            existing[key].score = value
        else:
            review.criterion_scores.append(ReviewScore(criterion=key, score=value))
    db.session.flush()
    return review


def declare_conflict(*, proposal: Proposal, reviewer: User) -> ReviewConflict:
    """The proposal leaves the reviewer's queue, and their review (if any) leaves the scores."""
    ensure_can_review(reviewer)
    conflict = db.session.get(ReviewConflict, (proposal.id, reviewer.id))
    if conflict is None:
        conflict = ReviewConflict(proposal_id=proposal.id, reviewer_id=reviewer.id)
        db.session.add(conflict)
    db.session.execute(
        sa.delete(Review).where(Review.proposal_id == proposal.id, Review.reviewer_id == reviewer.id)
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()
    record_audit(reviewer, "declare-review-conflict", proposal)
    return conflict


def withdraw_conflict(*, proposal: Proposal, reviewer: User) -> None:
    ensure_can_review(reviewer)
    db.session.execute(
        sa.delete(ReviewConflict)
        .where(ReviewConflict.proposal_id == proposal.id, ReviewConflict.reviewer_id == reviewer.id)
        .execution_options(synchronize_session="fetch")
    )
    record_audit(reviewer, "withdraw-review-conflict", proposal)


def may_see_other_reviews(user: User, proposal: Proposal) -> bool:
    """Organisers always; a reviewer once they have scored the proposal themselves."""
    if user.has_role(Role.ORGANISER):
        return True
    return can_review(user) and review_of(user, proposal) is not None


def can_view_proposal(user: User, proposal: Proposal) -> bool:
    """Its speakers (invited ones too), organisers, and reviewers once it is submitted."""
    if not user.is_authenticated:
        return False
    if user.has_role(Role.ORGANISER) or is_speaker_of(user, proposal):
        return True
    # Never a draft, also not one withdrawn before it was submitted.
    return can_review(user) and proposal.state is not ProposalState.DRAFT and proposal.submitted_at is not None
