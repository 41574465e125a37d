"""The call for sessions: the call itself, proposals with their speakers, reviews and conflicts.

One call (the row with id 1) says when proposals may be sent, which formats and tracks are
offered, the guidance, the review criteria and the texts of the decision mails. A proposal
belongs to the account that submitted it; its co-speakers are invited by email address and
answer through a signed link. Reviewers score proposals on an overall score and on the
call's criteria; an accepted proposal becomes a draft programme session (``session_id``).
"""
from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from esof.accounts.models import User
from esof.db import enum_type, utcnow
from esof.extensions import Model
from esof.programme.models import SessionFormat, Track

SCORE_MIN = 1
SCORE_MAX = 5
SCORE_RANGE = f"score BETWEEN {SCORE_MIN} AND {SCORE_MAX}"
THE_CALL_ID = 1


class ProposalState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WAITLISTED = "waitlisted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class SpeakerStatus(enum.StrEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"


def new_nonce() -> str:
    return secrets.token_hex(8)


class CallForSessions(Model):
    """The one call of the conference; a second row is refused by the database."""

    __tablename__ = "cfp_call"
    __table_args__ = (
        sa.CheckConstraint(f"id = {THE_CALL_ID}", name="one_call"),
        sa.CheckConstraint("closes_at > opens_at", name="closes_after_opens"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=THE_CALL_ID)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    # SessionFormat values offered to submitters; never "keynote" (by invitation only).
    formats: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    # Markdown sources, rendered and sanitised when shown.
    guidance_en: Mapped[str] = mapped_column(sa.Text, default="")
    guidance_nl: Mapped[str] = mapped_column(sa.Text, default="")
    # [{"key": "relevance", "en": "Relevance to the theme", "nl": "Relevantie voor het thema"}, ...]
    criteria: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    reviewing_open: Mapped[bool] = mapped_column(default=True)
    # {"accepted": {"en": {"subject": ..., "body": ...}, "nl": {...}}, "rejected": ..., "waitlisted": ...}
    decision_texts: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    track_links: Mapped[list[CallTrack]] = relationship(
        back_populates="call", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def track_ids(self) -> list[int]:
        return [link.track_id for link in self.track_links]


class CallTrack(Model):
    """A track the call offers."""

    __tablename__ = "cfp_call_track"

    call_id: Mapped[int] = mapped_column(sa.ForeignKey("cfp_call.id", ondelete="CASCADE"), primary_key=True)
    track_id: Mapped[int] = mapped_column(sa.ForeignKey("track.id", ondelete="CASCADE"), primary_key=True)

    call: Mapped[CallForSessions] = relationship(back_populates="track_links")
    track: Mapped[Track] = relationship(lazy="joined")


class Proposal(Model):
    __tablename__ = "cfp_proposal"
    __table_args__ = (
        sa.CheckConstraint("format IS NULL OR format <> 'keynote'", name="keynote_by_invitation"),
        sa.CheckConstraint("expected_audience >= 0", name="audience_not_negative"),
        # Only a draft (or a withdrawn draft) may lack its title, abstract or format.
        sa.CheckConstraint(
            "state IN ('draft', 'withdrawn') OR (title <> '' AND abstract <> '' AND format IS NOT NULL)",
            name="complete_unless_draft",
        ),
        sa.Index("ix_cfp_proposal_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[ProposalState] = mapped_column(
        enum_type(ProposalState, "state"), default=ProposalState.DRAFT
    )
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    abstract: Mapped[str] = mapped_column(sa.Text, default="")
    title_nl: Mapped[str] = mapped_column(sa.String(300), default="")
    abstract_nl: Mapped[str] = mapped_column(sa.Text, default="")
    format: Mapped[SessionFormat | None] = mapped_column(enum_type(SessionFormat, "format"))
    track_id: Mapped[int | None] = mapped_column(sa.ForeignKey("track.id", ondelete="SET NULL"), index=True)
    language: Mapped[str] = mapped_column(sa.String(2), default="en")
    expected_audience: Mapped[int] = mapped_column(default=0)
    needs_step_free: Mapped[bool] = mapped_column(default=False)
    needs_streaming: Mapped[bool] = mapped_column(default=False)
    equipment: Mapped[str] = mapped_column(sa.String(500), default="")
    submitter_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    # The draft programme session an acceptance made.
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("programme_session.id", ondelete="SET NULL"), unique=True
    )
    # Optimistic concurrency: every ORM UPDATE is "WHERE id = ? AND version = ?", and every
    # state change (decision, withdrawal) is one conditional UPDATE that raises the version,
    # so a page that shows a version decides about exactly what it showed.
    version: Mapped[int] = mapped_column(server_default="1")

    __mapper_args__ = {"version_id_col": version}

    track: Mapped[Track | None] = relationship()
    submitter: Mapped[User | None] = relationship(foreign_keys=[submitter_id])
    speakers: Mapped[list[ProposalSpeaker]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="ProposalSpeaker.position"
    )

    def title_in(self, language: str) -> str:
        return self.title_nl if language == "nl" and self.title_nl else self.title

    def abstract_in(self, language: str) -> str:
        return self.abstract_nl if language == "nl" and self.abstract_nl else self.abstract

    @property
    def co_speakers(self) -> list[ProposalSpeaker]:
        return [s for s in self.speakers if not s.is_submitter]

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.state.value} {self.title!r}>"


class ProposalSpeaker(Model):
    """The submitter (accepted from the start) or a co-speaker invited by email address."""

    __tablename__ = "cfp_speaker"
    __table_args__ = (
        sa.UniqueConstraint("proposal_id", "email"),
        sa.UniqueConstraint("proposal_id", "user_id"),
        sa.Index(
            "uq_cfp_speaker_one_submitter", "proposal_id", unique=True,
            postgresql_where=sa.text("is_submitter"), sqlite_where=sa.text("is_submitter"),
        ),
        sa.Index("ix_cfp_speaker_email", "email"),
        sa.Index("ix_cfp_speaker_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("cfp_proposal.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(sa.String(254))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    is_submitter: Mapped[bool] = mapped_column(default=False)
    status: Mapped[SpeakerStatus] = mapped_column(
        enum_type(SpeakerStatus, "status"), default=SpeakerStatus.INVITED
    )
    position: Mapped[int] = mapped_column(default=0)
    # Part of the invitation link: a new invitation (or removing the address) voids the old link.
    nonce: Mapped[str] = mapped_column(sa.String(16), default=new_nonce)
    invited_at: Mapped[datetime | None]  # None: not mailed yet (the proposal is a draft)
    answered_at: Mapped[datetime | None]

    proposal: Mapped[Proposal] = relationship(back_populates="speakers")
    user: Mapped[User | None] = relationship()

    @property
    def name(self) -> str:
        return (self.user.display_name if self.user is not None else "") or self.email


class Review(Model):
    """One reviewer's assessment of one proposal: an overall score, criteria scores, a comment."""

    __tablename__ = "cfp_review"
    __table_args__ = (
        sa.UniqueConstraint("proposal_id", "reviewer_id"),
        sa.CheckConstraint(SCORE_RANGE, name="score_range"),
        sa.Index("ix_cfp_review_reviewer_id", "reviewer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("cfp_proposal.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    reviewer: Mapped[User] = relationship()
    criterion_scores: Mapped[list[ReviewScore]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewScore.criterion"
    )

    @property
    def scores_by_criterion(self) -> dict[str, int]:
        return {row.criterion: row.score for row in self.criterion_scores}


class ReviewScore(Model):
    __tablename__ = "cfp_review_score"
    __table_args__ = (sa.CheckConstraint(SCORE_RANGE, name="score_range"),)

    review_id: Mapped[int] = mapped_column(sa.ForeignKey("cfp_review.id", ondelete="CASCADE"), primary_key=True)
    criterion: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    score: Mapped[int]

    review: Mapped[Review] = relationship(back_populates="criterion_scores")


class ReviewConflict(Model):
    """A reviewer's declared conflict of interest: the proposal leaves their queue and scores."""

    __tablename__ = "cfp_review_conflict"

    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("cfp_proposal.id", ondelete="CASCADE"), primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)
