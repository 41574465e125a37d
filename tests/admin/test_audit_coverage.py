"""Every kind of change the back office promises to log is on /admin/audit under a readable
name: payments, side-event moderation, programme publishing, erasures and bulk mail."""
from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from esof.accounts.models import AuditLog, Role, User
from esof.announcements import services as announcements
from esof.extensions import db
from esof.registration.gdpr import erase_account
from esof.registration.models import PaymentStatus, Registration
from esof.side_events import services as side_events
from tests.factories import UserFactory
from tests.programme.factories import SessionFactory, SlotFactory, publish_now
from tests.registration.factories import CategoryFactory, register
from tests.side_events.factories import PartnerOrganisationFactory, make_editor, make_event
from tests.support import log_in, submit_form


def audit_rows_shown(admin_client: FlaskClient, action: str) -> list[str]:
    """The table rows /admin/audit shows when filtered on the action's code."""
    html = admin_client.get(f"/admin/audit?action={action}").get_data(as_text=True)
    return re.findall(r"<tr>\s*<td>.*?</tr>", html, re.DOTALL)


def actions_logged() -> list[str]:
    return list(db.session.scalars(sa.select(AuditLog.action).order_by(AuditLog.id)))


def test_payment_marked_paid_and_waived_by_an_organiser(app: Flask, admin_client: FlaskClient) -> None:
    category = CategoryFactory(code="regular")
    UserFactory(email="olga@example.org", roles=[Role.ORGANISER])
    first = register(UserFactory(email="ada@example.org"), category)
    second = register(UserFactory(email="bob@example.org"), category)
    db.session.commit()
    organiser = app.test_client()
    log_in(organiser, "olga@example.org")
    for registration, status in ((first, PaymentStatus.PAID), (second, PaymentStatus.WAIVED)):
        page = f"/registration/organiser/{registration.id}"
        response = submit_form(organiser, f"{page}/payment", {"payment_status": status.value}, page=page)
        assert response.status_code == 302
    rows = audit_rows_shown(admin_client, "registration-payment")
    assert len(rows) == 2
    assert all("Payment status changed" in row and "olga@example.org" in row for row in rows)
    assert "status: waived" in rows[0] and "status: paid" in rows[1]  # newest first


def test_side_event_approved_and_rejected(app: Flask, admin_client: FlaskClient) -> None:
    organisation = PartnerOrganisationFactory()
    editor = make_editor(organisation, email="editor@partner.example.org")
    moderator = UserFactory(email="mo@example.org", roles=[Role.ORGANISER])
    make_event(organisation, editor, approve_by=moderator)
    refused = make_event(organisation, editor, title_en="Not this one")
    side_events.reject_side_event(event=refused, moderator=moderator, reason="Outside the festival dates.")
    db.session.commit()
    approved = audit_rows_shown(admin_client, "approve-side-event")
    rejected = audit_rows_shown(admin_client, "reject-side-event")
    assert len(approved) == 1 and "Side event approved" in approved[0] and "mo@example.org" in approved[0]
    assert len(rejected) == 1 and "Side event rejected" in rejected[0]
    assert "Outside the festival dates." in rejected[0]


def test_programme_published(app: Flask, admin_client: FlaskClient) -> None:
    SlotFactory(session=SessionFactory(title="Opening"))
    db.session.flush()
    version = publish_now()
    rows = audit_rows_shown(admin_client, "schedule.publish")
    assert len(rows) == 1 and "Programme published" in rows[0]
    assert f"ScheduleVersion {version.id}" in rows[0]


def test_erasure_keeps_the_row_without_the_persons_data(app: Flask, admin_client: FlaskClient) -> None:
    category = CategoryFactory(code="regular")
    person = UserFactory(email="forget.me@example.org", display_name="Forget Me")
    register(person, category)
    db.session.commit()
    erase_account(user=db.session.get(User, person.id))
    db.session.commit()
    rows = audit_rows_shown(admin_client, "erase-account")
    assert len(rows) == 1 and "Account erased" in rows[0] and "the system" in rows[0]
    html = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "forget.me@example.org" not in html and "Forget Me" not in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1  # kept, anonymous


def test_bulk_mail(app: Flask, admin_client: FlaskClient) -> None:
    category = CategoryFactory(code="regular")
    for i in range(3):
        register(UserFactory(email=f"d{i}@example.org"), category)
    organiser = UserFactory(email="olga@example.org", roles=[Role.ORGANISER])
    db.session.commit()
    announcements.create_announcement(
        actor=organiser, segment=announcements.Segment(),
        text=announcements.MessageText("Doors at nine", "See you.", "Deuren om negen", "Tot dan."),
    )
    db.session.commit()
    rows = audit_rows_shown(admin_client, "announcement-sent")
    assert len(rows) == 1 and "Announcement sent" in rows[0] and "olga@example.org" in rows[0]
    assert "recipients: 3" in rows[0] and "Doors at nine" in rows[0]
    assert actions_logged()[-1] == "announcement-sent"
