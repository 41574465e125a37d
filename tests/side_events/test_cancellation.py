"""Cancelling side events (a whole event or one date), withdrawing submissions, image rules."""
from __future__ import annotations

import threading
from datetime import date, time
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask

from esof.accounts.models import AuditLog, User
from esof.errors import NotFound, PermissionDenied
from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.side_events import queries, queue, services
from esof.side_events.models import (
    EventState,
    RevisionStatus,
    SideEvent,
    SideEventOccurrenceCancellation,
)
from esof.side_events.recurrence import Frequency, Recurrence
from tests.side_events.factories import PartnerOrganisationFactory, event_input, make_editor, make_event, make_organiser


def weekly_tour(org, editor, organiser) -> SideEvent:
    """Sundays 10:00-11:00 from 20 March to 10 April 2022 (four dates)."""
    return make_event(org, editor, approve_by=organiser, title_en="Sunday tour", title_nl="Zondagrondleiding",
                      start_date=date(2022, 3, 20), end_date=date(2022, 3, 20), start_time=time(10), end_time=time(11),
                      recurrence=Recurrence(Frequency.WEEKLY, weekdays=(6,), until=date(2022, 4, 10)))


def audit(action: str) -> list[AuditLog]:
    return list(db.session.scalars(sa.select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def mails() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def queued() -> list[int]:
    """The events the moderation page lists, in its order (the statement its view runs)."""
    return [item.event.id for item in queue.moderation_page(db.session, queue.QueueFilter()).items]


def listed() -> list[tuple[date, bool]]:
    """(local day, cancelled) of every date the calendar pages list."""
    rows = queries.occurrences_between(db.session, queries.CalendarFilter(), first_day=date(2022, 1, 1),
                                       last_day=date(2022, 12, 31), zone=ZoneInfo("Europe/Amsterdam"))
    return [(row.occurrence.local_day, row.cancelled) for row in rows]


# --- the whole event ------------------------------------------------------------------------

def test_partner_cancels_own_event_with_a_reason_and_it_is_audited_not_mailed(org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)
    before = event.sequence
    stamp = queries.change_stamp()
    mailed = len(mails())
    services.cancel_side_event(event=event, actor=editor, reason="  The speaker is ill. ")
    db.session.commit()
    event = db.session.get(SideEvent, event.id)
    assert event.is_cancelled and event.cancellation_reason == "The speaker is ill."
    assert event.sequence == before + 1
    assert event.state is EventState.APPROVED  # still public: listed, its page, the feeds
    assert queries.change_stamp() != stamp
    [row] = audit("cancel-side-event")
    assert (row.actor_id, row.target_id, row.detail) == (editor.id, event.id, {"reason": "The speaker is ill."})
    assert len(mails()) == mailed  # the partner knows what they did
    assert listed() == [(date(2022, 7, 14), True)]


def test_organiser_cancels_and_every_editor_of_the_partner_is_mailed(org, editor, organiser) -> None:
    second = make_editor(org, email="second@naturalis.example", language="nl")
    event = make_event(org, editor, approve_by=organiser)
    mailed = len(mails())
    services.cancel_side_event(event=event, actor=organiser, reason="De zaal is afgesloten.")
    db.session.commit()
    new = mails()[mailed:]
    assert sorted(m.to_address for m in new) == sorted([editor.email, second.email])
    english = next(m for m in new if m.to_address == editor.email)
    assert english.subject == "Cancelled: Stars over Leiden"
    assert "De zaal is afgesloten." in english.body_text
    assert f"/calendar/events/{event.id}" in english.body_text
    dutch = next(m for m in new if m.to_address == second.email)
    assert dutch.subject == "Geannuleerd: Sterren boven Leiden"
    assert "De organisatie heeft je evenement" in dutch.body_text
    [row] = audit("cancel-side-event")
    assert row.actor_id == organiser.id


def test_another_partner_cannot_cancel(org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)
    stranger = make_editor(PartnerOrganisationFactory(), email="stranger@example.org")
    db.session.commit()
    with pytest.raises(PermissionDenied):
        services.cancel_side_event(event=event, actor=stranger, reason="Mine now")
    db.session.rollback()
    assert not db.session.get(SideEvent, event.id).is_cancelled
    assert audit("cancel-side-event") == []


def test_cancelling_twice_or_a_never_approved_event_is_refused(org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)
    services.cancel_side_event(event=event, actor=editor)
    with pytest.raises(services.AlreadyCancelled):
        services.cancel_side_event(event=event, actor=organiser)
    assert event.sequence == 1  # raised once
    waiting = make_event(org, editor, title_en="Waiting")
    with pytest.raises(services.NeverPublic):
        services.cancel_side_event(event=waiting, actor=editor)


def test_cancelling_drops_the_waiting_edit_and_a_cancelled_event_takes_no_edits(org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)
    services.edit_side_event(event=event, data=event_input(title_en="Moved"), author=editor)
    services.cancel_side_event(event=event, actor=organiser)
    db.session.commit()
    event = db.session.get(SideEvent, event.id)
    assert services.pending_revision(event) is None
    assert queued() == []
    assert [r.status for r in event.revisions] == [RevisionStatus.APPROVED, RevisionStatus.SUPERSEDED]
    with pytest.raises(services.EventCancelled):
        services.edit_side_event(event=event, data=event_input(title_en="Back again"), author=editor)


# --- one date -------------------------------------------------------------------------------

def test_one_date_of_a_series_is_cancelled_and_the_others_stay(org, editor, organiser) -> None:
    tour = weekly_tour(org, editor, organiser)
    mailed = len(mails())
    cancellation = services.cancel_side_event_occurrence(event=tour, day=date(2022, 3, 27), actor=editor,
                                                         reason="Easter market in the garden")
    db.session.commit()
    assert (cancellation.reason, cancellation.cancelled_by_id) == ("Easter market in the garden", editor.id)
    assert tour.sequence == 1 and not tour.is_cancelled
    assert listed() == [(date(2022, 3, 20), False), (date(2022, 3, 27), True),
                        (date(2022, 4, 3), False), (date(2022, 4, 10), False)]
    assert set(services.cancelled_days(tour)) == {date(2022, 3, 27)}
    [row] = audit("cancel-side-event-occurrence")
    assert row.detail == {"day": "2022-03-27", "reason": "Easter market in the garden"}
    assert len(mails()) == mailed


def test_organiser_cancelling_one_date_mails_the_partner_naming_the_date(org, editor, organiser) -> None:
    tour = weekly_tour(org, editor, organiser)
    services.cancel_side_event_occurrence(event=tour, day=date(2022, 4, 3), actor=organiser, reason="Storm")
    db.session.commit()
    mail = mails()[-1]
    assert mail.to_address == editor.email
    assert mail.subject == "Date cancelled: Sunday tour"
    assert "3 April 2022" in mail.body_text and "Storm" in mail.body_text


def test_cancelling_a_date_the_event_does_not_have_or_twice_is_refused(org, editor, organiser) -> None:
    tour = weekly_tour(org, editor, organiser)
    with pytest.raises(services.NotAnOccurrence):
        services.cancel_side_event_occurrence(event=tour, day=date(2022, 3, 21), actor=editor)
    services.cancel_side_event_occurrence(event=tour, day=date(2022, 3, 20), actor=editor)
    with pytest.raises(services.AlreadyCancelled):
        services.cancel_side_event_occurrence(event=tour, day=date(2022, 3, 20), actor=organiser)
    assert tour.sequence == 1
    one_off = make_event(org, editor, approve_by=organiser)
    with pytest.raises(services.NotAnOccurrence):
        services.cancel_side_event_occurrence(event=one_off, day=date(2022, 7, 14), actor=editor)
    stranger = make_editor(PartnerOrganisationFactory(), email="stranger@example.org")
    with pytest.raises(PermissionDenied):
        services.cancel_side_event_occurrence(event=tour, day=date(2022, 4, 3), actor=stranger)


def test_a_cancelled_date_follows_its_day_through_approved_edits(org, editor, organiser) -> None:
    tour = weekly_tour(org, editor, organiser)
    services.cancel_side_event_occurrence(event=tour, day=date(2022, 3, 27), actor=editor)
    services.cancel_side_event_occurrence(event=tour, day=date(2022, 4, 10), actor=editor)
    # An hour later, and ending a week earlier: 27 March stays cancelled, 10 April is gone.
    data = services.input_from_revision(services.approved_revision(tour))
    data.start_time, data.end_time = time(11), time(12)
    data.recurrence = Recurrence(Frequency.WEEKLY, weekdays=(6,), until=date(2022, 4, 3))
    services.edit_side_event(event=tour, data=data, author=editor)
    services.approve_side_event(event=tour, moderator=organiser)
    db.session.commit()
    assert listed() == [(date(2022, 3, 20), False), (date(2022, 3, 27), True), (date(2022, 4, 3), False)]
    assert db.session.scalars(sa.select(SideEventOccurrenceCancellation.local_day)).all() == [date(2022, 3, 27)]


def test_cancelling_the_whole_series_cancels_every_date(org, editor, organiser) -> None:
    tour = weekly_tour(org, editor, organiser)
    services.cancel_side_event_occurrence(event=tour, day=date(2022, 3, 27), actor=editor)
    services.cancel_side_event(event=tour, actor=editor)
    assert tour.sequence == 2
    assert {cancelled for _day, cancelled in listed()} == {True}
    with pytest.raises(services.AlreadyCancelled):
        services.cancel_side_event_occurrence(event=tour, day=date(2022, 4, 3), actor=editor)


# --- withdrawing ----------------------------------------------------------------------------

def test_withdrawn_submission_leaves_the_partners_list_and_the_moderation_queue(org, editor, organiser) -> None:
    waiting = make_event(org, editor, title_en="Never mind")
    kept = make_event(org, editor, title_en="Still waiting")
    assert queued() == [waiting.id, kept.id]
    services.withdraw_side_event(event=waiting, actor=editor)
    db.session.commit()
    assert db.session.get(SideEvent, waiting.id).state is EventState.WITHDRAWN
    assert [e.id for e in queries.events_for_editor(db.session, {org.id})] == [kept.id]
    assert queued() == [kept.id]
    assert services.revision_to_show(waiting, may_edit=True, want_pending=False) is None
    [row] = audit("withdraw-side-event")
    assert (row.actor_id, row.target_id) == (editor.id, waiting.id)
    with pytest.raises(services.NothingToModerate):
        services.approve_side_event(event=waiting, moderator=organiser)
    with pytest.raises(NotFound):
        services.edit_side_event(event=waiting, data=event_input(), author=editor)
    with pytest.raises(NotFound):
        services.withdraw_side_event(event=waiting, actor=editor)


def test_a_rejected_submission_can_be_withdrawn_a_public_one_cannot(org, editor, organiser) -> None:
    rejected = make_event(org, editor)
    services.reject_side_event(event=rejected, moderator=organiser, reason="Outside Leiden")
    services.withdraw_side_event(event=rejected, actor=editor)
    assert rejected.state is EventState.WITHDRAWN
    public = make_event(org, editor, approve_by=organiser)
    with pytest.raises(services.AlreadyPublic):
        services.withdraw_side_event(event=public, actor=editor)
    stranger = make_editor(PartnerOrganisationFactory(), email="stranger@example.org")
    with pytest.raises(PermissionDenied):
        services.withdraw_side_event(event=make_event(org, editor), actor=stranger)


# --- addresses and the image ----------------------------------------------------------------

def test_image_must_be_https_and_keeps_its_description(org, editor) -> None:
    with pytest.raises(services.EventInputRejected) as refused:
        services.submit_side_event(organisation=org, author=editor,
                                   data=event_input(image_url="http://example.org/poster.jpg"))
    assert refused.value.field == "image_url"
    event = services.submit_side_event(organisation=org, author=editor, data=event_input(
        image_url="https://example.org/poster.jpg", image_alt="  Children at   a telescope "))
    revision = event.revisions[0]
    assert (revision.image_src, revision.image_alt) == ("https://example.org/poster.jpg", "Children at a telescope")
    assert services.input_from_revision(revision).image_alt == "Children at a telescope"
    assert services.describe_revision(revision)["image_alt"][1] == "Children at a telescope"


@pytest.mark.parametrize("address", ["http://example.org/a.jpg", "javascript:alert(1)", "data:image/png;base64,AA",
                                     "//example.org/a.jpg", "HTTPS://example.org/a.jpg"])
def test_image_src_is_only_ever_an_https_address(org, editor, address: str) -> None:
    event = services.submit_side_event(organisation=org, author=editor, data=event_input())
    revision = event.revisions[0]
    revision.image_url = address  # as if stored before the https rule
    assert revision.image_src == (address if address.lower().startswith("https://") else "")


def test_partner_website_must_be_a_web_address(organiser) -> None:
    with pytest.raises(services.EventInputRejected) as refused:
        services.create_partner_organisation(name="Museum", website="javascript:alert(1)", actor=organiser)
    assert refused.value.field == "website"
    made = services.create_partner_organisation(name="Museum", website=" https://museum.example ", actor=organiser)
    assert made.website == "https://museum.example"


# --- at the same moment ---------------------------------------------------------------------

THREADS = 6


def _cancel_in_thread(app: Flask, event_id: int, actor_id: int, day: date | None,
                      barrier: threading.Barrier) -> str:
    """One request, with its own database session: read the event, wait for the others, cancel."""
    with app.app_context():
        try:
            event = db.session.get(SideEvent, event_id)
            actor = db.session.get(User, actor_id)
            services.approved_revision(event)
            barrier.wait(timeout=30)
            if day is None:
                services.cancel_side_event(event=event, actor=actor, reason="Storm warning")
            else:
                services.cancel_side_event_occurrence(event=event, day=day, actor=actor, reason="Storm warning")
            db.session.commit()
            return "cancelled"
        except services.AlreadyCancelled:
            db.session.rollback()
            return "AlreadyCancelled"
        except Exception as exc:  # reported to the test, which expects none
            db.session.rollback()
            return f"error: {type(exc).__name__}: {exc}"


@pytest.mark.parametrize("day", [None, date(2022, 3, 27)], ids=["whole-event", "one-date"])
def test_cancelling_at_once_on_postgresql_cancels_once(pg_app: Flask, day: date | None) -> None:
    org = PartnerOrganisationFactory()
    editor = make_editor(org, email="editor@race.example")
    organisers = [make_organiser() for _ in range(THREADS)]
    tour = weekly_tour(org, editor, organisers[0])
    event_id, actor_ids = tour.id, [o.id for o in organisers]
    db.session.commit()
    mailed = len(mails())
    barrier = threading.Barrier(THREADS)
    outcomes = [""] * THREADS

    def run(index: int) -> None:
        outcomes[index] = _cancel_in_thread(pg_app, event_id, actor_ids[index], day, barrier)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(outcomes) == ["AlreadyCancelled"] * (THREADS - 1) + ["cancelled"], outcomes
    db.session.expire_all()
    assert db.session.get(SideEvent, event_id).sequence == 1
    assert len(audit("cancel-side-event" if day is None else "cancel-side-event-occurrence")) == 1
    assert len(mails()) == mailed + 1
