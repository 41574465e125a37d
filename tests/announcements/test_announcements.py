"""Mail to delegates: segments, preview and confirm, queueing once and resuming, opt-out."""
from __future__ import annotations

import re

import sqlalchemy as sa

from esof.accounts.models import AuditLog
from esof.announcements import services
from esof.announcements.models import Announcement, AnnouncementRecipient, AnnouncementState
from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.mail.services import deliver_due_mail
from esof.registration.models import Attendance, PaymentStatus, RegistrationStatus
from tests.announcements.conftest import add_delegates
from tests.support import csrf_token_from

TEXT = services.MessageText("Welcome", "The doors open at 9.", "Welkom", "De deuren gaan om 9 uur open.")
FORM = {"subject_en": TEXT.subject_en, "body_en": TEXT.body_en, "subject_nl": TEXT.subject_nl,
        "body_nl": TEXT.body_nl}


def outbox_subjects() -> list[tuple[str, str]]:
    return sorted(db.session.execute(sa.select(OutboxMessage.to_address, OutboxMessage.subject)).tuples())


def test_segment_combines_conditions_and_leaves_out_cancelled_and_opted_out(any_app, category, organiser) -> None:
    add_delegates(3, category.id, prefix="nl", country="NL")
    add_delegates(2, category.id, prefix="be", country="BE", payment=PaymentStatus.PENDING)
    add_delegates(2, category.id, prefix="online", attendance=Attendance.ONLINE)
    add_delegates(1, category.id, prefix="gone", status=RegistrationStatus.CANCELLED)
    opted = add_delegates(1, category.id, prefix="quiet")
    services.opt_out(user=db.session.get(services.User, opted[0]) if hasattr(services, "User") else
                     db.session.get(__import__("esof.accounts.models", fromlist=["User"]).User, opted[0]))
    db.session.commit()
    assert services.count_recipients(services.Segment()) == 7
    assert services.count_recipients(services.Segment(countries=("BE",))) == 2
    assert services.count_recipients(services.Segment(countries=("NL",), payment_statuses=("pending",))) == 0
    assert services.count_recipients(services.Segment(attendance="online", categories=(category.id,))) == 2
    assert services.count_recipients(services.Segment(statuses=("cancelled",))) == 1


def test_confirm_queues_one_mail_per_recipient_in_their_language_once(any_app, category, organiser) -> None:
    add_delegates(3, category.id, prefix="en")
    add_delegates(2, category.id, prefix="nl", language="nl")
    announcement = services.create_announcement(actor=organiser, text=TEXT, segment=services.Segment())
    db.session.commit()
    assert services.queue_announcement(announcement.id, size=2) == 5
    assert services.queue_announcement(announcement.id) == 0  # never twice
    subjects = outbox_subjects()
    assert subjects == sorted([(f"en{i}@example.org", "Welcome") for i in range(3)]
                              + [(f"nl{i}@example.org", "Welkom") for i in range(2)])
    body = db.session.scalar(sa.select(OutboxMessage.body_text).where(OutboxMessage.to_address == "nl0@example.org"))
    assert "De deuren gaan om 9 uur open." in body and "/mail/unsubscribe/" in body
    db.session.refresh(announcement)
    assert (announcement.state, announcement.queued_count) == (AnnouncementState.QUEUED, 5)
    audit = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "announcement-sent")).one()
    assert (audit.actor_id, audit.target_id, audit.detail["recipients"]) == (organiser.id, announcement.id, 5)


def test_interrupted_queueing_is_finished_by_the_mail_worker(any_app, category, organiser) -> None:
    add_delegates(12, category.id)
    announcement = services.create_announcement(actor=organiser, text=TEXT, segment=services.Segment())
    db.session.commit()
    services.queue_announcement(announcement.id, size=5, max_batches=1)
    # A crash in the middle of the second batch: rendered and flushed, never committed.
    services.queue_batch(announcement.id, 5)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 5
    deliver_due_mail()  # the worker's pass resumes the queueing first, then delivers
    rows = db.session.execute(sa.select(AnnouncementRecipient.user_id, AnnouncementRecipient.outbox_message_id)).all()
    assert len(rows) == 12 and all(message for _user, message in rows)
    assert len({m for _u, m in rows}) == 12
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 12
    assert db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.sent_at.is_not(None))) == 12


def test_preview_shows_count_and_example_then_confirm_queues(any_app, organiser_client, category) -> None:
    add_delegates(4, category.id)
    page = organiser_client.get("/organiser/mail/new")
    token = csrf_token_from(page.get_data(as_text=True))
    preview = organiser_client.post("/organiser/mail/new", data={"csrf_token": token, **FORM, "action": "preview"})
    html = preview.get_data(as_text=True)
    assert "It goes to 4 people." in html and "Dear D 0," in html and "The doors open at 9." in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 0
    done = organiser_client.post("/organiser/mail/new", data={
        "csrf_token": token, **FORM, "action": "confirm", "expected_count": "4"})
    assert done.status_code == 302
    announcement = db.session.scalars(sa.select(Announcement)).one()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 4
    progress = organiser_client.get(f"/organiser/mail/{announcement.id}").get_data(as_text=True)
    assert re.search(r"<dt>Recipients</dt><dd>4</dd>", progress)
    assert re.search(r"<dt>Pending</dt><dd>4</dd>", progress)
    listing = organiser_client.get("/organiser/mail/announcements").get_data(as_text=True)
    assert "Welcome" in listing


def test_bad_input_shows_the_form_again_and_queues_nothing(any_app, organiser_client, category) -> None:
    add_delegates(2, category.id)
    token = csrf_token_from(organiser_client.get("/organiser/mail/new").get_data(as_text=True))
    cases = [
        ({**FORM, "subject_nl": ""}, "Write a subject in Dutch."),
        ({**FORM, "countries": "BE"}, "Nobody is in this segment"),
        ({**FORM, "session_id": "999999"}, "Not a valid choice"),
        ({**FORM, "track_id": "999999"}, "Not a valid choice"),
    ]
    for data, message in cases:
        for action in ("preview", "confirm"):
            response = organiser_client.post("/organiser/mail/new", data={
                "csrf_token": token, **data, "action": action, "expected_count": "2"})
            assert response.status_code == 200
            assert message in response.get_data(as_text=True), (data, action)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_segment_changed_since_preview_shows_the_new_count_and_queues_nothing(any_app, organiser_client,
                                                                             category) -> None:
    add_delegates(2, category.id)
    token = csrf_token_from(organiser_client.get("/organiser/mail/new").get_data(as_text=True))
    response = organiser_client.post("/organiser/mail/new", data={
        "csrf_token": token, **FORM, "action": "confirm", "expected_count": "5"})
    html = response.get_data(as_text=True)
    assert "now holds 2 people, not 5" in html and "It goes to 2 people." in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 0


def test_only_organisers_reach_the_pages(any_app, category) -> None:
    from tests.factories import UserFactory
    from tests.support import log_in

    UserFactory(email="delegate@example.org")
    db.session.commit()
    client = any_app.test_client()
    assert client.get("/organiser/mail/new").status_code == 302  # to the log-in page
    log_in(client, "delegate@example.org")
    assert client.get("/organiser/mail/new").status_code == 403
    assert client.get("/organiser/mail/announcements").status_code == 403


def test_unsubscribe_link_is_honoured_and_service_mail_still_arrives(any_app, category, organiser) -> None:
    from esof.accounts.models import User
    from tests.registration.factories import register

    ids = add_delegates(2, category.id)
    url = services.unsubscribe_url(ids[0]).removeprefix("http://esof.test")
    client = any_app.test_client()
    assert "Unsubscribe" in client.get(url).get_data(as_text=True)
    assert not services.has_opted_out(db.session.get(User, ids[0]))  # opening the link changes nothing
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    assert "no more announcements" in client.post(url, data={"csrf_token": token}).get_data(as_text=True)
    assert client.get(url[:-3] + "xyz").status_code == 404  # an altered link
    announcement = services.create_announcement(actor=organiser, text=TEXT, segment=services.Segment())
    db.session.commit()
    assert announcement.recipient_count == 1
    # Service mail is not an announcement: a new registration mail still reaches the opted-out account.
    from esof.registration.models import Registration

    db.session.execute(sa.delete(Registration).where(Registration.user_id == ids[0]))
    register(db.session.get(User, ids[0]), category)
    db.session.commit()
    assert "d0@example.org" in {to for to, _subject in outbox_subjects()}


def test_rate_limit_per_organiser_counts_only_sent_announcements(any_app, category) -> None:
    from esof.accounts.models import Role
    from tests.factories import UserFactory
    from tests.support import log_in

    any_app.config["RATELIMIT_ANNOUNCEMENTS"] = "2 per hour"
    UserFactory(roles=[Role.ORGANISER], email="busy@example.org")
    db.session.commit()
    add_delegates(1, category.id)
    client = any_app.test_client()
    log_in(client, "busy@example.org")
    token = csrf_token_from(client.get("/organiser/mail/new").get_data(as_text=True))
    for _ in range(3):
        assert client.post("/organiser/mail/new", data={"csrf_token": token, **FORM}).status_code == 200
    statuses = [client.post("/organiser/mail/new", data={
        "csrf_token": token, **FORM, "action": "confirm", "expected_count": "1"}).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 2


def test_progress_page_query_count_does_not_grow_with_recipients(any_app, organiser_client, category, organiser,
                                                                 count_queries) -> None:
    counts = []
    for n in (3, 30):
        add_delegates(n, category.id, prefix=f"p{n}-")
        announcement = services.create_announcement(actor=organiser, text=TEXT, segment=services.Segment(
            categories=(category.id,)))
        db.session.commit()
        services.queue_announcement(announcement.id)
        count_queries.reset()
        assert organiser_client.get(f"/organiser/mail/{announcement.id}").status_code == 200
        counts.append(count_queries.count)
    assert counts[0] == counts[1]
