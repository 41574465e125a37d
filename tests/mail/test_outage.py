"""A long mail server outage delays mail and loses none.

Real back-off settings (30 s doubling, capped at 6 h, MAIL_MAX_ATTEMPTS 12) against a real
SMTP server (aiosmtpd). Time moves by passing `now` to each delivery pass, never by sleeping.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from aiosmtpd.smtp import Envelope

from esof.db import utcnow
from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.mail.services import deliver_due_mail, queue_mail
from tests.factories import UserFactory
from tests.mail.test_outbox import (
    Inbox,
    SmtpServer,
    free_port,
    queue_verification_mails,
)

CAP = timedelta(hours=6)


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def app_config(smtp_port: int) -> dict[str, object]:
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port, "MAIL_TIMEOUT_SECONDS": 5,
            "MAIL_RETRY_BASE_SECONDS": 30, "MAIL_MAX_ATTEMPTS": 12}


@pytest.fixture
def smtp(smtp_port: int) -> Iterator[SmtpServer]:
    server = SmtpServer(smtp_port)
    yield server
    server.stop()


class BusyInbox(Inbox):
    """A server that answers every message with a temporary reply until told otherwise."""

    def __init__(self, reply: str = "451 4.3.0 Try again later") -> None:
        super().__init__()
        self.reply = reply
        self.busy = True

    async def handle_DATA(self, server, session, envelope: Envelope) -> str:
        if self.busy:
            return self.reply
        return await super().handle_DATA(server, session, envelope)


def retry_until(message: OutboxMessage, start: datetime, hours: int) -> tuple[datetime, int]:
    """Run a delivery pass each time the message is due, for `hours` of simulated time.

    Asserts after every pass that the message waits (never given up) and is asked again
    within the back-off cap. Returns the simulated time after the last pass and the passes run.
    """
    now, passes = start, 0
    while now < start + timedelta(hours=hours):
        report = deliver_due_mail(now=now)
        passes += 1
        db.session.refresh(message)
        assert (report.sent, report.gave_up) == (0, 0), f"pass {passes}: {report}"
        assert message.failed_at is None and message.sent_at is None, f"given up after {passes} passes"
        assert now < message.next_attempt_at <= now + CAP
        now = message.next_attempt_at
    return now, passes


def test_two_day_outage_gives_up_on_nothing_and_delivers_once_within_the_cap(app, smtp) -> None:
    [message] = queue_verification_mails(1)
    now, passes = retry_until(message, utcnow(), hours=48)
    assert passes > app.config["MAIL_MAX_ATTEMPTS"]
    assert "ConnectionRefusedError" in message.last_error
    assert message.attempts == passes and message.message_failures == 0

    smtp.start()
    # Due at the latest one cap after the server came back (now is that due time).
    report = deliver_due_mail(now=now)
    assert (report.sent, report.failed, report.gave_up, report.server_down) == (1, 0, 0, False)
    assert deliver_due_mail(now=now + timedelta(days=1)).sent == 0
    assert [m["Message-ID"] for m in smtp.inbox.messages] == [message.message_id]
    db.session.refresh(message)
    assert message.sent_at is not None and message.failed_at is None


def test_temporary_4xx_replies_for_a_day_give_up_on_nothing(app, smtp) -> None:
    smtp.inbox = BusyInbox()
    smtp.start()
    [message] = queue_verification_mails(1)
    now, passes = retry_until(message, utcnow(), hours=24)
    assert passes > app.config["MAIL_MAX_ATTEMPTS"]
    assert "451" in message.last_error and message.message_failures == 0

    smtp.inbox.busy = False
    assert deliver_due_mail(now=now).sent == 1
    assert deliver_due_mail(now=now + timedelta(days=1)).sent == 0
    assert [m["Message-ID"] for m in smtp.inbox.messages] == [message.message_id]


def test_421_closing_the_session_stops_the_batch_like_an_outage(app, smtp) -> None:
    smtp.inbox = BusyInbox("421 4.3.2 Shutting down")
    smtp.start()
    messages = queue_verification_mails(3)
    report = deliver_due_mail()
    # The server said goodbye: the next message is not tried on a closed connection.
    assert (report.sent, report.failed, report.gave_up, report.server_down) == (0, 1, 0, True)
    db.session.expire_all()
    assert sorted(m.attempts for m in messages) == [0, 0, 1]
    assert all(m.message_failures == 0 and m.failed_at is None for m in messages)
    smtp.inbox.busy = False
    assert deliver_due_mail(now=max(m.next_attempt_at for m in messages)).sent == 3
    assert len(smtp.inbox.messages) == 3


def test_address_the_relay_cannot_carry_is_given_up_after_max_attempts_while_others_go_out(app, smtp) -> None:
    # A non-ASCII local part needs SMTPUTF8, which this relay does not offer: the message's
    # own fault, so these attempts count, and the batch goes on with the next message.
    smtp.options["enable_SMTPUTF8"] = False
    smtp.start()
    odd = queue_mail(to="jørgen@example.org", template="verify_email", language="en",
                     user=UserFactory(email="jorgen@example.org"), link="http://esof.test/v/j", hours=48)
    db.session.commit()
    for attempt in range(1, app.config["MAIL_MAX_ATTEMPTS"] + 1):
        queue_one(f"n{attempt}@example.org")
        # Each pass runs when the odd message is due again, with one good message waiting too.
        report = deliver_due_mail(now=max(odd.next_attempt_at, utcnow()))
        db.session.refresh(odd)
        assert report.sent == 1 and report.server_down is False
        assert odd.message_failures == attempt and "SMTPNotSupportedError" in odd.last_error
        if attempt < app.config["MAIL_MAX_ATTEMPTS"]:
            assert odd.failed_at is None and report.gave_up == 0
    assert report.gave_up == 1 and odd.failed_at is not None and odd.sent_at is None
    assert len(smtp.inbox.messages) == app.config["MAIL_MAX_ATTEMPTS"]


def queue_one(address: str) -> OutboxMessage:
    message = queue_mail(to=address, template="verify_email", language="en",
                         user=UserFactory(email=address), link="http://esof.test/v/n", hours=48)
    db.session.commit()
    return message
