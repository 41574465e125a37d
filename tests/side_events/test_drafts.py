"""Partners' drafts: saved for their organisation only, edited, previewed, then submitted for
approval or deleted after a confirmation. A draft is in no public read path (calendar pages,
search, feeds, API, counts) and not in the moderators' queue or backlog."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from esof.accounts.models import AuditLog
from esof.conference import conference_zone
from esof.db import utcnow
from esof.extensions import db
from esof.organiser import dashboard
from esof.side_events import queries, services
from esof.side_events.models import EventState, RevisionStatus, SideEvent
from tests.side_events.factories import PartnerOrganisationFactory, event_input, make_editor, make_event
from tests.side_events.test_views import FORM
from tests.support import csrf_token_from, log_in, submit_form

EN = {"Accept-Language": "en"}


def audit_actions(event_id: int) -> list[str]:
    return list(db.session.scalars(
        sa.select(AuditLog.action).where(AuditLog.target_type == "SideEvent", AuditLog.target_id == event_id)
        .order_by(AuditLog.id)
    ))


def only_event() -> SideEvent:
    db.session.expire_all()
    return db.session.scalars(sa.select(SideEvent)).one()


def make_draft(org, editor, **overrides) -> SideEvent:
    return services.submit_side_event(organisation=org, data=event_input(**overrides), author=editor, draft=True)


def test_partner_saves_a_draft_edits_previews_and_submits_it(client: FlaskClient, org, editor, organiser) -> None:
    db.session.commit()
    log_in(client, editor.email)
    saved = submit_form(client, "/calendar/submit", {**FORM, "organisation": str(org.id), "draft": "y"}, headers=EN)
    assert saved.status_code == 302
    event = only_event()
    assert (event.state, event.revisions[0].status) == (EventState.DRAFT, RevisionStatus.PENDING)
    preview = client.get(saved.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Saved as a draft. Only your organisation sees it until you submit it for approval." in preview
    assert "(status: draft, not submitted for approval yet)" in preview
    assert "Once approved, the event has 4 dates:" in preview  # 25-29 March without the 28th

    mine = client.get("/calendar/mine", headers=EN).get_data(as_text=True)
    assert '<span class="badge">Draft</span>' in mine
    assert f'action="/calendar/events/{event.id}/send"' in mine
    assert f'action="/calendar/events/{event.id}/delete"' in mine

    edit = f"/calendar/events/{event.id}/edit"
    form_page = client.get(edit, headers=EN).get_data(as_text=True)
    assert "This is a draft: nobody outside your organisation sees it" in form_page
    kept = submit_form(client, edit, {**FORM, "organisation": str(org.id), "title_nl": "Sterrennacht", "draft": "y"},
                       headers=EN)
    assert kept.status_code == 302
    event = only_event()
    assert event.state is EventState.DRAFT and services.pending_revision(event).title_nl == "Sterrennacht"
    assert queries.moderation_queue(db.session) == []

    sent = submit_form(client, edit, {**FORM, "organisation": str(org.id), "title_nl": "Sterrennacht"}, headers=EN)
    assert sent.status_code == 302
    event = only_event()
    assert event.state is EventState.SUBMITTED
    assert [e.id for e, _r in queries.moderation_queue(db.session)] == [event.id]
    assert audit_actions(event.id) == ["save-side-event-draft", "edit-side-event-draft", "edit-side-event"]


def test_submit_button_sends_a_draft_as_saved(client: FlaskClient, org, editor) -> None:
    event = make_draft(org, editor)
    db.session.commit()
    log_in(client, editor.email)
    page = client.get(f"/calendar/events/{event.id}", headers=EN).get_data(as_text=True)
    response = client.post(f"/calendar/events/{event.id}/send", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302 and response.headers["Location"] == "/calendar/mine"
    event = only_event()
    assert event.state is EventState.SUBMITTED
    assert services.pending_revision(event).title_en == "Stars over Leiden"
    assert audit_actions(event.id) == ["save-side-event-draft", "submit-side-event"]
    again = client.post(f"/calendar/events/{event.id}/send", data={"csrf_token": csrf_token_from(page)}, headers=EN)
    assert again.status_code == 302
    shown = client.get(again.headers["Location"], headers=EN).get_data(as_text=True)
    assert "This event is not a draft any more: it was sent to the organisers." in shown
    assert audit_actions(event.id) == ["save-side-event-draft", "submit-side-event"]


def test_deleting_a_draft_asks_first(client: FlaskClient, org, editor) -> None:
    event = make_draft(org, editor)
    db.session.commit()
    log_in(client, editor.email)
    token = csrf_token_from(client.get("/calendar/mine").get_data(as_text=True))
    asked = client.post(f"/calendar/events/{event.id}/delete", data={"csrf_token": token}, headers=EN)
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert "Delete the draft “Stars over Leiden”?" in page
    assert "The draft and everything in it are deleted; nobody else has seen it." in page
    assert db.session.get(SideEvent, event.id) is not None

    deleted = client.post(f"/calendar/events/{event.id}/delete", data={"csrf_token": token, "confirmed": "yes"},
                          headers=EN)
    assert deleted.status_code == 302
    db.session.expire_all()
    assert db.session.get(SideEvent, event.id) is None
    mine = client.get("/calendar/mine", headers=EN).get_data(as_text=True)
    assert "The draft “Stars over Leiden” is deleted." in mine and "No events yet." in mine
    assert audit_actions(event.id) == ["save-side-event-draft", "delete-side-event-draft"]


def test_a_submitted_event_is_not_deleted_as_a_draft(client: FlaskClient, org, editor) -> None:
    event = make_event(org, editor)
    db.session.commit()
    log_in(client, editor.email)
    token = csrf_token_from(client.get("/calendar/mine").get_data(as_text=True))
    response = client.post(f"/calendar/events/{event.id}/delete", data={"csrf_token": token, "confirmed": "yes"},
                           headers=EN)
    assert response.status_code == 200
    assert "This event is not a draft any more: it was sent to the organisers." in response.get_data(as_text=True)
    assert only_event().state is EventState.SUBMITTED
    with pytest.raises(services.NotADraft):
        services.delete_side_event_draft(event=event, actor=editor)
    with pytest.raises(services.NotADraft):
        services.edit_side_event(event=event, data=event_input(), author=editor, draft=True)


def test_another_organisations_partner_cannot_see_send_or_delete_a_draft(client: FlaskClient, org, editor) -> None:
    event = make_draft(org, editor)
    stranger = make_editor(PartnerOrganisationFactory(), email="editor@elsewhere.example")
    db.session.commit()
    log_in(client, stranger.email)
    token = csrf_token_from(client.get("/calendar/mine").get_data(as_text=True))
    assert client.get(f"/calendar/events/{event.id}").status_code == 404
    assert client.get(f"/calendar/events/{event.id}?version=pending").status_code == 404
    assert client.post(f"/calendar/events/{event.id}/send", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/calendar/events/{event.id}/delete",
                       data={"csrf_token": token, "confirmed": "yes"}).status_code == 404
    assert client.get(f"/calendar/events/{event.id}/edit").status_code == 403
    assert client.post(f"/calendar/events/{event.id}/delete", data={"confirmed": "yes"}).status_code == 400  # CSRF
    assert only_event().state is EventState.DRAFT


def test_moderators_neither_see_nor_approve_a_draft(client: FlaskClient, org, editor, organiser) -> None:
    draft = make_draft(org, editor, title_en="Secret plans")
    make_event(org, editor, title_en="Sent for approval")
    db.session.commit()
    log_in(client, organiser.email)
    queue = client.get("/calendar/moderation", headers=EN).get_data(as_text=True)
    assert "Sent for approval" in queue and "Secret plans" not in queue and "1 waiting" in queue
    review = client.get(f"/calendar/moderation/{draft.id}", headers=EN).get_data(as_text=True)
    assert "Nothing is waiting for moderation on this event." in review and "/approve" not in review
    revision = services.pending_revision(draft)
    response = client.post(f"/calendar/moderation/{draft.id}/approve", headers=EN, data={
        "csrf_token": csrf_token_from(review), "seen_revision_id": revision.id, "seen_version": revision.version})
    assert response.status_code == 302
    bulk = client.post("/calendar/moderation/approve-selected", data={
        "csrf_token": csrf_token_from(review), "selected": [f"{draft.id}:{revision.id}:{revision.version}"]})
    assert bulk.status_code == 302
    db.session.expire_all()
    draft = db.session.get(SideEvent, draft.id)
    assert draft.state is EventState.DRAFT and services.approved_revision(draft) is None
    later = utcnow() + timedelta(days=1)
    assert sum(dashboard.side_event_summary(now=later).backlog) == 1  # the submitted one only


@pytest.fixture
def published_and_draft(app: Flask, org, editor, organiser) -> tuple[SideEvent, SideEvent]:
    public = make_event(org, editor, approve_by=organiser, title_en="Public stargazing",
                        title_nl="Openbaar sterrenkijken")
    draft = make_draft(org, editor, title_en="Draft stargazing", title_nl="Concept sterrenkijken")
    db.session.commit()
    return public, draft


@pytest.mark.parametrize("url", [
    "/calendar/?from=2022-07-01",
    "/calendar/?from=2022-07-01&q=stargazing",
    "/calendar/month/2022-07",
    "/calendar/day/2022-07-14",
    "/feeds/side-events.ics",
    "/feeds/side-events.ics?q=stargazing",
    "/api/v1/side-events",
    "/api/v1/side-events?q=stargazing",
])
def test_no_public_read_path_shows_a_draft(client: FlaskClient, published_and_draft, url: str) -> None:
    response = client.get(url, headers=EN)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Public stargazing" in text
    assert "Draft stargazing" not in text and "Concept sterrenkijken" not in text
    if url.startswith("/api/"):
        assert response.get_json()["total"] == 1


def test_a_drafts_own_addresses_answer_404_to_the_public(client: FlaskClient, published_and_draft) -> None:
    public, draft = published_and_draft
    for path in ("/calendar/events/{}", "/calendar/events/{}.ics", "/api/v1/side-events/{}"):
        assert client.get(path.format(public.id)).status_code == 200
        assert client.get(path.format(draft.id)).status_code == 404
    assert client.get(f"/calendar/events/{draft.id}?version=pending").status_code == 404


def test_counts_leave_a_draft_out(app: Flask, published_and_draft) -> None:
    summary = dashboard.side_event_summary()
    assert summary.events[6] == 1  # July: the public event only
    start = queries.local_midnight(date(2022, 1, 1), conference_zone())
    assert queries.upcoming_occurrences(db.session, queries.CalendarFilter(), now=start).total == 1
