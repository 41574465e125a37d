"""Partners' drafts: saved for their organisation only, edited, previewed, then submitted for
approval or deleted after a confirmation. A draft is in no public read path (calendar pages,
search, feeds, API, counts) and not in the moderators' queue or backlog."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from esof.accounts.models import AuditLog, User
from esof.conference import conference_zone
from esof.db import utcnow
from esof.extensions import db
from esof.organiser import dashboard
from esof.side_events import partner_views, queries, queue, services, submission
from esof.side_events.models import MODERATED_STATES, EventState, RevisionStatus, SideEvent
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


def queued() -> list[int]:
    """The events the moderation page lists, in its order (the statement its view runs)."""
    return [item.event.id for item in queue.moderation_page(db.session, queue.QueueFilter()).items]


def test_partner_saves_a_draft_edits_previews_and_submits_it(client: FlaskClient, org, editor, organiser) -> None:
    db.session.commit()
    log_in(client, editor.email)
    saved = submit_form(client, "/calendar/submit", {**FORM, "organisation": str(org.id), "draft": "y"}, headers=EN)
    assert saved.status_code == 302
    event = only_event()
    assert (event.state, event.revisions[0].status) == (EventState.DRAFT, RevisionStatus.PENDING)
    preview = client.get(saved.headers["Location"], headers=EN).get_data(as_text=True)
    assert ("Saved as a draft. Until you submit it for approval, only your organisation and the City of Science"
            " organisers see it.") in preview
    assert "(status: draft, not submitted for approval yet)" in preview
    assert "Once approved, the event has 4 dates:" in preview  # 25-29 March without the 28th

    mine = client.get("/calendar/mine", headers=EN).get_data(as_text=True)
    assert '<span class="badge">Draft</span>' in mine
    assert f'action="/calendar/events/{event.id}/send"' in mine
    assert f'action="/calendar/events/{event.id}/delete"' in mine

    edit = f"/calendar/events/{event.id}/edit"
    form_page = client.get(edit, headers=EN).get_data(as_text=True)
    assert ("This is a draft: until you submit it for approval, only your organisation and the City of Science"
            " organisers see it.") in form_page
    kept = submit_form(client, edit, {**FORM, "organisation": str(org.id), "title_nl": "Sterrennacht", "draft": "y"},
                       headers=EN)
    assert kept.status_code == 302
    event = only_event()
    assert event.state is EventState.DRAFT and services.pending_revision(event).title_nl == "Sterrennacht"
    assert queued() == []

    sent = submit_form(client, edit, {**FORM, "organisation": str(org.id), "title_nl": "Sterrennacht"}, headers=EN)
    assert sent.status_code == 302
    event = only_event()
    assert event.state is EventState.SUBMITTED
    assert queued() == [event.id]
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


def test_a_sent_draft_waits_from_when_it_was_sent_not_from_its_last_save(
    app: Flask, client: FlaskClient, org, editor, organiser, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved_at = datetime(2022, 3, 1, 9, 0, tzinfo=UTC)  # 10:00 CET
    draft = make_draft(org, editor, title_en="Drafted long ago")
    services.pending_revision(draft).created_at = saved_at
    other = make_event(org, editor, title_en="Sent a week later")
    services.pending_revision(other).created_at = saved_at + timedelta(days=7)
    db.session.commit()
    version = services.pending_revision(draft).version
    sent_at = saved_at + timedelta(days=21)
    monkeypatch.setattr(submission, "utcnow", lambda: sent_at)

    log_in(client, editor.email)
    page = client.get(f"/calendar/events/{draft.id}", headers=EN).get_data(as_text=True)
    sent = client.post(f"/calendar/events/{draft.id}/send", data={"csrf_token": csrf_token_from(page)})
    assert sent.status_code == 302

    db.session.expire_all()
    revision = services.pending_revision(db.session.get(SideEvent, draft.id))
    assert revision.created_at == sent_at
    assert revision.version == version  # the content is as saved: what a moderator reads has not changed
    assert queued() == [other.id, draft.id]  # oldest waiting first: the other was sent two weeks earlier
    moderator = app.test_client()
    log_in(moderator, organiser.email)
    html = moderator.get("/calendar/moderation", headers=EN).get_data(as_text=True)
    assert html.index("Sent a week later") < html.index("Drafted long ago")
    assert "<td>22 Mar 2022, 10:00 CET</td>" in html and "<td>8 Mar 2022, 10:00 CET</td>" in html
    assert "1 Mar 2022" not in html
    # Half a day after sending: the draft waited less than a day, the other more than a week.
    assert dashboard.side_event_summary(now=sent_at + timedelta(hours=12)).backlog == [1, 0, 0, 1]


def test_deleting_a_draft_asks_first(client: FlaskClient, org, editor) -> None:
    event = make_draft(org, editor)
    db.session.commit()
    log_in(client, editor.email)
    token = csrf_token_from(client.get("/calendar/mine").get_data(as_text=True))
    asked = client.post(f"/calendar/events/{event.id}/delete", data={"csrf_token": token}, headers=EN)
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert "Delete the draft “Stars over Leiden”?" in page
    assert "The draft and everything in it are deleted; it was never public." in page
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


def test_a_draft_sent_by_someone_else_while_it_is_deleted_stays(
    app: Flask, client: FlaskClient, org, editor, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = make_draft(org, editor)
    colleague = make_editor(org, email="colleague@naturalis.example")
    db.session.commit()
    log_in(client, editor.email)
    token = csrf_token_from(client.get("/calendar/mine").get_data(as_text=True))

    def colleague_sends_first() -> bool:
        """After the delete request read the draft, a colleague's request sends it."""
        with app.app_context():  # its own database session and connection
            services.send_side_event_draft(event=db.session.get(SideEvent, event.id),
                                           author=db.session.get(User, colleague.id))
            db.session.commit()
        return True

    monkeypatch.setattr(partner_views, "is_confirmed", colleague_sends_first)
    response = client.post(f"/calendar/events/{event.id}/delete", data={"csrf_token": token, "confirmed": "yes"},
                           headers=EN)
    assert response.status_code == 302 and response.headers["Location"] == f"/calendar/events/{event.id}"
    shown = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert ("The draft was not deleted: someone else submitted it for approval meanwhile, so it now waits for"
            " the organisers.") in shown
    event = only_event()
    assert event.state is EventState.SUBMITTED and services.pending_revision(event).title_en == "Stars over Leiden"
    assert queued() == [event.id]
    assert audit_actions(event.id) == ["save-side-event-draft", "submit-side-event"]


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
    assert client.get(f"/calendar/events/{event.id}/edit").status_code == 404
    assert client.post(f"/calendar/events/{event.id}/delete", data={"confirmed": "yes"}).status_code == 400  # CSRF
    assert only_event().state is EventState.DRAFT


def test_another_organisations_edit_page_answers_404_like_a_missing_event(
    client: FlaskClient, org, editor, organiser
) -> None:
    public = make_event(org, editor, approve_by=organiser, title_en="Public stargazing")
    draft = make_draft(org, editor, title_en="Draft stargazing")
    stranger = make_editor(PartnerOrganisationFactory(), email="editor@elsewhere.example")
    db.session.commit()
    missing = draft.id + 1000
    log_in(client, stranger.email)
    token = csrf_token_from(client.get("/calendar/mine").get_data(as_text=True))
    for event_id in (public.id, draft.id, missing):
        page = client.get(f"/calendar/events/{event_id}/edit", headers=EN)
        assert page.status_code == 404
        sent = client.post(f"/calendar/events/{event_id}/edit", headers=EN,
                           data={**FORM, "organisation": str(org.id), "title_en": "Taken over", "csrf_token": token})
        assert sent.status_code == 404
        assert "stargazing" not in page.get_data(as_text=True) + sent.get_data(as_text=True)
    db.session.expire_all()
    assert [r.title_en for r in db.session.get(SideEvent, public.id).revisions] == ["Public stargazing"]
    assert [r.title_en for r in db.session.get(SideEvent, draft.id).revisions] == ["Draft stargazing"]


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


@pytest.mark.parametrize("state", list(EventState))
def test_the_queue_the_review_and_the_backlog_agree_on_what_waits(
    client: FlaskClient, org, editor, organiser, state: EventState
) -> None:
    """One definition (MODERATED_STATES) of whose waiting revision a moderator decides on."""
    event = make_event(org, editor, title_en="Waiting or not")
    db.session.execute(sa.update(SideEvent).where(SideEvent.id == event.id).values(state=state))
    db.session.commit()
    db.session.expire_all()
    event = db.session.get(SideEvent, event.id)
    waits = state in MODERATED_STATES
    assert waits is (state not in (EventState.DRAFT, EventState.WITHDRAWN))
    assert queued() == ([event.id] if waits else [])
    assert (services.waiting_revision(event) is not None) is waits
    assert sum(dashboard.side_event_summary(now=utcnow() + timedelta(days=1)).backlog) == int(waits)
    log_in(client, organiser.email)
    html = client.get("/calendar/moderation", headers=EN).get_data(as_text=True)
    assert ("Waiting or not" in html) is waits


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
