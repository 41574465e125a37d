"""The persistent mail outbox: a message is stored with the change that caused it."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from esof.db import utcnow
from esof.extensions import Model


class OutboxMessage(Model):
    __tablename__ = "outbox_message"
    __table_args__ = (
        sa.Index("ix_outbox_message_due", "sent_at", "next_attempt_at"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.CheckConstraint("message_failures >= 0", name="message_failures_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # RFC 5322 Message-ID, fixed when queued so a retried delivery is recognisably the same.
    message_id: Mapped[str] = mapped_column(sa.String(200), unique=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    language: Mapped[str] = mapped_column(sa.String(2), default="en")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Every delivery attempt, the server's outages included: it sets the back-off.
    attempts: Mapped[int] = mapped_column(default=0)
    # Only the attempts that failed because of this message (not of the server): these, never
    # an outage, lead to giving up, so a long outage delays mail and loses none.
    message_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    # A sender takes a message by committing a lease (its token and an expiry) before sending,
    # on both databases: unlike a row lock it survives a database restart mid-send; a crashed
    # sender's lease runs out and another sends it.
    claim_token: Mapped[str | None] = mapped_column(sa.String(32))
    claimed_until: Mapped[datetime | None]
