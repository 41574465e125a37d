"""Bulk mail (an announcement) under fault, on our own PostgreSQL cluster and a real SMTP server
(aiosmtpd): the database restarted while the mails are queued and again while one is being
handed over, and the mail worker killed in the middle of a message. Every recipient gets
exactly one message, counted where it arrives.
"""
from __future__ import annotations

import asyncio
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from esof.accounts.models import Role
from esof.extensions import db
from esof.mail.models import OutboxMessage
from tests.announcements.test_processes import (
    announcement_to_everyone,
    assert_each_recipient_has_one_message,
    queued_so_far,
)
from tests.factories import UserFactory
from tests.mail.test_outbox import Inbox, SmtpServer
from tests.ops.processes import (
    PYTHON,
    REPO,
    app_environment,
    free_port,
    fresh_database,
    mail_worker,
    migrate,
    postgres_cluster,
    stop_process,
)
from tests.ops.writers import data_app
from tests.registration.factories import CategoryFactory

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

RECIPIENTS = 120


class GatedInbox(Inbox):
    """An Inbox that can hold the session at one message: at its RCPT (nothing delivered yet)
    or at the end of its DATA (delivered, with the 250, the moment it is released)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate: tuple[str, int] | None = None
        self.holding = threading.Event()
        self.release = threading.Event()

    def hold(self, stage: str, number: int) -> None:
        """Hold at the `stage` of message `number` (from 1) until `release` is set."""
        self.holding, self.release = threading.Event(), threading.Event()
        self.gate = (stage, number)

    async def _wait_at(self, stage: str) -> None:
        if self.gate == (stage, len(self.messages) + 1):
            self.gate, release = None, self.release
            self.holding.set()
            while not release.is_set():
                await asyncio.sleep(0.02)

    async def handle_RCPT(self, server, session, envelope, address: str, options) -> str:
        await self._wait_at("rcpt")
        return await super().handle_RCPT(server, session, envelope, address, options)

    async def handle_DATA(self, server, session, envelope) -> str:
        await self._wait_at("data")
        return await super().handle_DATA(server, session, envelope)


class Supervised:
    """A mail worker kept running the way systemd's Restart=always would."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.outputs: list[str] = []
        self.starts = 0
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.process = mail_worker(self.env)
        self.starts += 1

    def keep_alive(self) -> None:
        assert self.process is not None
        if self.process.poll() is not None:
            self.outputs.append(self.process.stdout.read() if self.process.stdout else "")
            self.start()

    def run_until(self, predicate: Callable[[], bool], *, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, f"timed out waiting for {what}; {self.outputs}"
            self.keep_alive()
            time.sleep(0.05)

    def kill(self) -> None:
        assert self.process is not None
        stop_process(self.process, sig=signal.SIGKILL)
        self.outputs.append(self.process.stdout.read() if self.process.stdout else "")
        self.start()

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.outputs.append(self.process.stdout.read() if self.process.stdout else "")
            self.process = None


def test_bulk_mail_survives_database_restarts_and_a_killed_worker_one_message_each() -> None:
    with postgres_cluster() as cluster, fresh_database(cluster.admin_url, prefix="esof") as url:
        migrate(url)
        data = data_app(url)
        with data.app_context():
            organiser = UserFactory(roles=[Role.ORGANISER])
            category = CategoryFactory(code="regular")
            db.session.commit()
            announcement_id = announcement_to_everyone(organiser, RECIPIENTS, category.id)
            db.session.remove()
            db.engine.dispose()
        smtp = SmtpServer(free_port())
        smtp.inbox = inbox = GatedInbox()
        smtp.start()
        # A short lease: the killed worker's message (step 3) goes out again within the test.
        env = app_environment(url, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp.port), DATABASE_CONNECT_TIMEOUT="2",
                              MAIL_CLAIM_LEASE_SECONDS="15")
        worker: Supervised | None = None
        try:
            # 1. Queueing, one recipient a batch, and the database restarted half-way.
            queueing = subprocess.Popen(
                [PYTHON, "-m", "flask", "--app", "esof", "announcements", "queue", "--batch-size", "1"],
                cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            with data.app_context():
                deadline = time.monotonic() + 60
                while queued_so_far(announcement_id)[0] < 5:
                    assert time.monotonic() < deadline and queueing.poll() is None
                    time.sleep(0.02)
                db.engine.dispose()
            cluster.restart()
            queueing.wait(timeout=60)
            queueing_output = queueing.stdout.read() if queueing.stdout else ""
            with data.app_context():
                queued_at_restart = queued_so_far(announcement_id)[0]
                db.engine.dispose()
            assert queueing.returncode != 0, queueing_output  # it was cut off by the restart
            assert queued_at_restart < RECIPIENTS

            # 2. The worker finishes the queueing, and the database restarts while message 20
            #    is being handed over (the relay has it; the worker has not yet recorded it).
            inbox.hold("data", 20)
            worker = Supervised(env)
            worker.run_until(inbox.holding.is_set, timeout=90, what="message 20 in the relay's hands")
            cluster.restart()
            restarted_at = len(inbox.messages)
            inbox.release.set()  # message 20 is delivered now, its worker's connection is gone
            inbox.hold("rcpt", 45)

            # 3. The worker is killed while it hands over message 45 (before the relay has it).
            worker.run_until(inbox.holding.is_set, timeout=90, what="message 45 on its way")
            worker.kill()
            inbox.release.set()

            worker.run_until(lambda: len({m["To"] for m in inbox.messages}) >= RECIPIENTS, timeout=120,
                             what="every recipient's message")
            time.sleep(1.5)  # a message sent twice would arrive now
            worker.keep_alive()
        finally:
            if worker is not None:
                worker.stop()
            smtp.stop()

        per_recipient = Counter(m["To"] for m in inbox.messages)
        with data.app_context():
            assert_each_recipient_has_one_message(announcement_id, RECIPIENTS)
            unsent = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.sent_at.is_(None)))
            db.session.remove()
            db.engine.dispose()
    doubles = {address: n for address, n in per_recipient.items() if n > 1}
    assert doubles == {}, (doubles, worker.outputs)
    assert len(per_recipient) == RECIPIENTS and unsent == 0
    assert worker.starts == 2, worker.outputs  # the first start and the one after the kill: the restarts it rode out
    print(f"bulk mail: {RECIPIENTS} recipients; queueing cut off by the restart after {queued_at_restart};"
          f" a restart while message 20 was handed over ({restarted_at} arrived then); worker killed at message 45;"
          f" {worker.starts} worker starts; {len(inbox.messages)} messages arrived,"
          f" {sorted(set(per_recipient.values()))} per recipient")
