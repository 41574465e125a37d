"""Queue mails in the outbox (same transaction as their cause) and deliver them.

Delivery goes over SMTP when MAIL_SERVER is set, otherwise into instance/mail/ and the
log. A failed attempt is retried with exponential back-off (capped at 6 hours). The outbox
gives up on a message only for its own faults (a 5xx refusal of it, or MAIL_MAX_ATTEMPTS
failures of its own); a server that is down or answers "try later" never makes it give up.
"""
from __future__ import annotations

import contextlib
import logging
import smtplib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.errors import MessageError
from email.message import EmailMessage
from email.utils import format_datetime as rfc5322_date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from blinker import Namespace
from flask import current_app, g, render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound
from sqlalchemy.orm.exc import StaleDataError

from esof.db import utcnow
from esof.extensions import db
from esof.mail.models import OutboxMessage

log = logging.getLogger(__name__)

# Sent (sender: None) at the start of every delivery pass, outside any transaction: an area
# that fills the outbox in steps (announcements queue in batches) finishes an interrupted step
# there, so the mail worker also resumes what a crashed request left. Its receivers commit
# their own work; the outbox does not import them (they sit above it).
delivery_pass_starting = Namespace().signal("delivery-pass-starting")

# Sent (sender: the OutboxMessage) while a message is built for delivery; each receiver returns
# the headers its area adds to its own messages, or {} (announcements: List-Unsubscribe). The
# outbox stores no per-message headers, so the area that queued a message looks it up by id.
building_message = Namespace().signal("building-message")


def mail_template_path(template: str) -> str:
    area, _slash, name = template.rpartition("/")
    return f"{area}/mail/{name}" if area else f"mail/{name}"


def queue_mail(
    *,
    to: str,
    template: str,
    language: str = "en",
    **context: Any,
) -> OutboxMessage:
    """Render the mail's template (.txt, and .html if present) in the language and queue it.

    `template` is a name in templates/mail/ ("verify_email"), or "<area>/<name>" for a mail
    an area keeps with its own templates and translations (templates/<area>/mail/<name>).
    The template's first line is ``Subject: ...``. Flushes, never commits: the message is
    sent only if the change that caused it is committed.
    """
    return queue_messages([render_mail(to=to, template=template, language=language, **context)])[0]


def render_mail(*, to: str, template: str, language: str = "en", **context: Any) -> OutboxMessage:
    """The message queue_mail would queue, not yet added: for senders of many mails at once
    (announcements), which render a batch and queue it with one flush (queue_messages)."""
    path = mail_template_path(template)
    with force_locale(language):
        text = render_template(f"{path}.txt", **context)
        try:
            html = render_template(f"{path}.html", **context)
        except TemplateNotFound:  # the HTML part is optional; errors inside it are not hidden
            html = None
    first_line, _, body = text.partition("\n")
    subject = first_line.removeprefix("Subject:").strip()
    domain = current_app.config["ESOF_BASE_URL"].split("//")[-1].split("/")[0].split(":")[0]
    return OutboxMessage(
        message_id=f"<{uuid.uuid4().hex}@{domain or 'esof.local'}>",
        to_address=to,
        subject=subject,
        body_text=body.lstrip("\n"),
        body_html=html,
        language=language,
    )


def queue_messages(messages: list[OutboxMessage]) -> list[OutboxMessage]:
    """Queue rendered messages in one flush (their ids are set after it). Never commits."""
    db.session.add_all(messages)
    db.session.flush()
    with contextlib.suppress(RuntimeError):  # outside a request (CLI): the worker will send it
        g.mail_queued = True
    return messages


def build_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email["Date"] = rfc5322_date(message.created_at)
    for _receiver, headers in building_message.send(message):
        for name, value in (headers or {}).items():
            email[name] = value
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    # After add_alternative, which moves Content-* headers into the first part.
    email["Content-Language"] = message.language
    return email


def retry_delay(attempts: int) -> timedelta:
    base = current_app.config["MAIL_RETRY_BASE_SECONDS"]
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    # The server could not be reached or refused the session: the batch stopped early.
    server_down: bool = False
    # The database went away (a restart, a fail-over): the pass stopped; the next one goes on.
    database_down: bool = False


class ServerUnavailable(Exception):
    """Connecting, greeting or logging in failed, or the connection broke: no message can go
    out right now. Never counts towards giving up on a message."""


class MessageUnsendable(Exception):
    """This message cannot be handed over as it stands (it cannot be built, or its address
    needs SMTPUTF8 which the relay lacks): the message's fault, not the server's."""


# Answers about one message (a refused recipient, a rejected body): retry or give up on it
# and carry on with the next one. Anything else is about the server: stop the batch.
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused)

# The default of MAIL_CLAIM_LEASE_SECONDS: longer than any one hand-over (each SMTP step times
# out after MAIL_TIMEOUT_SECONDS, 10 s by default) and the minute a sender keeps trying to record
# it, so a live sender keeps its lease; short enough that a crashed sender's message waits
# minutes, not hours.
CLAIM_LEASE = timedelta(minutes=5)


def claim_lease() -> timedelta:
    return timedelta(seconds=current_app.config.get("MAIL_CLAIM_LEASE_SECONDS", CLAIM_LEASE.total_seconds()))


def _reply_codes(exc: Exception) -> list[int]:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return [code for code, _ in exc.recipients.values()]
    return [getattr(exc, "smtp_code", 0)]


def is_permanent(exc: Exception) -> bool:
    """A 5xx answer about this message: retrying will not help."""
    return all(500 <= code < 600 for code in _reply_codes(exc))


class _Transport:
    """One SMTP connection for a batch, or the instance/mail/ folder without a server."""

    def __init__(self) -> None:
        self.config = current_app.config
        self.smtp: smtplib.SMTP | None = None

    def send(self, email: EmailMessage, message: OutboxMessage) -> None:
        if not self.config.get("MAIL_SERVER"):
            folder = Path(current_app.instance_path) / "mail"
            folder.mkdir(exist_ok=True)
            (folder / f"{message.id:08d}.eml").write_bytes(bytes(email))
            log.info("Mail to %s: %s (written to %s)", message.to_address, message.subject, folder)
            return
        if self.smtp is None:
            self.smtp = self._connect()
        try:
            self.smtp.send_message(email)
        except MESSAGE_ERRORS as exc:
            if 421 in _reply_codes(exc):  # the server is closing the session, whatever the message
                raise ServerUnavailable(f"{type(exc).__name__}: {exc}") from exc
            raise
        except (smtplib.SMTPNotSupportedError, UnicodeError) as exc:
            raise MessageUnsendable(f"{type(exc).__name__}: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:  # the connection broke mid-way
            raise ServerUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def _connect(self) -> smtplib.SMTP:
        try:
            smtp = smtplib.SMTP(
                self.config["MAIL_SERVER"], self.config["MAIL_PORT"],
                timeout=self.config.get("MAIL_TIMEOUT_SECONDS", 10),
            )
            if self.config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if self.config.get("MAIL_USERNAME"):
                smtp.login(self.config["MAIL_USERNAME"], self.config["MAIL_PASSWORD"] or "")
        except (smtplib.SMTPException, OSError) as exc:
            raise ServerUnavailable(f"{type(exc).__name__}: {exc}") from exc
        return smtp

    def reset(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):  # it is going away anyway
                self.smtp.quit()
        self.smtp = None

    close = reset


def claim_due_messages(limit: int, now: datetime) -> list[OutboxMessage]:
    """Take up to `limit` due messages that no other sender holds, by committing a lease on
    them (a token and an expiry) before anything is sent.

    The lease outlives the sender's connection. A row lock (PostgreSQL's FOR UPDATE) did not: a
    message the relay took just as the database restarted lost its lock with the connection,
    and another worker that reached the database first sent it again before this one could
    record it. Committing the outcome with `_release` ends the lease; a sender that crashes
    loses it after MAIL_CLAIM_LEASE_SECONDS, and then the message is sent (the crash may have
    come before the hand-over or after it: the outbox cannot tell).
    """
    due = (
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
        .where(OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
    )
    free = sa.or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now)
    candidates = due.where(free).limit(limit)
    token = uuid.uuid4().hex
    claim = sa.update(OutboxMessage).values(claim_token=token, claimed_until=now + claim_lease())
    if db.engine.dialect.name == "postgresql":
        # Several workers: each passes over rows another is claiming instead of queueing on
        # them. In a CTE, which runs once: as `id IN (subquery)` the locking subquery was run
        # again for rows of the UPDATE, and one claim of one message took all that were due.
        chosen = candidates.with_for_update(skip_locked=True).cte("chosen")
        claim = claim.where(OutboxMessage.id == chosen.c.id)
    else:
        claim = claim.where(OutboxMessage.id.in_(candidates))  # SQLite's one write lock serialises claims
    # `free` again on the row itself: a row another claim changed since it was chosen is left.
    claimed = db.session.scalars(
        claim.where(free, OutboxMessage.sent_at.is_(None)).returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()  # the lease must be visible to other senders before we send
    if not claimed:
        return []
    # By primary key: the token has no index, and the outbox keeps every message ever sent.
    return list(db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(OutboxMessage.id)))


# A lost connection to the database (a restart, a fail-over), or one not yet back.
DATABASE_GONE = (sa.exc.OperationalError, sa.exc.InterfaceError)
# How long a sender keeps trying to record a message the relay has taken, while the database
# is away (a restart takes seconds). Not recorded, the message would go out a second time.
RECORD_SENT_SECONDS = 60.0


def _commit_outcome(message_id: int) -> bool:
    """Commit what became of the message; False when it is gone: erasing an account deletes its
    mail from the outbox, also one a worker is sending (a lease does not hold the row)."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        log.info("Mail %s was deleted while it was being sent (its account was erased)", message_id)
        return False
    return True


def _commit_sent(message_id: int, moment: datetime, lease_ends: float) -> None:
    """Commit that the relay took the message. If the database went away since the message
    was claimed, write it again on a new connection until the database is back, for as long
    as the lease keeps other senders off it (`lease_ends`, on the monotonic clock; at most
    MAIL_RECORD_SENT_SECONDS): once it runs out an unrecorded message is sent again."""
    try:
        _commit_outcome(message_id)
        return
    except DATABASE_GONE as exc:
        db.session.rollback()
        log.warning("Mail %s was sent but not recorded (%s); recording it again", message_id, type(exc).__name__)
    deadline = min(time.monotonic() + current_app.config.get("MAIL_RECORD_SENT_SECONDS", RECORD_SENT_SECONDS),
                   lease_ends - 1.0)
    while True:
        try:
            db.session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None))
                .values(sent_at=moment, attempts=OutboxMessage.attempts + 1, last_error="",
                        claim_token=None, claimed_until=None)
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
            log.info("Mail %s recorded as sent after the database came back", message_id)
            return
        except DATABASE_GONE:
            db.session.rollback()
            if time.monotonic() > deadline:
                log.error("Mail %s was sent but could not be recorded: it will be sent again", message_id)
                raise
            time.sleep(0.2)


def _release(message: OutboxMessage) -> None:
    message.claim_token = None
    message.claimed_until = None


def deliver_due_mail(
    limit: int = 100, *, now: datetime | None = None, stopping: Callable[[], bool] | None = None,
) -> DeliveryReport:
    """Send what is due, one committed transaction per message, and report the outcome.

    A message-level refusal backs off that message and goes on with the next. When the
    server is unreachable, the message in hand backs off and the batch stops: the others
    keep their place, and the server is not hammered. `now` fixes the clock for the pass
    (what is due, the next attempt), for tests that simulate hours of outage. `stopping`: asked
    before each message; once it says yes the pass ends (a worker told to stop finishes the
    message in hand, so none is left leased).
    """
    delivery_pass_starting.send(None)
    report = DeliveryReport()
    transport = _Transport()
    try:
        _deliver(limit, now, report, transport, stopping or (lambda: False))
    except DATABASE_GONE as exc:
        # A message in hand was not recorded: it stays due and goes out in a later pass.
        report.database_down = True
        log.warning("Database unavailable (%s); stopping this delivery pass", type(exc).__name__)
    finally:
        # If sending blew up unexpectedly the lease stays until it expires, so such a message
        # is not retried in a tight loop.
        db.session.rollback()
        transport.close()
    return report


def _deliver(limit: int, now: datetime | None, report: DeliveryReport, transport: _Transport,
             stopping: Callable[[], bool]) -> None:
    """The pass: one committed transaction per message."""
    for _ in range(limit):
        if stopping():
            break
        moment = now or utcnow()
        batch = claim_due_messages(1, moment)
        if not batch:
            break
        lease_ends = time.monotonic() + claim_lease().total_seconds()
        message = batch[0]
        try:
            transport.send(_build(message), message)
        except ServerUnavailable as exc:
            transport.reset()
            _record_failure(message, str(exc), report, now=moment, own_fault=False)
            _release(message)
            _commit_outcome(message.id)
            report.server_down = True
            log.warning("Mail server unavailable (%s); stopping this batch", exc)
            break
        except MESSAGE_ERRORS as exc:
            # A 4xx ("try later") is the server's state, however it is worded: it waits.
            permanent = is_permanent(exc)
            _record_failure(message, f"{type(exc).__name__}: {exc}", report, now=moment,
                            own_fault=permanent, permanent=permanent)
        except MessageUnsendable as exc:
            _record_failure(message, str(exc), report, now=moment, own_fault=True)
        else:
            message.attempts += 1
            message.sent_at = moment
            message.last_error = ""
            report.sent += 1
            _release(message)
            _commit_sent(message.id, moment, lease_ends)
            continue
        _release(message)
        _commit_outcome(message.id)


def _build(message: OutboxMessage) -> EmailMessage:
    try:
        return build_email(message)
    except (ValueError, TypeError, MessageError) as exc:  # e.g. a line break in a header
        raise MessageUnsendable(f"{type(exc).__name__}: {exc}") from exc


def _record_failure(
    message: OutboxMessage, error: str, report: DeliveryReport, *, now: datetime, own_fault: bool,
    permanent: bool = False,
) -> None:
    message.attempts += 1
    message.last_error = error[:2000]
    if own_fault:
        message.message_failures += 1
    if permanent or message.message_failures >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        message.failed_at = now
        report.gave_up += 1
        log.error("Giving up on mail %s after %d attempts: %s", message.id, message.attempts, error)
    else:
        message.next_attempt_at = now + retry_delay(message.attempts)
        report.failed += 1
        log.warning("Mail %s not sent (%s); retrying later", message.id, error)


def outbox_counts() -> dict[str, int]:
    """Queued, sent and failed messages, for the organisers' outbox page."""
    row = db.session.execute(
        sa.select(
            sa.func.count().filter(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None)),
            sa.func.count().filter(OutboxMessage.sent_at.is_not(None)),
            sa.func.count().filter(OutboxMessage.failed_at.is_not(None)),
        )
    ).one()
    return {"queued": row[0], "sent": row[1], "failed": row[2]}


def retry_failed_mail(*, message: OutboxMessage) -> OutboxMessage:
    """Put a message that was given up on back in the queue (after fixing the cause)."""
    if message.sent_at is None:
        message.failed_at = None
        message.attempts = 0  # a full set of retries, not one
        message.message_failures = 0
        message.next_attempt_at = utcnow()
    db.session.flush()
    return message
