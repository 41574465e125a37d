"""The mail worker finishes announcements whose queueing stopped (connected by the factory)."""
from __future__ import annotations

import logging

from flask import has_request_context

from esof.announcements.queueing import resume_queueing
from esof.extensions import db
from esof.mail.services import delivery_pass_starting

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


def connect_receivers() -> None:
    # blinker keeps one connection per function, whatever the number of apps.
    delivery_pass_starting.connect(resume_on_delivery_pass)
