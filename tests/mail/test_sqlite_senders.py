"""Two `flask send-mail --forever` processes on one SQLite file: each message goes out once.

The one-machine shape can have two senders at once (inline delivery after a request and
the worker, or two workers started by mistake). SQLite has no SKIP LOCKED; the outbox's
lease must keep them apart. The threads version is in tests/mail/test_outbox.py.
"""
from __future__ import annotations

import re
import subprocess
import time

import pytest
import sqlalchemy as sa

from esof.extensions import db
from esof.mail.models import OutboxMessage
from tests.mail.test_outbox import SlowInbox, SmtpServer, queue_verification_mails
from tests.ops.processes import (
    PYTHON,
    REPO,
    app_environment,
    free_port,
    stop_process,
    wait_until,
)

pytestmark = pytest.mark.slow

MESSAGES = 30


def test_two_sender_processes_on_one_sqlite_file_send_every_message_exactly_once(app) -> None:
    queue_verification_mails(MESSAGES)
    smtp = SmtpServer(free_port())
    smtp.inbox = SlowInbox()
    smtp.start()
    env = app_environment(app.config["SQLALCHEMY_DATABASE_URI"], MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp.port))
    senders = [
        subprocess.Popen([PYTHON, "-m", "flask", "--app", "esof", "send-mail", "--forever", "--interval", "0.2"],
                         cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]
    try:
        wait_until(lambda: len(smtp.inbox.messages) >= MESSAGES, timeout=90, what="every message delivered")
        time.sleep(1)  # a message sent twice would arrive now
    finally:
        for sender in senders:
            stop_process(sender)
        smtp.stop()

    outputs = [sender.stdout.read() for sender in senders]
    sent_by = [sum(int(n) for n in re.findall(r"^sent (\d+)", out, re.MULTILINE)) for out in outputs]
    assert sum(sent_by) == MESSAGES, outputs
    assert all(n > 0 for n in sent_by), sent_by  # both really sent
    assert len(smtp.inbox.messages) == MESSAGES
    assert len({m["Message-ID"] for m in smtp.inbox.messages}) == MESSAGES
    db.session.expire_all()
    rows = db.session.execute(sa.select(OutboxMessage.attempts, OutboxMessage.sent_at, OutboxMessage.claimed_until)).all()
    assert len(rows) == MESSAGES
    assert all(attempts == 1 and sent_at is not None and claimed is None for attempts, sent_at, claimed in rows)
