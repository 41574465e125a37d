"""The demo's mail to delegates: two announcements of July 2022, sent through the real services
(recipients fixed by the segment, one outbox message each, the audit entry), then dated as they
went out then, their mail delivered. Small segments (the speakers of one track, the online
delegates), so the demo's load stays quick; the organisers' list and progress pages show them.

Draws nothing from the random source: it comes last and changes no other part's rows.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from esof.accounts.models import AuditLog, User
from esof.announcements.models import Announcement, AnnouncementRecipient
from esof.announcements.queueing import BATCH_SIZE, MessageText, create_announcement, queue_batch
from esof.announcements.segment import EmptySegment, Segment
from esof.demo.context import DemoContext
from esof.extensions import db
from esof.mail.models import OutboxMessage

DELIVERED = timedelta(minutes=3)

SPEAKERS_TEXT = MessageText(
    "Your session at ESOF 2022: slides and the speakers' room",
    "Please bring your slides on a USB stick to the speakers' room in the Pieterskerk at least an hour "
    "before your session, or send them to us by Friday 8 July. A technician is there from 8:00 every day.",
    "Je sessie op ESOF 2022: dia's en de sprekerskamer",
    "Breng je dia's op een USB-stick naar de sprekerskamer in de Pieterskerk, minstens een uur voor je "
    "sessie, of stuur ze ons uiterlijk vrijdag 8 juli. Er is elke dag vanaf 8.00 uur een technicus.",
)
ONLINE_TEXT = MessageText(
    "ESOF 2022 online: how to join the live streams",
    "The live streams start on Wednesday 13 July at 9:30. Log in on the conference site and open My agenda: "
    "every session you starred has a Watch link from ten minutes before it starts.",
    "ESOF 2022 online: zo kijk je live mee",
    "De livestreams beginnen woensdag 13 juli om 9.30 uur. Log in op de conferentiesite en open Mijn agenda: "
    "bij elke sessie met een ster staat vanaf tien minuten voor de start een Kijk-link.",
)


def build_announcements(ctx: DemoContext, *, organiser_id: int, track_ids: list[int]) -> None:
    organiser = db.session.get_one(User, organiser_id)
    planned = [(SPEAKERS_TEXT, Segment(track_id=track_ids[0]) if track_ids else None, date(2022, 7, 4), time(10, 0)),
               (ONLINE_TEXT, Segment(attendance="online"), date(2022, 7, 12), time(9, 0))]
    sent = 0
    for text, segment, day, at in planned:
        if segment is None:
            continue
        try:
            with db.session.begin_nested():
                announcement = create_announcement(actor=organiser, text=text, segment=segment)
        except EmptySegment:  # a small demo may have nobody there; the other one still goes
            continue
        while queue_batch(announcement.id, BATCH_SIZE) == BATCH_SIZE:
            pass
        _date_announcement(announcement, ctx.local(day, at))
        sent += 1
    ctx.count("announcements sent", sent)


def _date_announcement(announcement: Announcement, when: datetime) -> None:
    """The moment it went out in 2022 (the services stamp the clock), its mail delivered then."""
    messages = sa.select(AnnouncementRecipient.outbox_message_id).where(
        AnnouncementRecipient.announcement_id == announcement.id)
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id.in_(messages))
                       .values(created_at=when, next_attempt_at=when, sent_at=when + DELIVERED, attempts=1)
                       .execution_options(synchronize_session=False))
    db.session.execute(sa.update(AuditLog)
                       .where(AuditLog.action == "announcement-sent", AuditLog.target_type == "Announcement",
                              AuditLog.target_id == announcement.id)
                       .values(created_at=when).execution_options(synchronize_session=False))
    announcement.created_at = announcement.queued_at = announcement.batch_started_at = when
    db.session.flush()
