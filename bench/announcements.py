"""Announcement bench: a mail to every delegate of the full demo data, queued and then delivered
by two mail workers to a real SMTP server, each recipient counted at the server.

    .venv/bin/python -m bench.announcements [--delegates 5000] [--workers 2] [--batch-size 500]

1. creates a fresh PostgreSQL database (dropped at the end), migrates it and loads the demo data
   (`flask demo-data --seed 2022 --delegates N`; mail the demo left unsent is marked sent first,
   so the workers carry the announcement only);
2. times the queueing in this process: confirming the announcement to the whole segment (the
   recipients fixed with one INSERT ... SELECT, the audit row) and putting every mail into the
   outbox in committed batches, as the organiser's confirm does;
3. starts aiosmtpd on a free local port and `workers` processes of `flask send-mail --forever`,
   times until every mail arrived, waits 2 s more (a mail sent twice would arrive then), stops them;
4. prints a Markdown table: recipients, queueing seconds, delivery seconds and mails per second,
   mails received, recipients reached once, recipients reached twice or more, and what each
   worker sent. The exit status is 1 if queueing took 10 s or more or any recipient did not get
   exactly one mail.

Only 127.0.0.1 is contacted; every process is stopped by its pid.
"""
from __future__ import annotations

import argparse
import email
import logging
import re
import subprocess
import sys
import threading
import time
from collections import Counter

import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from bench.common import (
    BENCH_SECRET_KEY,
    PYTHON,
    REPO,
    app_environment,
    flask,
    free_port,
    fresh_postgres_database,
    stop,
)
from esof import create_app
from esof.accounts.models import User
from esof.announcements import services
from esof.db import utcnow
from esof.extensions import db
from esof.mail.models import OutboxMessage

SUBJECT = "ESOF 2022: doors open at 9"
TEXT = services.MessageText(
    SUBJECT, "Registration desks open at 9 in the Pieterskerk.",
    "ESOF 2022: deuren open om 9 uur", "De registratiebalies gaan om 9 uur open in de Pieterskerk.",
)


class CountingInbox:
    """Counts the announcement's mails per recipient as the server accepts them."""

    def __init__(self) -> None:
        self.per_recipient: Counter[str] = Counter()
        self.received = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        message = email.message_from_bytes(raw.encode() if isinstance(raw, str) else raw)
        if message["Subject"] and "ESOF 2022" in message["Subject"]:
            with self.lock:
                self.received += 1
                for address in envelope.rcpt_tos:
                    self.per_recipient[address] += 1
        return "250 Message accepted"


def queue_to_everyone(database_url: str, batch_size: int) -> tuple[int, float]:
    """(recipients, seconds to confirm and queue every mail)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": BENCH_SECRET_KEY,
                      "ESOF_BASE_URL": "https://esof2022.example.org", "MAIL_SERVER": None})
    with app.app_context():
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
                           .values(sent_at=utcnow()))
        db.session.commit()
        organiser = db.session.scalar(sa.select(User).where(User.email == "organiser@example.org"))
        assert organiser is not None, "the demo data has no organiser@example.org"
        started = time.perf_counter()
        announcement = services.create_announcement(actor=organiser, text=TEXT, segment=services.Segment())
        db.session.commit()
        queued = services.queue_announcement(announcement.id, size=batch_size)
        seconds = time.perf_counter() - started
        assert queued == announcement.recipient_count, (queued, announcement.recipient_count)
        count = announcement.recipient_count
        db.session.remove()
        db.engine.dispose()
    return count, seconds


def deliver(env: dict[str, str], inbox: CountingInbox, expected: int, workers: int) -> tuple[float, list[int]]:
    """(seconds until every mail arrived, mails each worker reports sending)."""
    processes = [
        subprocess.Popen([PYTHON, "-m", "flask", "--app", "esof", "send-mail", "--forever", "--interval", "0.2"],
                         cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for _ in range(workers)
    ]
    started = time.perf_counter()
    try:
        deadline = started + 900
        while inbox.received < expected and time.perf_counter() < deadline:
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        time.sleep(2)
    finally:
        for process in processes:
            stop(process)
    outputs = [process.stdout.read() if process.stdout else "" for process in processes]
    return seconds, [sum(int(n) for n in re.findall(r"^sent (\d+)", out, re.MULTILINE)) for out in outputs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delegates", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=services.BATCH_SIZE)
    args = parser.parse_args()

    with fresh_postgres_database("esof_bench_announcements") as url:
        env = app_environment(url)
        flask(env, "db", "upgrade", "heads")
        flask(env, "demo-data", "--seed", "2022", "--delegates", str(args.delegates))
        recipients, queue_seconds = queue_to_everyone(url, args.batch_size)

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per SMTP command
        inbox = CountingInbox()
        port = free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            worker_env = {**env, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port),
                          "ESOF_BASE_URL": "https://esof2022.example.org"}
            delivery_seconds, sent_by = deliver(worker_env, inbox, recipients, args.workers)
        finally:
            controller.stop()

    once = sum(1 for n in inbox.per_recipient.values() if n == 1)
    twice = sum(1 for n in inbox.per_recipient.values() if n > 1)
    print("| recipients | queueing s | delivery s | mails/s | received | reached once | reached twice or more "
          "| sent per worker |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    print(f"| {recipients} | {queue_seconds:.2f} | {delivery_seconds:.1f} | {recipients / delivery_seconds:.0f} "
          f"| {inbox.received} | {once} | {twice} | {' + '.join(map(str, sent_by))} |")
    ok = queue_seconds < 10 and once == recipients and twice == 0 and inbox.received == recipients
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
