"""Queue mails in the outbox (same transaction as their cause) and deliver them.

Delivery goes over SMTP when MAIL_SERVER is set, otherwise into instance/mail/ and the
log. A failed attempt is retried with exponential back-off; nothing is dropped.
"""
from __future__ import annotations

import logging
import smtplib
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime as rfc5322_date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, render_template
from flask_babel import force_locale

from esof.db import utcnow
from esof.extensions import db
from esof.mail.models import OutboxMessage

log = logging.getLogger(__name__)


def queue_mail(
    *,
    to: str,
    template: str,
    language: str = "en",
    **context: Any,
) -> OutboxMessage:
    """Render mail/<template>.txt (and .html if present) in the language and queue it.

    The template's first line is ``Subject: ...``. Flushes, never commits: the message is
    sent only if the change that caused it is committed.
    """
    with force_locale(language):
        text = render_template(f"mail/{template}.txt", **context)
        try:
            html = render_template(f"mail/{template}.html", **context)
        except Exception:  # noqa: BLE001  (an HTML part is optional)
            html = None
    first_line, _, body = text.partition("\n")
    subject = first_line.removeprefix("Subject:").strip()
    domain = current_app.config["ESOF_BASE_URL"].split("//")[-1].split("/")[0].split(":")[0]
    message = OutboxMessage(
        message_id=f"<{uuid.uuid4().hex}@{domain or 'esof.local'}>",
        to_address=to,
        subject=subject,
        body_text=body.lstrip("\n"),
        body_html=html,
        language=language,
    )
    db.session.add(message)
    db.session.flush()
    try:
        g.mail_queued = True
    except RuntimeError:  # outside a request (CLI): the worker will send it
        pass
    return message


def build_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email["Date"] = rfc5322_date(message.created_at)
    email["Content-Language"] = message.language
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


def retry_delay(attempts: int) -> timedelta:
    base = current_app.config["MAIL_RETRY_BASE_SECONDS"]
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0


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
            self.smtp = smtplib.SMTP(self.config["MAIL_SERVER"], self.config["MAIL_PORT"], timeout=10)
            if self.config.get("MAIL_USE_TLS"):
                self.smtp.starttls()
            if self.config.get("MAIL_USERNAME"):
                self.smtp.login(self.config["MAIL_USERNAME"], self.config["MAIL_PASSWORD"] or "")
        self.smtp.send_message(email)

    def reset(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
        self.smtp = None

    close = reset


def claim_due_messages(limit: int, now: datetime) -> list[OutboxMessage]:
    stmt = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
        .where(OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        # Several workers: each takes rows no other worker holds, so none is sent twice.
        stmt = stmt.with_for_update(skip_locked=True)
    return list(db.session.scalars(stmt))


def deliver_due_mail(limit: int = 100) -> DeliveryReport:
    """Send what is due, one committed transaction per message, and report the outcome."""
    report = DeliveryReport()
    transport = _Transport()
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    try:
        for _ in range(limit):
            batch = claim_due_messages(1, utcnow())
            if not batch:
                break
            message = batch[0]
            try:
                transport.send(build_email(message), message)
            except (smtplib.SMTPException, OSError, socket.timeout) as exc:
                transport.reset()
                message.attempts += 1
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if message.attempts >= max_attempts:
                    message.failed_at = utcnow()
                    report.gave_up += 1
                    log.error("Giving up on mail %s after %d attempts", message.id, message.attempts)
                else:
                    message.next_attempt_at = utcnow() + retry_delay(message.attempts)
                    report.failed += 1
                    log.warning("Mail %s not sent (%s); retrying later", message.id, exc)
            else:
                message.attempts += 1
                message.sent_at = utcnow()
                report.sent += 1
            db.session.commit()
    finally:
        transport.close()
    return report
