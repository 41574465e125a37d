"""What happens to a message while the relay holds it: the sender's database connection dies (a
restart, a fail-over), another worker runs meanwhile, or the account is erased. It is recorded
once the database answers again, never sent twice, and the worker goes on.

Found by tests/ops/test_writer_faults_mail.py: the commit after the hand-over failed, the
worker exited, and the next one sent the message again (the row lock had ended with the
connection)."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from flask import Flask

from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.mail.services import DeliveryReport, deliver_due_mail
from tests.mail.test_outbox import SmtpServer, queue_verification_mails
from tests.ops.processes import free_port
from tests.ops.test_writer_faults_mail import GatedInbox


@dataclass
class HeldPass:
    """A delivery pass in a thread of its own, held by the relay at the second message."""

    inbox: GatedInbox
    reports: list[DeliveryReport] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)  # what a worker's loop would die of
    thread: threading.Thread | None = None

    def finish(self) -> None:
        """Let the relay answer, and wait for the pass to end."""
        self.inbox.release.set()
        assert self.thread is not None
        self.thread.join(60)

    def addresses(self) -> list[str]:
        return [m["To"] for m in self.inbox.messages]


@contextmanager
def pass_held_at_second_message(app: Flask) -> Iterator[HeldPass]:
    """Three verification mails queued; a pass started that the relay holds at the end of the
    second message's DATA (delivered, the 250 not yet sent)."""
    smtp = SmtpServer(free_port())
    held = HeldPass(GatedInbox())
    smtp.inbox = held.inbox
    smtp.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_TIMEOUT_SECONDS=5)
    try:
        queue_verification_mails(3)
        held.inbox.hold("data", 2)

        def send() -> None:
            with app.app_context():
                try:
                    held.reports.append(deliver_due_mail())
                except BaseException as exc:
                    held.errors.append(exc)
                db.session.remove()

        held.thread = threading.Thread(target=send)
        held.thread.start()
        assert held.inbox.holding.wait(30)
        yield held
    finally:
        smtp.stop()


def cut_the_senders_connection() -> None:
    """Terminate the held sender's connection (idle in its transaction while the relay has it)."""
    cut = db.session.scalar(sa.text(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND state = 'idle in transaction'"))
    db.session.commit()
    assert cut == 1


def outbox_rows() -> list[tuple[int, bool, object]]:
    db.session.expire_all()
    return [(attempts, sent is not None, lease) for attempts, sent, lease in db.session.execute(
        sa.select(OutboxMessage.attempts, OutboxMessage.sent_at, OutboxMessage.claimed_until)
        .order_by(OutboxMessage.id)).all()]


EVERYONE = ["d0@example.org", "d1@example.org", "d2@example.org"]


@pytest.mark.postgres
def test_a_sent_message_whose_connection_died_is_recorded_and_not_sent_again(pg_app) -> None:
    with pass_held_at_second_message(pg_app) as held:
        cut_the_senders_connection()
        held.finish()

        assert held.errors == []
        assert [(r.sent, r.database_down) for r in held.reports] == [(3, False)]
        assert deliver_due_mail().sent == 0  # nothing left to send
        assert held.addresses() == EVERYONE
        assert outbox_rows() == [(1, True, None)] * 3


@pytest.mark.postgres
def test_another_worker_reaching_the_database_first_leaves_the_unrecorded_message_alone(pg_app) -> None:
    """The window a row lock left open: the first worker's connection dies while the relay
    holds its message; a second worker runs a pass before the first can record it. With a
    committed lease the second sends the rest, not that one, and everyone gets one mail."""
    with pass_held_at_second_message(pg_app) as held:
        cut_the_senders_connection()
        second = deliver_due_mail()  # the other worker, while the first waits for the relay
        held.finish()

        assert held.errors == []
        assert second.sent == 1  # the third message; the second is the first worker's
        assert [r.sent for r in held.reports] == [2]
        assert sorted(held.addresses()) == EVERYONE
        assert outbox_rows() == [(1, True, None)] * 3


def test_a_message_erased_while_it_is_being_sent_does_not_stop_the_worker(any_app) -> None:
    """Erasing an account deletes its mail from the outbox, also the one a worker is handing
    over right then: the worker says so in its log and goes on with the next message."""
    from esof.accounts.models import User
    from esof.registration.gdpr import erase_account

    with pass_held_at_second_message(any_app) as held:
        erase_account(user=db.session.scalars(sa.select(User).where(User.email == "d1@example.org")).one())
        db.session.commit()
        held.finish()

        assert held.errors == []
        assert [r.sent for r in held.reports] == [3]  # d1's went out before the erasure reached it
        assert held.addresses() == EVERYONE
        db.session.expire_all()
        assert db.session.scalars(sa.select(OutboxMessage.to_address).order_by(OutboxMessage.id)).all() == [
            "d0@example.org", "d2@example.org"]
