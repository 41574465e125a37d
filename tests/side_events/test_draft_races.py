"""Deleting a draft while another editor sends it: the delete is one conditional statement,
as sending is, so an event sent after the deleting request read it stays (SQLite and
PostgreSQL alike)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from esof.accounts.models import AuditLog, User
from esof.errors import NotFound
from esof.extensions import db
from esof.side_events import services
from esof.side_events.models import EventState, SideEvent
from tests.side_events.factories import PartnerOrganisationFactory, event_input, make_editor


@pytest.fixture
def org(any_app: Flask):  # on both databases; `editor` and the rest come from conftest.py
    return PartnerOrganisationFactory(name="Naturalis", slug="naturalis")


@pytest.fixture
def colleague(org):
    return make_editor(org, email="colleague@naturalis.example")


def make_draft(org, editor) -> SideEvent:
    return services.submit_side_event(organisation=org, data=event_input(), author=editor, draft=True)


def audited(event_id: int) -> list[str]:
    return list(db.session.scalars(
        sa.select(AuditLog.action).where(AuditLog.target_type == "SideEvent", AuditLog.target_id == event_id)
        .order_by(AuditLog.id)
    ))


def test_a_draft_sent_after_the_delete_read_it_is_not_deleted(any_app: Flask, org, editor, colleague) -> None:
    event = make_draft(org, editor)
    db.session.commit()
    assert event.state is EventState.DRAFT  # this request read a draft

    with any_app.app_context():  # the colleague's request, with its own database session
        services.send_side_event_draft(event=db.session.get(SideEvent, event.id),
                                       author=db.session.get(User, colleague.id))
        db.session.commit()

    with pytest.raises(services.DraftSentMeanwhile) as refused:
        services.delete_side_event_draft(event=event, actor=editor)
    db.session.rollback()

    assert "someone else submitted it for approval meanwhile" in refused.value.message
    assert isinstance(refused.value, services.NotADraft) and refused.value.status_code == 409
    db.session.expire_all()
    event = db.session.get(SideEvent, event.id)
    assert event is not None and event.state is EventState.SUBMITTED
    assert services.pending_revision(event).title_en == "Stars over Leiden"
    assert audited(event.id) == ["save-side-event-draft", "submit-side-event"]


def test_a_draft_deleted_by_another_editor_meanwhile_is_not_found(any_app: Flask, org, editor, colleague) -> None:
    event = make_draft(org, editor)
    db.session.commit()
    event_id = event.id
    assert event.state is EventState.DRAFT

    with any_app.app_context():
        services.delete_side_event_draft(event=db.session.get(SideEvent, event_id),
                                         actor=db.session.get(User, colleague.id))
        db.session.commit()

    with pytest.raises(NotFound):
        services.delete_side_event_draft(event=event, actor=editor)
    db.session.rollback()
    assert audited(event_id) == ["save-side-event-draft", "delete-side-event-draft"]  # once


def test_deleting_a_draft_deletes_its_revisions_and_leaves_the_session_usable(any_app: Flask, org, editor) -> None:
    event = make_draft(org, editor)
    kept = make_draft(org, editor)
    db.session.commit()
    services.delete_side_event_draft(event=event, actor=editor)
    db.session.commit()

    assert db.session.get(SideEvent, event.id) is None
    assert db.session.scalar(sa.text("SELECT count(*) FROM side_event_revision WHERE event_id = :id"),
                             {"id": event.id}) == 0
    assert [e.id for e in db.session.scalars(sa.select(SideEvent))] == [kept.id]
    assert audited(event.id) == ["save-side-event-draft", "delete-side-event-draft"]
