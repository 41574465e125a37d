"""Announcements with real processes on PostgreSQL: the queueing killed with SIGKILL half-way and
resumed, and two mail workers delivering to a real SMTP server (aiosmtpd), each mail once."""
from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter

import pytest
import sqlalchemy as sa
from flask import Flask

from esof.accounts.models import Role, User
from esof.announcements import services
from esof.announcements.models import Announcement, AnnouncementRecipient, AnnouncementState
from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.registration.models import RegistrationCategory
from tests.announcements.conftest import add_delegates
from tests.factories import UserFactory
from tests.mail import test_outbox as smtp_support
from tests.ops.processes import PYTHON, REPO, app_environment, flask_command, free_port, stop_process, wait_until
from tests.registration.factories import CategoryFactory
from tests.support import log_in, submit_form


@pytest.fixture
def organiser(pg_app: Flask) -> User:
    """PostgreSQL only (the package's fixtures run on both databases)."""
    user = UserFactory(roles=[Role.ORGANISER], email="organiser@example.org")
    db.session.commit()
    return user


@pytest.fixture
def category(pg_app: Flask) -> RegistrationCategory:
    item = CategoryFactory(code="regular")
    db.session.commit()
    return item


TEXT = services.MessageText("Welcome", "The doors open at 9.", "Welkom", "De deuren gaan om 9 uur open.")


def database_url() -> str:
    return db.engine.url.render_as_string(hide_password=False)


def announcement_to_everyone(organiser: User, count: int, category_id: int) -> int:
    add_delegates(count, category_id)
    announcement = services.create_announcement(actor=organiser, text=TEXT, segment=services.Segment())
    db.session.commit()
    assert announcement.recipient_count == count
    return announcement.id


def queued_so_far(announcement_id: int) -> tuple[int, AnnouncementState]:
    with db.engine.connect() as conn:  # its own snapshot, not the test session's
        row = conn.execute(sa.select(Announcement.queued_count, Announcement.state)
                           .where(Announcement.id == announcement_id)).one()
    return row[0], AnnouncementState(row[1])


def assert_each_recipient_has_one_message(announcement_id: int, count: int) -> None:
    db.session.expire_all()
    per_address = Counter(db.session.scalars(sa.select(OutboxMessage.to_address)))
    assert len(per_address) == count and set(per_address.values()) == {1}
    linked = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(sa.distinct(AnnouncementRecipient.outbox_message_id)))
        .where(AnnouncementRecipient.announcement_id == announcement_id)
    ).one()
    assert tuple(linked) == (count, count)  # every row has its message, no message twice
    announcement = db.session.get(Announcement, announcement_id)
    assert announcement is not None
    assert (announcement.state, announcement.queued_count) == (AnnouncementState.QUEUED, count)


@pytest.mark.postgres
@pytest.mark.parametrize("resume_by", ["command", "page"])
def test_queueing_killed_half_way_is_resumed_with_one_message_per_recipient(
        pg_app: Flask, organiser: User, category: RegistrationCategory, resume_by: str) -> None:
    count = 3000
    announcement_id = announcement_to_everyone(organiser, count, category.id)
    env = app_environment(database_url())
    # Small batches: many commits, so the kill lands half-way, in a batch or between two.
    process = subprocess.Popen(
        [PYTHON, "-m", "flask", "--app", "esof", "announcements", "queue", "--batch-size", "10"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        wait_until(lambda: queued_so_far(announcement_id)[0] >= 200, timeout=60, interval=0.01,
                   what="some batches committed")
        stop_process(process, sig=signal.SIGKILL)
    finally:
        stop_process(process, sig=signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL
    queued, state = queued_so_far(announcement_id)
    assert 200 <= queued < count and state is AnnouncementState.QUEUEING, (queued, state)
    with db.engine.connect() as conn:  # what survived the kill: only whole, committed batches
        messages = conn.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    assert messages == queued and queued % 10 == 0

    if resume_by == "command":
        resumed = flask_command(env, "announcements", "queue")
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        assert resumed.stdout.strip() == f"queued {count - queued}"
    else:  # the organiser's button on the progress page
        client = pg_app.test_client()
        log_in(client, organiser.email)
        page = f"/organiser/mail/{announcement_id}"
        html = client.get(page).get_data(as_text=True)
        assert f"{count - queued} mails are not in the outbox yet." in html
        response = submit_form(client, f"{page}/resume", {}, page=page)
        assert response.status_code == 302
        assert "not in the outbox yet" not in client.get(page).get_data(as_text=True)
    assert_each_recipient_has_one_message(announcement_id, count)


@pytest.mark.postgres
def test_two_mail_workers_deliver_an_announcement_to_each_recipient_exactly_once(
        pg_app: Flask, organiser: User, category: RegistrationCategory) -> None:
    count = 300
    announcement_id = announcement_to_everyone(organiser, count, category.id)
    # Half queued now; the workers' delivery passes queue the rest while they send.
    services.queue_announcement(announcement_id, size=50, max_batches=3)
    smtp = smtp_support.SmtpServer(free_port())
    smtp.start()
    env = app_environment(database_url(), MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp.port))
    workers = [
        subprocess.Popen([PYTHON, "-m", "flask", "--app", "esof", "send-mail", "--forever", "--interval", "0.2"],
                         cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]
    try:
        wait_until(lambda: len(smtp.inbox.messages) >= count, timeout=120, what="every announcement delivered")
        time.sleep(1.5)  # a mail sent twice would arrive now
    finally:
        for worker in workers:
            stop_process(worker)
        smtp.stop()
    outputs = [worker.stdout.read() for worker in workers if worker.stdout is not None]
    received = Counter(message["To"] for message in smtp.inbox.messages)
    assert len(received) == count and set(received.values()) == {1}, received.most_common(3)
    assert all(message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" for message in smtp.inbox.messages)
    assert all("sent " in output for output in outputs), outputs  # both workers really sent
    assert_each_recipient_has_one_message(announcement_id, count)
    sent = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.sent_at.is_not(None)))
    assert sent == count
