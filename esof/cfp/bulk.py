"""A fast path for demo data and benchmarks: many proposals, speakers and reviews in a few
executemany INSERTs, without mails, audit entries or the call's open window.

The rows must already obey the rules (the database still checks its own: one review per
reviewer and proposal, one speaker row per address, scores from 1 to 5, no keynotes).
Flushes, never commits.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from esof.cfp.models import (
    Proposal,
    ProposalSpeaker,
    ProposalState,
    Review,
    ReviewScore,
    SpeakerStatus,
    new_nonce,
)
from esof.db import utcnow
from esof.extensions import db
from esof.programme.models import SessionFormat


@dataclass(kw_only=True)
class ProposalRow:
    title: str
    abstract: str
    format: SessionFormat
    submitter_id: int
    submitter_email: str
    title_nl: str = ""
    abstract_nl: str = ""
    track_id: int | None = None
    language: str = "en"
    expected_audience: int = 0
    needs_step_free: bool = False
    needs_streaming: bool = False
    state: ProposalState = ProposalState.SUBMITTED
    submitted_at: datetime | None = None
    # (email, user id or None): co-speakers who accepted (with an account) or are still invited
    co_speakers: Sequence[tuple[str, int | None]] = ()


@dataclass(kw_only=True)
class ReviewRow:
    proposal_id: int
    reviewer_id: int
    score: int
    criteria: Mapping[str, int] = field(default_factory=dict)
    comment: str = ""


def insert_proposals(rows: Sequence[ProposalRow], *, now: datetime | None = None) -> list[int]:
    """Insert the proposals with their speakers; returns their ids in the order given."""
    now = now or utcnow()
    params = [
        {"state": row.state, "title": row.title, "abstract": row.abstract, "title_nl": row.title_nl,
         "abstract_nl": row.abstract_nl, "format": row.format, "track_id": row.track_id,
         "language": row.language, "expected_audience": row.expected_audience,
         "needs_step_free": row.needs_step_free, "needs_streaming": row.needs_streaming, "equipment": "",
         "submitter_id": row.submitter_id, "created_at": now, "updated_at": now,
         "submitted_at": row.submitted_at or (now if row.state is not ProposalState.DRAFT else None),
         "version": 1}
        for row in rows
    ]
    # One executemany INSERT ... RETURNING (batched by SQLAlchemy), ids in the order given.
    ids = list(db.session.scalars(sa.insert(Proposal).returning(Proposal.id, sort_by_parameter_order=True), params))
    speakers = []
    for proposal_id, row in zip(ids, rows, strict=True):
        speakers.append({"proposal_id": proposal_id, "email": row.submitter_email, "user_id": row.submitter_id,
                         "is_submitter": True, "status": SpeakerStatus.ACCEPTED, "position": 0,
                         "nonce": new_nonce(), "invited_at": None, "answered_at": now})
        for position, (email, user_id) in enumerate(row.co_speakers, start=1):
            speakers.append({"proposal_id": proposal_id, "email": email, "user_id": user_id, "is_submitter": False,
                             "status": SpeakerStatus.ACCEPTED if user_id else SpeakerStatus.INVITED,
                             "position": position, "nonce": new_nonce(), "invited_at": now,
                             "answered_at": now if user_id else None})
    if speakers:
        db.session.execute(sa.insert(ProposalSpeaker), speakers)
    return ids


def insert_reviews(rows: Sequence[ReviewRow], *, now: datetime | None = None) -> int:
    """Insert reviews and their criteria scores; returns how many reviews."""
    now = now or utcnow()
    params = [
        {"proposal_id": row.proposal_id, "reviewer_id": row.reviewer_id, "score": row.score,
         "comment": row.comment, "created_at": now, "updated_at": now}
        for row in rows
    ]
    review_ids = list(db.session.scalars(sa.insert(Review).returning(Review.id, sort_by_parameter_order=True), params))
    scores = [
        {"review_id": review_id, "criterion": key, "score": value}
        for review_id, row in zip(review_ids, rows, strict=True) for key, value in row.criteria.items()
    ]
    if scores:
        db.session.execute(sa.insert(ReviewScore), scores)
    db.session.flush()
    return len(review_ids)
