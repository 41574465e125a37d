"""Cancelling a public event (or one of its dates) and withdrawing a submission never approved.

A cancelled event stays public: listed struck through until it has passed, its page saying
why, and in the feeds with STATUS:CANCELLED and a higher SEQUENCE, so that subscribers'
copies are cancelled too (an EXDATE would only make them vanish silently). One date of a
recurring event is cancelled as a row of SideEventOccurrenceCancellation; the feed writes it
as an override (same UID, RECURRENCE-ID, STATUS:CANCELLED). A submission that was never
approved was never public: it is withdrawn and disappears from the partner's and the
moderators' lists.

Every change is one conditional UPDATE (or an INSERT the primary key guards), so two
people cancelling at once cancel once. Functions flush, never commit; mail leaves after the
caller's commit.
"""
from __future__ import annotations

from datetime import date
from typing import Any, cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from esof.accounts.models import User
from esof.accounts.services import record_audit
from esof.db import utcnow
from esof.errors import NotFound
from esof.extensions import db
from esof.mail.services import queue_mail
from esof.side_events.errors import AlreadyCancelled, AlreadyPublic, NeverPublic, NotAnOccurrence
from esof.side_events.models import (
    EventState,
    PartnerMembership,
    RevisionStatus,
    SideEvent,
    SideEventOccurrence,
    SideEventOccurrenceCancellation,
    SideEventRevision,
)
from esof.side_events.partners import ensure_can_edit, organisation_ids_of
from esof.side_events.revisions import approved_revision
from esof.urls import external_url

MAX_REASON_LENGTH = 2000


def _rows(result: sa.Result[Any]) -> int:
    return cast(sa.CursorResult[Any], result).rowcount


def _drop_waiting_change(event: SideEvent) -> None:
    """The waiting edit goes with the event: nothing is left to moderate. Its version rises,
    so a moderator deciding on it at this moment gets RevisionChanged and rolls back."""
    db.session.execute(
        sa.update(SideEventRevision)
        .where(SideEventRevision.event_id == event.id, SideEventRevision.status == RevisionStatus.PENDING)
        .values(status=RevisionStatus.SUPERSEDED, version=SideEventRevision.version + 1)
        .execution_options(synchronize_session="fetch")
    )


def _ensure_public(event: SideEvent, actor: User) -> None:
    if event.state is EventState.WITHDRAWN:
        raise NotFound()
    ensure_can_edit(actor, event)
    if event.state is not EventState.APPROVED or approved_revision(event) is None:
        raise NeverPublic()


def cancel_side_event(*, event: SideEvent, actor: User, reason: str = "") -> SideEvent:
    """Cancel a public event, all its dates; its editors are mailed when an organiser does it."""
    _ensure_public(event, actor)
    reason = reason.strip()[:MAX_REASON_LENGTH]
    now = utcnow()
    cancelled = _rows(db.session.execute(
        sa.update(SideEvent)
        .where(SideEvent.id == event.id, SideEvent.cancelled_at.is_(None))
        .values(cancelled_at=now, cancellation_reason=reason, sequence=SideEvent.sequence + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    ))
    if cancelled != 1:
        raise AlreadyCancelled()
    db.session.refresh(event, ["cancelled_at", "cancellation_reason", "sequence", "updated_at"])
    _drop_waiting_change(event)
    record_audit(actor, "cancel-side-event", event, reason=reason)
    _mail_editors(event, actor, reason=reason, day=None)
    return event


def cancel_side_event_occurrence(
    *, event: SideEvent, day: date, actor: User, reason: str = ""
) -> SideEventOccurrenceCancellation:
    """Cancel the date of a public event that starts on the local `day`; the others stay."""
    _ensure_public(event, actor)
    if event.is_cancelled:
        raise AlreadyCancelled()
    revision = approved_revision(event)
    if revision is None or not revision.rrule:
        raise NotAnOccurrence(_l("This event has one date only: cancel the whole event."))
    reason = reason.strip()[:MAX_REASON_LENGTH]
    occurs = db.session.scalar(
        sa.select(SideEventOccurrence.id)
        .where(SideEventOccurrence.event_id == event.id, SideEventOccurrence.local_day == day)
        .limit(1)
    )
    if occurs is None:
        raise NotAnOccurrence()
    now = utcnow()
    cancellation = SideEventOccurrenceCancellation(
        event_id=event.id, local_day=day, reason=reason, cancelled_at=now, cancelled_by_id=actor.id
    )
    try:
        with db.session.begin_nested():  # the primary key lets one cancellation of a date through
            db.session.add(cancellation)
    except sa.exc.IntegrityError as exc:
        raise AlreadyCancelled() from exc
    # The series changes for subscribers: SEQUENCE rises (the override carries the new value).
    raised = _rows(db.session.execute(
        sa.update(SideEvent)
        .where(SideEvent.id == event.id, SideEvent.cancelled_at.is_(None))
        .values(sequence=SideEvent.sequence + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    ))
    if raised != 1:  # the whole event was cancelled meanwhile
        raise AlreadyCancelled()
    db.session.refresh(event, ["sequence", "updated_at"])
    record_audit(actor, "cancel-side-event-occurrence", event, day=day.isoformat(), reason=reason)
    _mail_editors(event, actor, reason=reason, day=day)
    return cancellation


def withdraw_side_event(*, event: SideEvent, actor: User) -> SideEvent:
    """Take back a submission that was never approved: it leaves the partner's list and the
    moderation queue. A public event is cancelled instead (AlreadyPublic)."""
    if event.state is EventState.WITHDRAWN:
        raise NotFound()
    ensure_can_edit(actor, event)
    if event.state is EventState.APPROVED or approved_revision(event) is not None:
        raise AlreadyPublic()
    withdrawn = _rows(db.session.execute(
        sa.update(SideEvent)
        .where(SideEvent.id == event.id,
               SideEvent.state.in_([EventState.DRAFT, EventState.SUBMITTED, EventState.REJECTED]))
        .values(state=EventState.WITHDRAWN, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ))
    if withdrawn != 1:  # approved (or withdrawn) meanwhile
        raise AlreadyPublic()
    db.session.refresh(event, ["state", "updated_at"])
    _drop_waiting_change(event)
    record_audit(actor, "withdraw-side-event", event)
    return event


def cancelled_days(event: SideEvent) -> dict[date, SideEventOccurrenceCancellation]:
    """The event's cancelled dates, by the local day they start."""
    rows = db.session.scalars(
        sa.select(SideEventOccurrenceCancellation).where(SideEventOccurrenceCancellation.event_id == event.id)
    )
    return {row.local_day: row for row in rows}


# --- mail ---------------------------------------------------------------------------------

def _editors(event: SideEvent) -> list[tuple[str, str]]:
    """(address, language) of the organisation's editors, else its contact address."""
    users = db.session.scalars(
        sa.select(User)
        .join(PartnerMembership, PartnerMembership.user_id == User.id)
        .where(PartnerMembership.organisation_id == event.organisation_id)
        .order_by(User.id)
    )
    found = [(user.email, user.language) for user in users if user.is_active]
    if not found and event.organisation.contact_email:
        found = [(event.organisation.contact_email, "nl")]
    return found


def _mail_editors(event: SideEvent, actor: User, *, reason: str, day: date | None) -> None:
    """An organiser cancelled: the partner's editors learn it (a partner knows what they did)."""
    if event.organisation_id in organisation_ids_of(actor):
        return
    revision = approved_revision(event)
    assert revision is not None  # _ensure_public
    for address, language in _editors(event):
        title, _lang = revision.title_in(language)
        queue_mail(
            to=address, template="side_events/cancelled", language=language, title=title, reason=reason,
            day=day, link=external_url("side_events.event_detail", event_id=event.id),
        )
