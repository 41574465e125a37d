"""Moderation decides about the text the moderator saw, and only once.

A partner's edit while a moderator reviews, a second moderator deciding at the same time, and
an edit that lands just after an approval: each loser gets RevisionChanged (or
NothingToModerate), nothing of theirs is saved and no mail goes out.
"""
from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, time

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from esof.accounts.models import User
from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.side_events import services
from esof.side_events.models import EventState, RevisionStatus, SideEvent, SideEventOccurrence
from tests.side_events.factories import (
    PartnerOrganisationFactory,
    event_input,
    make_editor,
    make_event,
    make_organiser,
    seen_fields,
)
from tests.support import csrf_token_from, log_in


@pytest.fixture
def org(any_app: Flask):  # on both databases; `editor` and the rest come from conftest.py
    return PartnerOrganisationFactory(name="Naturalis", slug="naturalis")


@pytest.fixture
def organiser(any_app: Flask):
    return make_organiser(email="organiser@example.org")


def mails() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def occurrence_starts(event_id: int) -> list[datetime]:
    return list(db.session.scalars(
        sa.select(SideEventOccurrence.starts_at).where(SideEventOccurrence.event_id == event_id)
    ))


# --- the moderator's page was stale --------------------------------------------------------

def test_approve_with_stale_seen_version_publishes_nothing(org, editor, organiser) -> None:
    event = make_event(org, editor)
    revision = services.pending_revision(event)
    seen = (revision.id, revision.version)
    services.edit_side_event(event=event, data=event_input(title_en="Planets over Leiden"), author=editor)
    db.session.commit()

    with pytest.raises(services.RevisionChanged):
        services.approve_side_event(event=event, moderator=organiser, seen_revision_id=seen[0], seen_version=seen[1])
    db.session.rollback()

    event = db.session.get(SideEvent, event.id)
    assert event.state is EventState.SUBMITTED
    assert services.approved_revision(event) is None
    assert services.pending_revision(event).title_en == "Planets over Leiden"
    assert occurrence_starts(event.id) == []
    assert mails() == []


def test_approve_with_current_seen_version_publishes_what_was_seen(org, editor, organiser) -> None:
    event = make_event(org, editor)
    services.edit_side_event(event=event, data=event_input(title_en="Planets over Leiden"), author=editor)
    revision = services.pending_revision(event)

    services.approve_side_event(
        event=event, moderator=organiser, seen_revision_id=revision.id, seen_version=revision.version
    )

    assert services.approved_revision(event).title_en == "Planets over Leiden"
    assert [m.to_address for m in mails()] == ["editor@naturalis.example"]


def test_reject_of_a_replaced_revision_is_refused_and_mails_nobody(org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)
    services.edit_side_event(event=event, data=event_input(title_en="Wrong"), author=editor)
    first = services.pending_revision(event)
    seen = (first.id, first.version)
    services.reject_side_event(event=event, moderator=organiser, reason="No.")
    services.edit_side_event(event=event, data=event_input(title_en="Better"), author=editor)
    db.session.commit()
    mails_before = len(mails())

    with pytest.raises(services.RevisionChanged):
        services.reject_side_event(event=event, moderator=organiser, reason="Still no.",
                                   seen_revision_id=seen[0], seen_version=seen[1])
    db.session.rollback()

    event = db.session.get(SideEvent, event.id)
    assert services.pending_revision(event).title_en == "Better"
    assert event.rejection_reason == ""
    assert len(mails()) == mails_before


# --- an edit that lands just after the approval ---------------------------------------------

def test_edit_after_approval_of_the_revision_it_read_is_refused(any_app: Flask, org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)
    services.edit_side_event(event=event, data=event_input(title_en="Planets over Leiden", start_time=time(14, 0),
                                                           end_time=time(16, 0)), author=editor)
    db.session.commit()
    assert services.pending_revision(event).title_en == "Planets over Leiden"  # this request read it

    with any_app.app_context():  # a moderator's request, with its own database session
        other = db.session.get(SideEvent, event.id)
        services.approve_side_event(event=other, moderator=db.session.get(User, organiser.id))
        db.session.commit()

    with pytest.raises(services.RevisionChanged):
        services.edit_side_event(event=event, data=event_input(title_en="Sneaked in"), author=editor)
    db.session.rollback()

    event = db.session.get(SideEvent, event.id)
    assert services.approved_revision(event).title_en == "Planets over Leiden"
    assert services.pending_revision(event) is None
    assert [r.title_en for r in event.revisions] == ["Stars over Leiden", "Planets over Leiden"]
    assert occurrence_starts(event.id) == [datetime(2022, 7, 14, 12, 0, tzinfo=UTC)]


# --- moderators deciding at the same moment (PostgreSQL, real threads) ----------------------

THREADS = 8


def decide(app: Flask, event_id: int, moderator_id: int, action: str, barrier: threading.Barrier) -> str:
    """One moderator's request: read the waiting revision, wait for the others, decide, commit."""
    with app.app_context():
        try:
            event = db.session.get(SideEvent, event_id)
            moderator = db.session.get(User, moderator_id)
            services.pending_revision(event)  # every request has read it as pending before anyone writes
            services.approved_revision(event)
            event.organisation  # noqa: B018
            barrier.wait(timeout=30)
            if action == "approve":
                services.approve_side_event(event=event, moderator=moderator)
            else:
                services.reject_side_event(event=event, moderator=moderator, reason="Please add the address.")
            db.session.commit()
            return action
        except (services.NothingToModerate, services.RevisionChanged) as exc:
            db.session.rollback()
            return type(exc).__name__
        except Exception as exc:  # reported to the test, which expects none
            db.session.rollback()
            return f"error: {type(exc).__name__}: {exc}"


@pytest.mark.parametrize("actions", [["approve"] * THREADS, ["approve", "reject"] * (THREADS // 2)],
                         ids=["approve-vs-approve", "approve-vs-reject"])
def test_moderators_racing_on_postgresql_decide_once(pg_app: Flask, actions: list[str]) -> None:
    org = PartnerOrganisationFactory()
    editor = make_editor(org, email="editor@race.example")
    first = make_organiser(email="first@example.org")
    event = make_event(org, editor, approve_by=first)
    services.edit_side_event(event=event, data=event_input(title_en="Planets over Leiden", start_time=time(14, 0),
                                                           end_time=time(16, 0)), author=editor)
    moderator_ids = [make_organiser().id for _ in actions]
    event_id = event.id
    db.session.commit()
    mails_before = len(mails())
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = [""] * THREADS

    def run(index: int) -> None:
        outcomes[index] = decide(pg_app, event_id, moderator_ids[index], actions[index], barrier)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    counted = Counter(outcomes)
    winners = [o for o in outcomes if o in ("approve", "reject")]
    assert len(winners) == 1, counted
    assert set(counted) - {"approve", "reject"} <= {"NothingToModerate", "RevisionChanged"}, counted
    db.session.expire_all()
    event = db.session.get(SideEvent, event_id)
    statuses = Counter(r.status for r in event.revisions)
    assert len(mails()) == mails_before + 1
    assert event.state is EventState.APPROVED
    assert services.pending_revision(event) is None
    if winners == ["approve"]:
        assert statuses == {RevisionStatus.SUPERSEDED: 1, RevisionStatus.APPROVED: 1}
        assert services.approved_revision(event).title_en == "Planets over Leiden"
        assert event.sequence == 1
        assert occurrence_starts(event.id) == [datetime(2022, 7, 14, 12, 0, tzinfo=UTC)]
    else:
        assert statuses == {RevisionStatus.APPROVED: 1, RevisionStatus.REJECTED: 1}
        assert services.approved_revision(event).title_en == "Stars over Leiden"
        assert event.rejection_reason == "Please add the address."
        assert occurrence_starts(event.id) == [datetime(2022, 7, 14, 8, 0, tzinfo=UTC)]


# --- the review page ----------------------------------------------------------------------


def test_approve_after_partner_edit_shows_the_new_text_and_publishes_nothing(app: Flask, client: FlaskClient) -> None:
    org = PartnerOrganisationFactory()
    editor = make_editor(org, email="editor@naturalis.example")
    organiser = make_organiser(email="organiser@example.org")
    event = make_event(org, editor)
    db.session.commit()
    log_in(client, organiser.email)
    review = client.get(f"/calendar/moderation/{event.id}").get_data(as_text=True)
    revision_id = services.pending_revision(event).id
    assert seen_fields(review) == {"seen_revision_id": str(revision_id), "seen_version": "1"}

    services.edit_side_event(event=event, data=event_input(title_en="Planets over Leiden"), author=editor)
    db.session.commit()
    response = client.post(f"/calendar/moderation/{event.id}/approve",
                           data={"csrf_token": csrf_token_from(review), **seen_fields(review)},
                           headers={"Accept-Language": "en"})

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "This event changed while you were reviewing it. Review it again as it is now, then decide." in page
    assert "<ins>Planets over Leiden</ins>" in page
    assert seen_fields(page) == {"seen_revision_id": str(revision_id), "seen_version": "2"}
    db.session.expire_all()
    event = db.session.get(SideEvent, event.id)
    assert event.state is EventState.SUBMITTED
    assert services.approved_revision(event) is None
    assert mails() == []
    assert app.test_client().get(f"/calendar/events/{event.id}").status_code == 404  # not public

    again = client.post(f"/calendar/moderation/{event.id}/approve",
                        data={"csrf_token": csrf_token_from(page), **seen_fields(page)})
    assert again.status_code == 302
    db.session.expire_all()
    assert services.approved_revision(db.session.get(SideEvent, event.id)).title_en == "Planets over Leiden"


def test_reject_after_partner_edit_keeps_the_reason_and_mails_nobody(app: Flask, client: FlaskClient) -> None:
    org = PartnerOrganisationFactory()
    editor = make_editor(org, email="editor@naturalis.example")
    organiser = make_organiser(email="organiser@example.org", language="nl")
    event = make_event(org, editor)
    db.session.commit()
    log_in(client, organiser.email)
    review = client.get(f"/calendar/moderation/{event.id}").get_data(as_text=True)

    services.edit_side_event(event=event, data=event_input(title_en="Planets over Leiden"), author=editor)
    db.session.commit()
    response = client.post(f"/calendar/moderation/{event.id}/reject",
                           data={"csrf_token": csrf_token_from(review), "reason": "Het adres ontbreekt.",
                                 **seen_fields(review)},
                           headers={"Accept-Language": "nl"})

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Deze activiteit is gewijzigd terwijl je haar beoordeelde." in page
    assert "Het adres ontbreekt.</textarea>" in page
    db.session.expire_all()
    event = db.session.get(SideEvent, event.id)
    assert (event.state, services.pending_revision(event).title_en) == (EventState.SUBMITTED, "Planets over Leiden")
    assert mails() == []


def test_two_editors_starting_a_change_at_once_keep_the_first(any_app: Flask, org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)
    db.session.commit()
    assert services.pending_revision(event) is None  # this editor's request read: nothing waiting

    with any_app.app_context():  # another editor's request, with its own database session
        other = db.session.get(SideEvent, event.id)
        services.edit_side_event(event=other, data=event_input(title_en="First change"),
                                 author=db.session.get(User, editor.id))
        db.session.commit()

    with pytest.raises(services.RevisionChanged):
        services.edit_side_event(event=event, data=event_input(title_en="Second change"), author=editor)
    db.session.rollback()

    event = db.session.get(SideEvent, event.id)
    assert services.pending_revision(event).title_en == "First change"
    assert services.approved_revision(event).title_en == "Stars over Leiden"
