"""Mail workers as separate processes (`flask send-mail --forever`) on one PostgreSQL outbox.

The threads-in-one-process version is tests/mail/test_outbox.py
(test_several_workers_on_postgresql_send_each_message_once); the SMTP server being down
(mail waits, nothing lost) is test_server_down_at_first_loses_nothing_stops_early_and_sends_each_once_later
there. Here: two real worker processes, as deployed.
"""
from __future__ import annotations

import asyncio
import re
import subprocess
import time

import pytest
import sqlalchemy as sa

from esof.extensions import db
from esof.mail.models import OutboxMessage
from tests.conftest import make_app
from tests.mail.test_outbox import Inbox, SmtpServer, queue_verification_mails
from tests.ops.processes import PYTHON, REPO, app_environment, free_port, stop_process, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

MESSAGES = 40


class SlowInbox(Inbox):
    """A server that takes 50 ms per message, so both workers have work at the same time."""

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201
        await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


def test_two_worker_processes_send_every_message_exactly_once(postgres_url: str) -> None:
    data = make_app(postgres_url)
    with data.app_context():
        queue_verification_mails(MESSAGES)

    smtp = SmtpServer(free_port())
    smtp.inbox = SlowInbox()
    smtp.start()
    env = app_environment(postgres_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp.port))
    workers = [
        subprocess.Popen([PYTHON, "-m", "flask", "--app", "esof", "send-mail", "--forever", "--interval", "0.2"],
                         cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]
    try:
        wait_until(lambda: len(smtp.inbox.messages) >= MESSAGES, timeout=90, what="every message delivered")
        time.sleep(1)  # a message sent twice would arrive now
    finally:
        for worker in workers:
            stop_process(worker)
        smtp.stop()

    outputs = [worker.stdout.read() for worker in workers]
    sent_by = [sum(int(n) for n in re.findall(r"^sent (\d+)", out, re.M)) for out in outputs]
    assert sum(sent_by) == MESSAGES, outputs
    assert all(n > 0 for n in sent_by), sent_by  # both really worked
    assert len(smtp.inbox.messages) == MESSAGES
    assert len({m["Message-ID"] for m in smtp.inbox.messages}) == MESSAGES
    with data.app_context():
        rows = db.session.execute(sa.select(OutboxMessage.attempts, OutboxMessage.sent_at)).all()
        assert len(rows) == MESSAGES
        assert all(attempts == 1 and sent_at is not None for attempts, sent_at in rows)
        db.engine.dispose()
