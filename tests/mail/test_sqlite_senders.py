"""Two `flask send-mail --forever` processes on one SQLite file: each message goes out once.

The one-machine shape can have two senders at once (inline delivery after a request and
the worker, or two workers started by mistake). SQLite has no SKIP LOCKED; the outbox's
lease must keep them apart. The threads version is in tests/mail/test_outbox.py.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from esof.extensions import db
from esof.mail.models import OutboxMessage
from tests.mail.test_outbox import queue_verification_mails, run_two_sender_processes

pytestmark = pytest.mark.slow

MESSAGES = 30


def test_two_sender_processes_on_one_sqlite_file_send_every_message_exactly_once(app) -> None:
    queue_verification_mails(MESSAGES)
    sent_by, outputs, received = run_two_sender_processes(app.config["SQLALCHEMY_DATABASE_URI"], MESSAGES)

    assert sum(sent_by) == MESSAGES, outputs
    assert all(n > 0 for n in sent_by), sent_by  # both really sent
    assert len(received) == MESSAGES
    assert len({m["Message-ID"] for m in received}) == MESSAGES
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(OutboxMessage.attempts, OutboxMessage.sent_at, OutboxMessage.claimed_until)
    ).all()
    assert len(rows) == MESSAGES
    assert all(attempts == 1 and sent_at is not None and claimed is None for attempts, sent_at, claimed in rows)
