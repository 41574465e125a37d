"""Mail workers as separate processes (`flask send-mail --forever`) on one PostgreSQL outbox.

The threads-in-one-process version is tests/mail/test_outbox.py
(test_several_workers_on_postgresql_send_each_message_once); the SMTP server being down
(mail waits, nothing lost) is test_server_down_at_first_loses_nothing_stops_early_and_sends_each_once_later
there. Here: two real worker processes, as deployed.
"""
from __future__ import annotations

import signal
import time

import pytest
import sqlalchemy as sa

from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.mail.services import deliver_due_mail
from tests.conftest import make_app
from tests.mail.test_outbox import SmtpServer, queue_verification_mails, run_two_sender_processes
from tests.ops.processes import app_environment, free_port, mail_worker, wait_until
from tests.ops.test_writer_faults_mail import GatedInbox

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


def test_a_worker_told_to_stop_finishes_the_message_in_hand_and_leaves_none_leased(postgres_url: str) -> None:
    """A deploy stops the workers with SIGTERM: the one handing a message over finishes it,
    records it and exits; the next message is free for another worker at once (a worker killed
    with SIGKILL instead leaves its message leased for MAIL_CLAIM_LEASE_SECONDS)."""
    data = make_app(postgres_url)
    with data.app_context():
        queue_verification_mails(3)
        db.engine.dispose()
    smtp = SmtpServer(free_port())
    smtp.inbox = inbox = GatedInbox()
    smtp.start()
    try:
        inbox.hold("data", 2)
        worker = mail_worker(app_environment(postgres_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp.port)))
        wait_until(inbox.holding.is_set, timeout=60, what="message 2 in the relay's hands")
        worker.send_signal(signal.SIGTERM)
        time.sleep(0.5)  # the worker has the signal while the relay still holds the message
        inbox.release.set()
        assert worker.wait(timeout=30) == 0
        output = worker.stdout.read() if worker.stdout else ""
        assert "stopped: the message in hand was finished" in output, output

        assert [m["To"] for m in inbox.messages] == ["d0@example.org", "d1@example.org"]
        with data.app_context():
            rows = db.session.execute(sa.select(OutboxMessage.sent_at, OutboxMessage.claimed_until)
                                      .order_by(OutboxMessage.id)).all()
            assert [(sent is not None, lease) for sent, lease in rows] == [(True, None), (True, None), (False, None)]
            data.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
            assert deliver_due_mail().sent == 1  # the third, at once: nobody holds it
            db.engine.dispose()
        assert sorted(m["To"] for m in inbox.messages) == ["d0@example.org", "d1@example.org", "d2@example.org"]
    finally:
        smtp.stop()
