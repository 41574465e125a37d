"""Reads for the organisers' pages: progress in one aggregate statement, the segment in words."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.orm import joinedload

from esof.announcements.models import Announcement, AnnouncementRecipient
from esof.announcements.segment import Segment
from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.programme.models import ProgrammeSession, Track
from esof.registration.countries import country_name
from esof.registration.models import RegistrationCategory


@dataclass(frozen=True)
class Progress:
    recipients: int = 0
    queued: int = 0
    sent: int = 0
    failed: int = 0

    @property
    def pending(self) -> int:
        """Queued and not yet delivered nor given up on (waiting, or being retried)."""
        return self.queued - self.sent - self.failed

    @property
    def not_queued(self) -> int:
        return self.recipients - self.queued


def progress_of(announcement_ids: list[int]) -> dict[int, Progress]:
    """Recipients, queued, sent and failed of each announcement: one GROUP BY statement."""
    if not announcement_ids:
        return {}
    recipient = AnnouncementRecipient
    rows = db.session.execute(
        sa.select(
            recipient.announcement_id,
            sa.func.count(recipient.id),
            sa.func.count(recipient.outbox_message_id),
            sa.func.count(OutboxMessage.sent_at),
            sa.func.count(OutboxMessage.failed_at),
        )
        .select_from(recipient)
        .outerjoin(OutboxMessage, OutboxMessage.id == recipient.outbox_message_id)
        .where(recipient.announcement_id.in_(announcement_ids))
        .group_by(recipient.announcement_id)
    ).all()
    found = {row[0]: Progress(*row[1:]) for row in rows}
    return {i: found.get(i, Progress()) for i in announcement_ids}


def announcements_page(page: int, per_page: int = 50) -> Any:
    return db.paginate(
        sa.select(Announcement).options(joinedload(Announcement.created_by)).order_by(Announcement.id.desc()),
        page=page, per_page=per_page, error_out=False,
    )


def describe_segment(data: dict[str, Any]) -> dict[str, Any]:
    """The segment's ids as names, for the pages (a statement per kind of id, at most three)."""
    segment = Segment.from_json(data)
    language = str(get_locale() or "en")[:2]
    dutch = language == "nl"
    categories = []
    if segment.categories:
        categories = [
            (name_nl or name) if dutch else name
            for name, name_nl in db.session.execute(
                sa.select(RegistrationCategory.name, RegistrationCategory.name_nl)
                .where(RegistrationCategory.id.in_(segment.categories)).order_by(RegistrationCategory.sort_order)
            )
        ]
    session_title = None
    if segment.session_id is not None:
        item = db.session.get(ProgrammeSession, segment.session_id)
        session_title = ((item.title_nl or item.title) if dutch else item.title) if item else None
    track_name = None
    if segment.track_id is not None:
        track = db.session.get(Track, segment.track_id)
        track_name = ((track.name_nl or track.name) if dutch else track.name) if track else None
    return {
        "segment": segment,
        "categories": categories,
        "countries": [country_name(code, language) for code in segment.countries],
        "session": session_title,
        "track": track_name,
    }
