"""A message the relay took while the sender's database connection died (a restart, a
fail-over) is recorded once the database answers again, so it never goes out twice.

Found by tests/ops/test_writer_faults_mail.py: the commit after the hand-over failed, the
worker exited, and the next one sent the message again (the row lock had ended with the
connection)."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.mail.services import DeliveryReport, deliver_due_mail
from tests.mail.test_outbox import SmtpServer, queue_verification_mails
from tests.ops.processes import free_port
from tests.ops.test_writer_faults_mail import GatedInbox


@pytest.mark.postgres
def test_a_sent_message_whose_connection_died_is_recorded_and_not_sent_again(pg_app) -> None:
    smtp = SmtpServer(free_port())
    smtp.inbox = inbox = GatedInbox()
    smtp.start()
    pg_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_TIMEOUT_SECONDS=5)
    try:
        queue_verification_mails(3)
        inbox.hold("data", 2)  # the relay holds message 2 before answering 250
        reports: list[DeliveryReport] = []

        def send() -> None:
            with pg_app.app_context():
                reports.append(deliver_due_mail())
                db.session.remove()

        sender = threading.Thread(target=send)
        sender.start()
        assert inbox.holding.wait(30)
        # The sender's connection (idle in its transaction, holding the row) is cut off.
        cut = db.session.scalar(sa.text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND state = 'idle in transaction'"))
        db.session.commit()
        assert cut == 1
        inbox.release.set()
        sender.join(60)

        assert [(r.sent, r.database_down) for r in reports] == [(3, False)]
        assert deliver_due_mail().sent == 0  # nothing left to send
        assert [m["To"] for m in inbox.messages] == ["d0@example.org", "d1@example.org", "d2@example.org"]
        db.session.expire_all()
        rows = db.session.execute(sa.select(OutboxMessage.attempts, OutboxMessage.sent_at)).all()
        assert [attempts for attempts, _ in rows] == [1, 1, 1] and all(sent for _, sent in rows)
    finally:
        smtp.stop()


@pytest.mark.postgres
def test_another_worker_reaching_the_database_first_leaves_the_unrecorded_message_alone(pg_app) -> None:
    """The window a row lock left open: the first worker's connection dies while the relay
    holds its message; a second worker runs a pass before the first can record it. With a
    committed lease the second sends the rest, not that one, and everyone gets one mail."""
    smtp = SmtpServer(free_port())
    smtp.inbox = inbox = GatedInbox()
    smtp.start()
    pg_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_TIMEOUT_SECONDS=5)
    try:
        queue_verification_mails(3)
        inbox.hold("data", 2)
        first: list[DeliveryReport] = []

        def send() -> None:
            with pg_app.app_context():
                first.append(deliver_due_mail())
                db.session.remove()

        sender = threading.Thread(target=send)
        sender.start()
        assert inbox.holding.wait(30)
        cut = db.session.scalar(sa.text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND state = 'idle in transaction'"))
        db.session.commit()
        assert cut == 1
        second = deliver_due_mail()  # the other worker, while the first waits for the relay
        inbox.release.set()
        sender.join(60)

        assert second.sent == 1  # the third message; the second is the first worker's
        assert [r.sent for r in first] == [2]
        assert sorted(m["To"] for m in inbox.messages) == ["d0@example.org", "d1@example.org", "d2@example.org"]
        db.session.expire_all()
        rows = db.session.execute(sa.select(OutboxMessage.attempts, OutboxMessage.sent_at,
                                            OutboxMessage.claimed_until)).all()
        assert [(attempts, sent is not None, lease) for attempts, sent, lease in rows] == [(1, True, None)] * 3
    finally:
        smtp.stop()


def test_a_message_erased_while_it_is_being_sent_does_not_stop_the_worker(any_app) -> None:
    """Erasing an account deletes its mail from the outbox, also the one a worker is handing
    over right then: the worker says so in its log and goes on with the next message."""
    from esof.accounts.models import User
    from esof.registration.gdpr import erase_account

    smtp = SmtpServer(free_port())
    smtp.inbox = inbox = GatedInbox()
    smtp.start()
    any_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_TIMEOUT_SECONDS=5)
    try:
        queue_verification_mails(3)
        inbox.hold("data", 2)
        reports: list[DeliveryReport] = []
        errors: list[BaseException] = []

        def send() -> None:
            with any_app.app_context():
                try:
                    reports.append(deliver_due_mail())
                except BaseException as exc:  # what the worker's loop would die of
                    errors.append(exc)
                db.session.remove()

        sender = threading.Thread(target=send)
        sender.start()
        assert inbox.holding.wait(30)
        erase_account(user=db.session.scalars(sa.select(User).where(User.email == "d1@example.org")).one())
        db.session.commit()
        inbox.release.set()
        sender.join(60)

        assert errors == []
        assert [r.sent for r in reports] == [3]  # d1's went out before the erasure reached it
        assert [m["To"] for m in inbox.messages] == ["d0@example.org", "d1@example.org", "d2@example.org"]
        db.session.expire_all()
        assert db.session.scalars(sa.select(OutboxMessage.to_address).order_by(OutboxMessage.id)).all() == [
            "d0@example.org", "d2@example.org"]
    finally:
        smtp.stop()
