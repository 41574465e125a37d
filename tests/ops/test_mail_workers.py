"""Mail workers as separate processes (`flask send-mail --forever`) on one PostgreSQL outbox.

The threads-in-one-process version is tests/mail/test_outbox.py
(test_several_workers_on_postgresql_send_each_message_once); the SMTP server being down
(mail waits, nothing lost) is test_server_down_at_first_loses_nothing_stops_early_and_sends_each_once_later
there. Here: two real worker processes, as deployed.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from esof.extensions import db
from esof.mail.models import OutboxMessage
from tests.conftest import make_app
from tests.mail.test_outbox import queue_verification_mails, run_two_sender_processes

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

MESSAGES = 40


def test_two_worker_processes_send_every_message_exactly_once(postgres_url: str) -> None:
    data = make_app(postgres_url)
    with data.app_context():
        queue_verification_mails(MESSAGES)
    sent_by, outputs, received = run_two_sender_processes(postgres_url, MESSAGES)

    assert sum(sent_by) == MESSAGES, outputs
    assert all(n > 0 for n in sent_by), sent_by  # both really worked
    assert len(received) == MESSAGES
    assert len({m["Message-ID"] for m in received}) == MESSAGES
    with data.app_context():
        rows = db.session.execute(sa.select(OutboxMessage.attempts, OutboxMessage.sent_at)).all()
        assert len(rows) == MESSAGES
        assert all(attempts == 1 and sent_at is not None for attempts, sent_at in rows)
        db.engine.dispose()
