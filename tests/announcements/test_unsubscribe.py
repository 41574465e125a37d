"""Opting out of announcements: the one-click headers read at a real SMTP server (aiosmtpd), the
RFC 8058 one-click POST without CSRF, the account page's toggle; service mail (a registration, a
cancelled session) still arrives, without the headers."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from esof.accounts.auth import hash_password
from esof.accounts.models import User
from esof.announcements import services
from esof.extensions import db
from esof.mail.services import deliver_due_mail
from esof.programme import services as programme
from esof.programme.models import SessionStatus
from esof.registration.models import Registration
from tests.announcements.conftest import add_delegates
from tests.mail import test_outbox as smtp_support
from tests.ops.processes import free_port
from tests.programme.factories import publish_now
from tests.registration.factories import register
from tests.speakers.factories import placed_session, speaker_account
from tests.support import DEMO_PASSWORD, csrf_token_from, log_in

TEXT = services.MessageText("Welcome", "The doors open at 9.", "Welkom", "De deuren gaan om 9 uur open.")


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def app_config(smtp_port: int) -> dict[str, object]:
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port, "MAIL_RETRY_BASE_SECONDS": 0,
            "MAIL_TIMEOUT_SECONDS": 5}


@pytest.fixture
def smtp(smtp_port: int) -> Iterator[smtp_support.SmtpServer]:
    server = smtp_support.SmtpServer(smtp_port)
    server.start()
    yield server
    server.stop()


def opted_out(user_id: int) -> bool:
    db.session.expire_all()
    return services.has_opted_out(db.session.get(User, user_id))


def send_announcement(organiser: User) -> None:
    announcement = services.create_announcement(actor=organiser, text=TEXT, segment=services.Segment())
    db.session.commit()
    services.queue_announcement(announcement.id)
    deliver_due_mail()


def test_announcement_carries_one_click_headers_and_the_link_unsubscribes_without_csrf(
        any_app, smtp, category, organiser) -> None:
    ids = add_delegates(2, category.id)
    send_announcement(organiser)
    received = {m["To"]: m for m in smtp.inbox.messages}
    assert set(received) == {"d0@example.org", "d1@example.org"}
    mail = received["d0@example.org"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = "".join(mail["List-Unsubscribe"].split())  # unfolded: a long link is folded onto its own line
    assert header.startswith("<http://esof.test/mail/unsubscribe/") and header.endswith(">")
    # What a mail client does on "Unsubscribe": a bare POST, no cookie, no CSRF token.
    client = any_app.test_client()
    response = client.post(header[1:-1].removeprefix("http://esof.test"),
                           data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert opted_out(ids[0]) and not opted_out(ids[1])
    # The next announcement reaches only the other one.
    smtp.inbox.messages.clear()
    send_announcement(organiser)
    assert [m["To"] for m in smtp.inbox.messages] == ["d1@example.org"]


def test_one_click_with_a_forged_token_changes_nothing(any_app, category) -> None:
    ids = add_delegates(1, category.id)
    url = services.unsubscribe_url(ids[0]).removeprefix("http://esof.test")
    response = any_app.test_client().post(url[:-4] + "abcd", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 404
    assert not opted_out(ids[0])


def test_service_mail_reaches_an_opted_out_person_without_unsubscribe_headers(any_app, smtp, category) -> None:
    ids = add_delegates(1, category.id)
    user = db.session.get(User, ids[0])
    services.opt_out(user=user)
    db.session.execute(sa.delete(Registration).where(Registration.user_id == user.id))
    register(user, category)  # the registration's own mail: service mail
    db.session.commit()
    deliver_due_mail()
    assert [m["To"] for m in smtp.inbox.messages] == ["d0@example.org"]
    mail = smtp.inbox.messages[0]
    assert mail["List-Unsubscribe"] is None and mail["List-Unsubscribe-Post"] is None


def test_a_cancelled_session_is_mailed_to_an_opted_out_speaker_without_unsubscribe_headers(
        any_app, smtp, category, organiser) -> None:
    user, person = speaker_account("speaker1@example.org", "Piet Zeeman")
    services.opt_out(user=user, source="account")
    session = placed_session(person, title="Ether")
    db.session.commit()
    publish_now()
    programme.set_session_status(item=session, status=SessionStatus.CANCELLED)
    db.session.commit()
    publish_now()  # the speaker's service mail about their session
    deliver_due_mail()
    assert [m["To"] for m in smtp.inbox.messages] == ["speaker1@example.org"]
    mail = smtp.inbox.messages[0]
    assert "This session is cancelled." in mail.get_payload(decode=True).decode()
    assert mail["List-Unsubscribe"] is None and mail["List-Unsubscribe-Post"] is None


def test_account_page_toggle_turns_announcements_off_and_on(any_app, category, organiser) -> None:
    ids = add_delegates(1, category.id, password_hash=hash_password(DEMO_PASSWORD))
    client = any_app.test_client()
    log_in(client, "d0@example.org")
    page = client.get("/account/").get_data(as_text=True)
    assert 'action="/account/announcements"' in page
    assert 'name="announcements" value="on" checked' in page
    token = csrf_token_from(page)
    assert client.post("/account/announcements", data={"announcements": "off"}).status_code == 400  # no CSRF
    assert not opted_out(ids[0])
    response = client.post("/account/announcements", data={"csrf_token": token, "announcements": "off"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "You will receive no more announcements." in page
    assert 'name="announcements" value="off" checked' in page
    assert opted_out(ids[0])
    assert services.count_recipients(services.Segment()) == 0
    client.post("/account/announcements", data={"csrf_token": token, "announcements": "on"})
    assert not opted_out(ids[0])
    assert services.count_recipients(services.Segment()) == 1
