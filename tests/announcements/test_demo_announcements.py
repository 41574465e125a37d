"""The demo's two announcements of July 2022: sent through the services, counters equal to rows,
every mail delivered then, on the organisers' pages and in the audit log."""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask

from esof.accounts.models import AuditLog
from esof.announcements.models import Announcement, AnnouncementRecipient, AnnouncementState
from esof.extensions import db
from esof.mail.models import OutboxMessage
from tests.support import DEMO_PASSWORD, log_in

SMALL = ["--delegates", "120", "--sessions", "30", "--side-events", "10", "--partners", "3"]


def test_demo_data_holds_two_sent_announcements(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["demo-data", *SMALL, "--password", DEMO_PASSWORD])
    assert result.exit_code == 0, result.output
    db.session.remove()
    announcements = db.session.scalars(sa.select(Announcement).order_by(Announcement.id)).all()
    assert len(announcements) == 2
    zone = ZoneInfo("Europe/Amsterdam")
    for announcement in announcements:
        recipients = db.session.execute(
            sa.select(AnnouncementRecipient.outbox_message_id)
            .where(AnnouncementRecipient.announcement_id == announcement.id)
        ).scalars().all()
        assert announcement.state is AnnouncementState.QUEUED
        assert announcement.recipient_count == announcement.queued_count == len(recipients) > 0
        assert None not in recipients and len(set(recipients)) == len(recipients)
        sent = db.session.execute(sa.select(OutboxMessage.sent_at, OutboxMessage.created_at)
                                  .where(OutboxMessage.id.in_(recipients))).all()
        assert all(s is not None and s > c for s, c in sent)
        assert date(2022, 7, 1) <= announcement.created_at.astimezone(zone).date() <= date(2022, 7, 12)
        audit = db.session.scalars(sa.select(AuditLog).where(
            AuditLog.action == "announcement-sent", AuditLog.target_id == announcement.id)).one()
        assert audit.detail["recipients"] == announcement.recipient_count
    assert db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.sent_at.is_(None))) == 0

    client = app.test_client()
    log_in(client, "organiser@example.org")
    listing = client.get("/organiser/mail/announcements").get_data(as_text=True)
    assert "how to join the live streams" in listing and "slides and the speakers" in listing
    detail = client.get(f"/organiser/mail/{announcements[1].id}").get_data(as_text=True)
    assert f"<dt>Recipients</dt><dd>{announcements[1].recipient_count}</dd>" in detail
