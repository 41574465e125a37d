"""An event's revisions and dates: which revision is public, which waits, which a page shows,
and the occurrences the public one expands to. Functions flush, never commit."""
from __future__ import annotations

import sqlalchemy as sa

from esof.conference import conference_zone
from esof.errors import NotFound
from esof.extensions import db
from esof.side_events import recurrence as rec
from esof.side_events.models import (
    EventState,
    RevisionStatus,
    SideEvent,
    SideEventOccurrence,
    SideEventOccurrenceCancellation,
    SideEventRevision,
)

MAX_OCCURRENCES = 500


def approved_revision(event: SideEvent) -> SideEventRevision | None:
    return next((r for r in event.revisions if r.status is RevisionStatus.APPROVED), None)


def pending_revision(event: SideEvent) -> SideEventRevision | None:
    return next((r for r in event.revisions if r.status is RevisionStatus.PENDING), None)


def revision_to_edit(event: SideEvent) -> SideEventRevision:
    """What the edit form starts from: the waiting edit, else the public version, else the latest."""
    return pending_revision(event) or approved_revision(event) or event.revisions[-1]


def revision_to_show(
    event: SideEvent, *, may_edit: bool, want_pending: bool
) -> tuple[SideEventRevision, bool] | None:
    """The revision the event page shows, and whether it is a preview (not the public version).

    Everyone sees the approved revision of an approved event; an editor may ask for the waiting
    one, and sees the latest while nothing is public. None: nothing this viewer may see (a
    withdrawn submission is gone for everyone). A cancelled event shows its approved revision.
    """
    if event.state is EventState.WITHDRAWN:
        return None
    pending = pending_revision(event)
    if want_pending and may_edit and pending is not None:
        return pending, True
    approved = approved_revision(event)
    if event.state is EventState.APPROVED and approved is not None:
        return approved, False
    if not may_edit:
        return None
    return pending or event.revisions[-1], True


def find_side_event(event_id: int) -> SideEvent:
    event = db.session.get(SideEvent, event_id)
    if event is None:
        raise NotFound()
    return event


# --- occurrences --------------------------------------------------------------------------

def expand_revision(revision: SideEventRevision, *, limit: int = MAX_OCCURRENCES) -> list[rec.Occurrence]:
    return rec.expand(
        all_day=revision.all_day, starts_at=revision.starts_at, ends_at=revision.ends_at,
        start_date=revision.start_date, end_date=revision.end_date, rule=revision.rrule,
        exdates=revision.exdates or [], zone=conference_zone(), limit=limit,
    )


def rebuild_occurrences(*, event: SideEvent) -> int:
    """Replace the event's stored occurrences by those of its approved revision.

    The calendar pages read only occurrences, so this is what makes an event public. Demo
    data and imports that create approved revisions directly call it too.
    """
    db.session.execute(sa.delete(SideEventOccurrence).where(SideEventOccurrence.event_id == event.id))
    revision = approved_revision(event)
    if revision is None:
        return 0
    rows = [
        {
            "event_id": event.id, "revision_id": revision.id, "starts_at": o.starts_at,
            "ends_at": o.ends_at, "local_day": o.local_day, "all_day": o.all_day,
        }
        for o in expand_revision(revision)
    ]
    if rows:
        db.session.execute(sa.insert(SideEventOccurrence), rows)
    # A cancelled date that the approved revision no longer has is forgotten (the audit log
    # keeps it); a date it still has stays cancelled, also when its time moved.
    forget = sa.delete(SideEventOccurrenceCancellation).where(SideEventOccurrenceCancellation.event_id == event.id)
    if revision.rrule:
        forget = forget.where(SideEventOccurrenceCancellation.local_day.not_in(
            sa.select(SideEventOccurrence.local_day).where(SideEventOccurrence.event_id == event.id)
        ))
    db.session.execute(forget)
    return len(rows)


def rfc5545_recurrence(revision: SideEventRevision) -> list[str]:
    """DTSTART, RRULE and EXDATE lines of a revision, for the iCal feed."""
    return rec.rfc5545_properties(
        all_day=revision.all_day, starts_at=revision.starts_at, start_date=revision.start_date,
        rule=revision.rrule, exdates=revision.exdates or [], zone=conference_zone(),
    )
