"""The hooks of other areas (connected by the factory): the mail worker finishes announcements
whose queueing stopped, an announcement's mail carries the one-click unsubscribe headers, and
a delegate's data export says whether they opted out of announcements."""
from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import has_request_context

from esof.accounts.models import User
from esof.announcements.models import AnnouncementOptOut, AnnouncementRecipient
from esof.announcements.optout import unsubscribe_url
from esof.announcements.queueing import resume_queueing
from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.mail.services import building_message, delivery_pass_starting
from esof.registration.gdpr import register_personal_data_section

log = logging.getLogger(__name__)

# Per delivery pass: enough to finish a large announcement within a few passes, little enough
# that mail already queued is not held up for long.
WORKER_BATCHES = 4


def resume_on_delivery_pass(_sender: object) -> None:
    # Inline delivery after a request passes here too: a page must not queue thousands of mails.
    if has_request_context():
        return
    try:
        queued = resume_queueing(max_batches=WORKER_BATCHES)
    except Exception:  # the outbox must still deliver; the next pass tries again
        db.session.rollback()
        log.exception("Queueing an announcement failed; the next delivery pass tries again")
        return
    if queued:
        log.info("Queued %d announcement mails left by an interrupted queueing", queued)


def unsubscribe_headers(message: OutboxMessage) -> dict[str, str]:
    """RFC 2369 and RFC 8058 headers for an announcement's mail; {} for any other mail, so
    service mail (a cancelled session, a booking) offers no unsubscribe."""
    user_id = db.session.scalar(
        sa.select(AnnouncementRecipient.user_id).where(AnnouncementRecipient.outbox_message_id == message.id)
    )
    if user_id is None:
        return {}
    return {"List-Unsubscribe": f"<{unsubscribe_url(user_id)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def opt_out_of(user: User) -> dict[str, Any]:
    """The data export's "announcements" section."""
    opt_out = db.session.get(AnnouncementOptOut, user.id)
    if opt_out is None:
        return {"opted_out": False, "since": None, "source": None}
    return {"opted_out": True, "since": opt_out.created_at.isoformat(), "source": opt_out.source}


def connect_receivers() -> None:
    # blinker keeps one connection per function, whatever the number of apps.
    delivery_pass_starting.connect(resume_on_delivery_pass)
    building_message.connect(unsubscribe_headers)
    register_personal_data_section("announcements", opt_out_of)
