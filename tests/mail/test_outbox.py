"""The outbox against a real SMTP server (aiosmtpd) on a free localhost port."""
from __future__ import annotations

import asyncio
import email
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from esof.db import utcnow
from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.mail.services import (
    CLAIM_LEASE,
    claim_due_messages,
    deliver_due_mail,
    queue_mail,
)
from esof.registration.models import RegistrationStatus
from tests.factories import UserFactory
from tests.ops.processes import (
    PYTHON,
    REPO,
    app_environment,
    free_port,
    stop_process,
    wait_until,
)
from tests.registration.factories import CategoryFactory, register


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts, and can refuse addresses."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope: Envelope, address: str, options) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope: Envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content))
        return "250 Message accepted"


class SlowInbox(Inbox):
    """Takes 50 ms per message, so senders working at once overlap on every message."""

    async def handle_DATA(self, server, session, envelope: Envelope) -> str:
        await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


class SmtpServer:
    def __init__(self, port: int, **options: object) -> None:
        self.port = port
        self.inbox = Inbox()
        self.options = options  # aiosmtpd SMTP settings, e.g. enable_SMTPUTF8=False
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **self.options)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def app_config(smtp_port: int) -> dict[str, object]:
    # Retry at once, so the test needs no clock tricks to see the second attempt.
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port, "MAIL_RETRY_BASE_SECONDS": 0, "MAIL_TIMEOUT_SECONDS": 5}


@pytest.fixture
def smtp(smtp_port: int) -> Iterator[SmtpServer]:
    server = SmtpServer(smtp_port)
    yield server
    server.stop()


def run_two_sender_processes(database_url: str, messages: int) -> tuple[list[int], list[str], list[Message]]:
    """Two `flask send-mail --forever` processes on one outbox and a slow SMTP server, until
    `messages` mails arrived and a second more (a mail sent twice would arrive then).

    Returns how many each process sent (from its output), their outputs, and what arrived."""
    smtp = SmtpServer(free_port())
    smtp.inbox = SlowInbox()
    smtp.start()
    env = app_environment(database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp.port))
    senders = [
        subprocess.Popen([PYTHON, "-m", "flask", "--app", "esof", "send-mail", "--forever", "--interval", "0.2"],
                         cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]
    try:
        wait_until(lambda: len(smtp.inbox.messages) >= messages, timeout=90, what="every message delivered")
        time.sleep(1)
    finally:
        for sender in senders:
            stop_process(sender)
        smtp.stop()
    outputs = [sender.stdout.read() for sender in senders]
    sent_by = [sum(int(n) for n in re.findall(r"^sent (\d+)", out, re.MULTILINE)) for out in outputs]
    return sent_by, outputs, smtp.inbox.messages


def send_in_threads(app, count: int) -> list:
    """`count` senders in threads of this process, starting together; their reports."""
    reports = []
    start = threading.Barrier(count)

    def sender() -> None:
        with app.app_context():
            start.wait()
            reports.append(deliver_due_mail())
            db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return reports


def queue_verification_mails(n: int) -> list[OutboxMessage]:
    messages = []
    for i in range(n):
        user = UserFactory(email=f"d{i}@example.org", display_name=f"Delegate {i}")
        messages.append(queue_mail(to=user.email, template="verify_email", language="en", user=user,
                                   link=f"http://esof.test/v/{i}", hours=48))
    db.session.commit()
    return messages


def test_delivers_plain_text_and_html_with_fixed_message_id(app, smtp) -> None:
    smtp.start()
    [message] = queue_verification_mails(1)
    report = deliver_due_mail()
    assert (report.sent, report.failed, report.server_down) == (1, 0, False)
    [received] = smtp.inbox.messages
    assert received["To"] == "d0@example.org"
    assert received["Subject"] == "Confirm your email address for ESOF 2022"
    assert received["Message-ID"] == message.message_id
    parts = {part.get_content_type(): part.get_payload(decode=True).decode()
             for part in received.walk() if not part.is_multipart()}
    assert set(parts) == {"text/plain", "text/html"}
    assert "http://esof.test/v/0" in parts["text/plain"] and 'href="http://esof.test/v/0"' in parts["text/html"]
    db.session.refresh(message)
    assert message.sent_at is not None and message.attempts == 1


def test_server_down_at_first_loses_nothing_stops_early_and_sends_each_once_later(app, smtp) -> None:
    messages = queue_verification_mails(5)
    report = deliver_due_mail()
    # One connection attempt, then the batch stops: the server is not hammered.
    assert (report.sent, report.failed, report.server_down) == (0, 1, True)
    db.session.expire_all()
    assert sorted(m.attempts for m in messages) == [0, 0, 0, 0, 1]
    assert all(m.sent_at is None and m.failed_at is None for m in messages)
    assert "ConnectionRefusedError" in max(messages, key=lambda m: m.attempts).last_error
    smtp.start()
    report = deliver_due_mail()
    assert (report.sent, report.failed, report.server_down) == (5, 0, False)
    again = deliver_due_mail()
    assert (again.sent, again.failed) == (0, 0)
    received = sorted(m["To"] for m in smtp.inbox.messages)
    assert received == [f"d{i}@example.org" for i in range(5)]
    assert len({m["Message-ID"] for m in smtp.inbox.messages}) == 5


def test_server_going_down_mid_batch_keeps_the_rest(app, smtp) -> None:
    smtp.start()
    queue_verification_mails(2)
    assert deliver_due_mail().sent == 2
    smtp.stop()
    queue_verification_mails_offset = [
        queue_mail(to=f"late{i}@example.org", template="verify_email", language="en",
                   user=UserFactory(email=f"late{i}@example.org"), link="x", hours=1)
        for i in range(3)
    ]
    db.session.commit()
    report = deliver_due_mail()
    assert (report.sent, report.server_down) == (0, True)
    smtp.start()
    assert deliver_due_mail().sent == 3
    assert len(smtp.inbox.messages) == 2 + len(queue_verification_mails_offset)


def test_refused_recipient_is_given_up_while_others_go_out(app, smtp) -> None:
    smtp.inbox.refuse.add("d1@example.org")
    smtp.start()
    messages = queue_verification_mails(3)
    report = deliver_due_mail()
    assert (report.sent, report.gave_up, report.server_down) == (2, 1, False)
    db.session.expire_all()
    refused = next(m for m in messages if m.to_address == "d1@example.org")
    assert refused.failed_at is not None and refused.sent_at is None and "550" in refused.last_error


def test_registration_mail_goes_out_in_the_users_language_as_text_and_html(app, smtp) -> None:
    smtp.start()
    user = UserFactory(email="jan@example.nl", language="nl")
    registration = register(user, CategoryFactory(code="regular", capacity=0, name_nl="Regulier"))
    db.session.commit()
    assert registration.status == RegistrationStatus.WAITLISTED
    assert deliver_due_mail().sent == 1
    [received] = smtp.inbox.messages
    assert received["Subject"] == "Je staat op de wachtlijst voor ESOF 2022"
    assert received["Content-Language"] == "nl"
    text, html = (part.get_payload(decode=True).decode() for part in received.walk() if not part.is_multipart())
    assert "als nummer 1" in text and "Categorie: Regulier" in text
    assert '<html lang="nl">' in html and "als nummer 1" in html


def test_mail_is_not_queued_when_the_change_rolls_back(app) -> None:
    user = UserFactory()
    db.session.commit()
    register(user, CategoryFactory())
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_send_mail_command_delivers_and_exits(app, smtp, runner) -> None:
    queue_verification_mails(2)
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0
    assert "sent 0, to retry 1, gave up 0" in result.output
    assert "mail server unavailable" in result.output
    smtp.start()
    result = runner.invoke(args=["send-mail"])
    assert "sent 2, to retry 0, gave up 0" in result.output
    assert len(smtp.inbox.messages) == 2


def test_outbox_page_for_organisers_lists_failed_and_retries(app, client, smtp) -> None:
    from esof.accounts.models import Role
    from tests.support import log_in, submit_form

    smtp.inbox.refuse.add("d0@example.org")
    smtp.start()
    [message] = queue_verification_mails(1)
    deliver_due_mail()
    UserFactory(email="org@example.org", roles=[Role.ORGANISER])
    db.session.commit()
    log_in(client, "org@example.org")
    page = client.get("/organiser/mail/").get_data(as_text=True)
    assert "d0@example.org" in page and "550" in page
    smtp.inbox.refuse.clear()
    response = submit_form(client, f"/organiser/mail/{message.id}/retry", {}, page="/organiser/mail/")
    assert response.status_code == 302
    assert deliver_due_mail().sent == 1


@pytest.mark.postgres
def test_several_workers_on_postgresql_send_each_message_once(pg_app, smtp) -> None:
    smtp.start()
    queue_verification_mails(24)
    reports = send_in_threads(pg_app, 4)
    assert sum(r.sent for r in reports) == 24
    assert len(smtp.inbox.messages) == 24
    assert len({m["Message-ID"] for m in smtp.inbox.messages}) == 24


def test_two_senders_on_one_sqlite_file_send_each_message_once(app, smtp) -> None:
    # Inline delivery after a request and `flask send-mail` at the same moment.
    smtp.inbox = SlowInbox()
    smtp.start()
    queue_verification_mails(12)
    reports = send_in_threads(app, 2)
    assert sorted(m["To"] for m in smtp.inbox.messages) == sorted(f"d{i}@example.org" for i in range(12))
    assert sum(r.sent for r in reports) == 12
    assert all(r.sent > 0 for r in reports), reports  # both really sent
    db.session.expire_all()
    rows = db.session.execute(sa.select(OutboxMessage.attempts, OutboxMessage.claimed_until)).all()
    assert rows == [(1, None)] * 12


def test_message_held_by_a_crashed_sender_on_sqlite_goes_out_once_its_lease_expires(app, smtp) -> None:
    smtp.start()
    [message] = queue_verification_mails(1)
    now = utcnow()
    # A sender claims the message and dies before sending: its lease is committed, nothing else.
    assert [m.id for m in claim_due_messages(1, now)] == [message.id]
    db.session.remove()
    assert deliver_due_mail(now=now + timedelta(minutes=1)).sent == 0
    assert smtp.inbox.messages == []
    assert deliver_due_mail(now=now + CLAIM_LEASE + timedelta(seconds=1)).sent == 1
    assert deliver_due_mail(now=now + 2 * CLAIM_LEASE).sent == 0
    assert [m["Message-ID"] for m in smtp.inbox.messages] == [message.message_id]
