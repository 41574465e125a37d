"""Announcements (mail to delegates), their recipients and the opt-out from them."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from esof.accounts.models import User
from esof.db import enum_type, utcnow
from esof.extensions import Model


class AnnouncementState(enum.StrEnum):
    # Recipients are fixed; their mails are being put into the outbox, batch by batch.
    QUEUEING = "queueing"
    # Every recipient's mail is in the outbox; the outbox delivers them.
    QUEUED = "queued"


class Announcement(Model):
    __tablename__ = "announcement"
    __table_args__ = (
        sa.CheckConstraint("recipient_count >= 0", name="recipient_count_not_negative"),
        sa.CheckConstraint("queued_count >= 0 AND queued_count <= recipient_count", name="queued_within_recipients"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_en: Mapped[str] = mapped_column(sa.String(200))
    body_en: Mapped[str] = mapped_column(sa.Text)
    subject_nl: Mapped[str] = mapped_column(sa.String(200))
    body_nl: Mapped[str] = mapped_column(sa.Text)
    # The segment as chosen (ids and codes), so the page can say who it went to.
    segment: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    state: Mapped[AnnouncementState] = mapped_column(
        enum_type(AnnouncementState, "state"), default=AnnouncementState.QUEUEING
    )
    recipient_count: Mapped[int] = mapped_column(default=0)
    queued_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # The resumable cursor: every recipient row with an id up to this one has its mail queued.
    # A batch moves it in the same transaction as its mails, so a crash loses no place.
    queue_cursor: Mapped[int] = mapped_column(default=0, server_default="0")
    # Written first by every batch: the write takes the row (PostgreSQL) or the database
    # (SQLite) before anything is read, so two queueing processes take turns, never overlap.
    batch_started_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    queued_at: Mapped[datetime | None]

    created_by: Mapped[User | None] = relationship()


class AnnouncementRecipient(Model):
    """One row per person an announcement goes to, fixed when it is confirmed."""

    __tablename__ = "announcement_recipient"
    __table_args__ = (
        # Never twice: one row per announcement and account, one outbox message per row.
        sa.UniqueConstraint("announcement_id", "user_id", name="uq_announcement_recipient_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(sa.ForeignKey("announcement.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    outbox_message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outbox_message.id", ondelete="SET NULL"), unique=True
    )


class AnnouncementOptOut(Model):
    """Someone who wants no more announcements; service mail still reaches them."""

    __tablename__ = "announcement_opt_out"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Where it was asked for: "link" (the mail's unsubscribe link) or "account" (the account page).
    source: Mapped[str] = mapped_column(sa.String(20), default="link")
