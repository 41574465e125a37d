"""Moderation: organisers approve or reject a partner's waiting change, and see what it changes.

Optimistic: a decision names the revision and version the moderator read (see
`revision_unchanged`), so a change made meanwhile ends in RevisionChanged and rolls back.
Functions flush, never commit; mail leaves after the caller's commit.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from esof.accounts.models import User
from esof.accounts.services import record_audit
from esof.db import utcnow
from esof.errors import PermissionDenied, ValidationFailed
from esof.extensions import db
from esof.i18n import local_date, local_range
from esof.mail.services import queue_mail
from esof.side_events.errors import NothingToModerate, RevisionChanged, revision_unchanged
from esof.side_events.forms import AUDIENCE_LABELS, CATEGORY_LABELS, LANGUAGE_LABELS
from esof.side_events.models import MODERATED_STATES, EventState, RevisionStatus, SideEvent, SideEventRevision
from esof.side_events.partners import can_moderate_side_events
from esof.side_events.recurrence import Occurrence
from esof.side_events.revisions import approved_revision, expand_revision, pending_revision, rebuild_occurrences
from esof.urls import external_url


def _author_address(revision: SideEventRevision, event: SideEvent) -> tuple[str, str] | None:
    author = db.session.get(User, revision.created_by_id) if revision.created_by_id else None
    if author is not None and author.is_active:
        return author.email, author.language
    if event.organisation.contact_email:
        return event.organisation.contact_email, "nl"
    return None


def waiting_revision(event: SideEvent) -> SideEventRevision | None:
    """The revision waiting for a moderator's decision: the pending one, if the event is in
    one of the MODERATED_STATES (not a draft, never sent; not withdrawn, gone)."""
    if event.state not in MODERATED_STATES:
        return None
    return pending_revision(event)


def _revision_to_moderate(
    event: SideEvent, seen_revision_id: int | None, seen_version: int | None
) -> SideEventRevision:
    """The waiting revision, which must be the one the moderator saw, if they say which."""
    revision = waiting_revision(event)
    if revision is None:
        raise NothingToModerate()
    if seen_revision_id is not None and seen_revision_id != revision.id:
        raise RevisionChanged()
    if seen_version is not None and seen_version != revision.version:
        raise RevisionChanged()
    return revision


@revision_unchanged()
def approve_side_event(
    *, event: SideEvent, moderator: User, seen_revision_id: int | None = None, seen_version: int | None = None
) -> SideEventRevision:
    """Publish the pending revision: the one the moderator saw (`seen_revision_id`,
    `seen_version`), else the one this request read.

    Two moderators deciding at once: the first decision counts; the other's UPDATE finds the
    revision changed (RevisionChanged) or nothing pending (NothingToModerate), and rolls back.
    """
    if not can_moderate_side_events(moderator):
        raise PermissionDenied()
    revision = _revision_to_moderate(event, seen_revision_id, seen_version)
    previous = approved_revision(event)
    if previous is not None:
        previous.status = RevisionStatus.SUPERSEDED
        db.session.flush()  # the partial unique index allows one approved revision at a time
        event.sequence += 1
    revision.status = RevisionStatus.APPROVED
    revision.reviewed_by_id = moderator.id
    revision.reviewed_at = utcnow()
    event.state = EventState.APPROVED
    event.rejection_reason = ""
    event.updated_at = utcnow()
    db.session.flush()
    rebuild_occurrences(event=event)
    record_audit(moderator, "approve-side-event", event, revision=revision.id)
    recipient = _author_address(revision, event)
    if recipient:
        title, _lang = revision.title_in(recipient[1])
        queue_mail(
            to=recipient[0], template="side_events/approved", language=recipient[1],
            title=title, link=external_url("side_events.event_detail", event_id=event.id),
        )
    return revision


@dataclass(frozen=True)
class SeenRevision:
    """One item of a bulk decision: the event and the revision and version the page showed."""

    event_id: int
    revision_id: int
    version: int


@dataclass
class BulkApproval:
    approved: list[SideEvent] = field(default_factory=list)
    changed: list[SideEvent] = field(default_factory=list)  # edited since the page was shown: left pending
    gone: list[int] = field(default_factory=list)  # decided, withdrawn or deleted meanwhile


def approve_side_events(*, items: Sequence[SeenRevision], moderator: User) -> BulkApproval:
    """Approve each item as `approve_side_event` does, each in its own savepoint: an item a
    partner changed after the page was shown is left pending (RevisionChanged), one that was
    decided meanwhile is skipped, and neither undoes the others. Flushes, never commits."""
    if not can_moderate_side_events(moderator):
        raise PermissionDenied()
    outcome = BulkApproval()
    for item in items:
        event = db.session.get(SideEvent, item.event_id)
        if event is None:
            outcome.gone.append(item.event_id)
            continue
        try:
            with db.session.begin_nested():
                approve_side_event(event=event, moderator=moderator,
                                   seen_revision_id=item.revision_id, seen_version=item.version)
        except RevisionChanged:
            outcome.changed.append(event)
        except NothingToModerate:
            outcome.gone.append(item.event_id)
        else:
            outcome.approved.append(event)
    return outcome


@revision_unchanged()
def reject_side_event(
    *, event: SideEvent, moderator: User, reason: str, seen_revision_id: int | None = None,
    seen_version: int | None = None,
) -> SideEventRevision:
    """Refuse the pending revision (the one the moderator saw); the same race rules as approving."""
    if not can_moderate_side_events(moderator):
        raise PermissionDenied()
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_l("Give the partner a reason for the rejection."))
    revision = _revision_to_moderate(event, seen_revision_id, seen_version)
    revision.status = RevisionStatus.REJECTED
    revision.reviewed_by_id = moderator.id
    revision.reviewed_at = utcnow()
    event.rejection_reason = reason
    if approved_revision(event) is None:
        event.state = EventState.REJECTED
    event.updated_at = utcnow()
    db.session.flush()
    record_audit(moderator, "reject-side-event", event, revision=revision.id, reason=reason)
    recipient = _author_address(revision, event)
    if recipient:
        title, _lang = revision.title_in(recipient[1])
        queue_mail(
            to=recipient[0], template="side_events/rejected", language=recipient[1],
            title=title, reason=reason, still_public=approved_revision(event) is not None,
            link=external_url("side_events.event_edit", event_id=event.id),
        )
    return revision


# --- what changed -------------------------------------------------------------------------

@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str
    html: bool = False  # a description: sanitised at saving, shown as the public will see it


# How many of a repeating event's dates the moderator sees listed (then the count).
DATES_LISTED = 10


@dataclass(frozen=True)
class RevisionDates:
    """The first dates a revision will have (in order, in Leiden time) and how many in all."""

    listed: list[Occurrence]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.listed)


def revision_dates(revision: SideEventRevision, *, listed: int = DATES_LISTED) -> RevisionDates:
    """What the moderator's review and the partner's preview list of a revision's dates: it
    need not be approved (the calendar's stored occurrences are the approved revision's)."""
    occurrences = expand_revision(revision)
    return RevisionDates(occurrences[:listed], len(occurrences))


def dates_text(revision: SideEventRevision, *, listed: int = DATES_LISTED) -> str:
    """'5 Jul 2022, 19:00–21:00 CEST; … (24 dates in all)': the first `listed` dates it will
    have, and how many in all."""
    dates = revision_dates(revision, listed=listed)
    shown = [
        local_date(o.local_day, "medium") if o.all_day else local_range(o.starts_at, o.ends_at, "medium")
        for o in dates.listed
    ]
    if revision.all_day and revision.start_date != revision.end_date and not revision.rrule:
        shown = [f"{local_date(revision.start_date, 'medium')} – {local_date(revision.end_date, 'medium')}"]
    text = "; ".join(shown)
    if dates.total > 1:
        text += " " + ngettext("(%(num)d date in all)", "(%(num)d dates in all)", dates.total)
    return text


def describe_revision(revision: SideEventRevision) -> dict[str, tuple[str, str]]:
    """field -> (label, text), the moderator's view of a revision: labels, not codes."""
    price = _l("free") if revision.is_free else f"€ {revision.price_cents / 100:.2f}"  # type: ignore[operator]
    return {
        "title_nl": (str(_l("Title (Dutch)")), revision.title_nl),
        "title_en": (str(_l("Title (English)")), revision.title_en),
        "description_nl": (str(_l("Description (Dutch)")), revision.description_nl),
        "description_en": (str(_l("Description (English)")), revision.description_en),
        "language": (str(_l("Language")), str(LANGUAGE_LABELS.get(revision.language, revision.language))),
        "category": (str(_l("Category")), str(CATEGORY_LABELS.get(revision.category, revision.category.value))),
        "audience": (str(_l("Audience")), ", ".join(str(AUDIENCE_LABELS[a]) for a in revision.audiences)),
        "location": (
            str(_l("Location")),
            " · ".join(x for x in (revision.venue.name if revision.venue else "", revision.location_name,
                                   revision.address, revision.neighbourhood) if x),
        ),
        "coordinates": (
            str(_l("Coordinates")),
            f"{revision.latitude}, {revision.longitude}" if revision.latitude is not None else "",
        ),
        "dates": (str(_l("Dates")), dates_text(revision)),
        "price": (str(_l("Price")), str(price)),
        "booking_url": (str(_l("Booking link")), revision.booking_url),
        "image_url": (str(_l("Image")), revision.image_url),
        "image_alt": (str(_l("Image description")), revision.image_alt),
    }


HTML_FIELDS = frozenset({"description_nl", "description_en"})


def revision_changes(event: SideEvent) -> list[FieldChange]:
    """What the waiting edit changes compared with the public version (all of it if new)."""
    pending = waiting_revision(event)
    if pending is None:
        return []
    after = describe_revision(pending)
    current = approved_revision(event)
    before = describe_revision(current) if current is not None else {k: (v[0], "") for k, v in after.items()}
    return [
        FieldChange(label, before[key][1], text, html=key in HTML_FIELDS)
        for key, (label, text) in after.items()
        if before[key][1] != text
    ]
