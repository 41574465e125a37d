"""Partners' submissions: an event as the partner describes it, the rules its content must
follow, a new event and an edit of one, both waiting for moderation, and drafts (an event its
partner keeps out of moderation until they send it; only its organisation and the organisers
see it). Flush, never commit."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from esof.accounts.models import User
from esof.accounts.services import record_audit
from esof.conference import conference_zone, festival_year
from esof.db import utcnow
from esof.errors import NotFound
from esof.extensions import db
from esof.side_events import recurrence as rec
from esof.side_events.errors import (
    EDITED_MEANWHILE,
    DraftSentMeanwhile,
    EventCancelled,
    EventInputRejected,
    NotADraft,
    RevisionChanged,
    revision_unchanged,
)
from esof.side_events.models import (
    Audience,
    EventCategory,
    EventState,
    PartnerOrganisation,
    RevisionStatus,
    SideEvent,
    SideEventRevision,
)
from esof.side_events.partners import check_web_address, ensure_can_edit, ensure_can_submit_for
from esof.side_events.revisions import MAX_OCCURRENCES, approved_revision, pending_revision
from esof.side_events.richtext import render_description


@dataclass(kw_only=True)
class EventInput:
    """An event as the partner describes it, in conference wall-clock time."""

    title_en: str = ""
    title_nl: str = ""
    description_en: str = ""  # Markdown or limited HTML, sanitised on the way in
    description_nl: str = ""
    language: str = "nl"
    category: EventCategory = EventCategory.OTHER
    audiences: tuple[Audience, ...] = ()
    venue_id: int | None = None
    location_name: str = ""
    address: str = ""
    neighbourhood: str = ""
    latitude: float | None = None
    longitude: float | None = None
    all_day: bool = False
    start_date: date
    end_date: date
    start_time: time | None = None
    end_time: time | None = None
    recurrence: rec.Recurrence = field(default_factory=rec.Recurrence)
    price_cents: int | None = None
    booking_url: str = ""
    image_url: str = ""
    image_alt: str = ""  # what the image shows, for people who cannot see it


def input_from_revision(revision: SideEventRevision) -> EventInput:
    """The partner's view of a stored revision, to fill the edit form."""
    zone = conference_zone()
    if revision.all_day:
        assert revision.start_date is not None and revision.end_date is not None
        start_date, end_date, start_time, end_time = revision.start_date, revision.end_date, None, None
    else:
        assert revision.starts_at is not None and revision.ends_at is not None
        start, end = revision.starts_at.astimezone(zone), revision.ends_at.astimezone(zone)
        start_date, end_date, start_time, end_time = start.date(), end.date(), start.time(), end.time()
    return EventInput(
        title_en=revision.title_en,
        title_nl=revision.title_nl,
        description_en=revision.description_en,
        description_nl=revision.description_nl,
        language=revision.language,
        category=revision.category,
        audiences=tuple(revision.audiences),
        venue_id=revision.venue_id,
        location_name=revision.location_name,
        address=revision.address,
        neighbourhood=revision.neighbourhood,
        latitude=revision.latitude,
        longitude=revision.longitude,
        all_day=revision.all_day,
        start_date=start_date,
        end_date=end_date,
        start_time=start_time,
        end_time=end_time,
        recurrence=rec.parse_rrule(revision.rrule, revision.exdates or [], zone=zone),
        price_cents=revision.price_cents,
        booking_url=revision.booking_url,
        image_url=revision.image_url,
        image_alt=revision.image_alt,
    )


HTTPS_URL = re.compile(r"^https://[^\s<>\"']+$", re.IGNORECASE)


def _check_image_url(value: str) -> str:
    """Pages show an image only from an https address (an http one would be mixed content)."""
    value = value.strip()
    if value and not HTTPS_URL.match(value):
        raise EventInputRejected(_l("Enter an image address starting with https://."), "image_url")
    return value


def _revision_values(data: EventInput) -> dict[str, Any]:
    """Check the rules and return the columns of a revision; raises EventInputRejected."""
    zone = conference_zone()
    title_en, title_nl = data.title_en.strip(), data.title_nl.strip()
    if not title_en and not title_nl:
        raise EventInputRejected(_l("Give a title in Dutch or in English (or both)."), "title_nl")
    description_en = render_description(data.description_en)
    description_nl = render_description(data.description_nl)
    if data.language not in ("nl", "en"):
        raise EventInputRejected(_l("Choose Dutch or English."), "language")
    if data.price_cents is not None and data.price_cents < 0:
        raise EventInputRejected(_l("The price cannot be negative."), "price")

    if data.all_day:
        if data.end_date < data.start_date:
            raise EventInputRejected(_l("The event ends before it starts."), "end_date")
        dates: dict[str, Any] = {
            "start_date": data.start_date, "end_date": data.end_date, "starts_at": None, "ends_at": None,
        }
    else:
        if data.start_time is None:
            raise EventInputRejected(_l("Give a start time, or mark the event as all-day."), "start_time")
        if data.end_time is None:
            raise EventInputRejected(_l("Give an end time, or mark the event as all-day."), "end_time")
        starts_at = datetime.combine(data.start_date, data.start_time, tzinfo=zone)
        ends_at = datetime.combine(data.end_date, data.end_time, tzinfo=zone)
        if ends_at.replace(tzinfo=None) <= starts_at.replace(tzinfo=None):
            raise EventInputRejected(_l("The event ends before it starts."), "end_date")
        dates = {"start_date": None, "end_date": None, "starts_at": starts_at, "ends_at": ends_at}

    recurrence = data.recurrence
    year = festival_year()
    outside = _l("The City of Science calendar covers %(year)d only.", year=year)
    if data.start_date.year != year:
        raise EventInputRejected(outside, "start_date")
    if data.end_date.year != year:
        raise EventInputRejected(outside, "end_date")
    if recurrence.repeats:
        if recurrence.until is None:
            raise EventInputRejected(_l("Give the last date of a repeating event."), "until")
        if recurrence.until < data.start_date:
            raise EventInputRejected(_l("The repetition ends before the event starts."), "until")
        if recurrence.interval < 1:
            raise EventInputRejected(_l("Repeat at least every 1."), "interval")
        if recurrence.frequency is rec.Frequency.WEEKLY and not recurrence.weekdays:
            recurrence = rec.Recurrence(
                frequency=recurrence.frequency, interval=recurrence.interval,
                weekdays=(data.start_date.weekday(),), until=recurrence.until, exdates=recurrence.exdates,
            )
    rule = rec.build_rrule(recurrence, all_day=data.all_day, zone=zone)
    exdates = rec.build_exdates(
        recurrence.exdates if rule else (), all_day=data.all_day, start_time=data.start_time
    )
    try:
        occurrences = rec.expand(
            all_day=data.all_day, starts_at=dates["starts_at"], ends_at=dates["ends_at"],
            start_date=dates["start_date"], end_date=dates["end_date"], rule=rule, exdates=(),
            zone=zone, limit=MAX_OCCURRENCES,
        )
    except rec.TooManyOccurrences as exc:
        raise EventInputRejected(
            _l("This repetition gives more than %(n)d dates. Shorten it or split the event.", n=MAX_OCCURRENCES),
            "until",
        ) from exc
    if not occurrences:
        raise EventInputRejected(_l("This repetition gives no dates at all."), "frequency")
    last_day = (occurrences[-1].ends_at.astimezone(zone) - timedelta(microseconds=1)).date()
    if last_day.year != year or (recurrence.until is not None and rule and recurrence.until.year != year):
        raise EventInputRejected(outside, "until")
    series_days = {o.local_day for o in occurrences}
    for day in recurrence.exdates if rule else ():
        if day not in series_days:
            raise EventInputRejected(
                _l("%(day)s is not one of the event's dates, so it cannot be excluded.", day=day.isoformat()),
                "exdates",
            )
    if rule and len(series_days - set(recurrence.exdates)) == 0:
        raise EventInputRejected(_l("Every date of the event is excluded."), "exdates")

    return {
        "title_en": title_en[:300],
        "title_nl": title_nl[:300],
        "description_en": description_en,
        "description_nl": description_nl,
        "language": data.language,
        "category": EventCategory(data.category),
        "audience": ",".join(a.value for a in Audience if a in set(data.audiences)),
        "venue_id": data.venue_id or None,
        "location_name": data.location_name.strip()[:200],
        "address": data.address.strip()[:300],
        "neighbourhood": data.neighbourhood.strip()[:100],
        "latitude": data.latitude,
        "longitude": data.longitude,
        "all_day": data.all_day,
        **dates,
        "rrule": rule,
        "exdates": exdates,
        "price_cents": data.price_cents or None,
        "booking_url": check_web_address(data.booking_url, "booking_url"),
        "image_url": _check_image_url(data.image_url),
        "image_alt": " ".join(data.image_alt.split())[:300],
    }


def validate_event_input(data: EventInput) -> None:
    """Raise EventInputRejected if the content breaks a rule (no database change)."""
    _revision_values(data)


def submit_side_event(
    *, organisation: PartnerOrganisation, data: EventInput, author: User, draft: bool = False
) -> SideEvent:
    """A new event, waiting for moderation; or, as a `draft`, kept by its partner (seen only by
    its organisation and the organisers, not in the moderation queue, never public) until they
    send it (`send_side_event_draft`)."""
    ensure_can_submit_for(author, organisation)
    values = _revision_values(data)
    state = EventState.DRAFT if draft else EventState.SUBMITTED
    event = SideEvent(organisation_id=organisation.id, state=state, created_by_id=author.id)
    event.revisions.append(SideEventRevision(**values, status=RevisionStatus.PENDING, created_by_id=author.id))
    db.session.add(event)
    db.session.flush()
    record_audit(author, "save-side-event-draft" if draft else "submit-side-event", event)
    return event


def _ensure_draft(event: SideEvent, actor: User) -> None:
    if event.state is EventState.WITHDRAWN:
        raise NotFound()
    ensure_can_edit(actor, event)
    if event.state is not EventState.DRAFT:
        raise NotADraft()


def send_side_event_draft(*, event: SideEvent, author: User) -> SideEvent:
    """Send a draft for moderation as it was saved (its content passed the rules then).

    It waits from now: the waiting revision's `created_at`, by which the moderation queue
    puts the oldest first and the organisers' dashboard counts the backlog by age, becomes
    the time of sending, not that of the last draft save (as an edit that sends a draft does).
    """
    _ensure_draft(event, author)
    now = utcnow()
    sent = cast(sa.CursorResult[Any], db.session.execute(
        sa.update(SideEvent).where(SideEvent.id == event.id, SideEvent.state == EventState.DRAFT)
        .values(state=EventState.SUBMITTED, updated_at=now)
        .execution_options(synchronize_session=False)
    )).rowcount
    if sent != 1:  # sent or deleted by another editor meanwhile
        raise NotADraft()
    # The content is as saved, so the version (what a moderator read) stays.
    db.session.execute(
        sa.update(SideEventRevision)
        .where(SideEventRevision.event_id == event.id, SideEventRevision.status == RevisionStatus.PENDING)
        .values(created_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(event, ["state", "updated_at"])
    waiting = pending_revision(event)
    if waiting is not None:
        db.session.refresh(waiting, ["created_at"])
    record_audit(author, "submit-side-event", event)
    return event


def delete_side_event_draft(*, event: SideEvent, actor: User) -> None:
    """Delete a draft and its content (only its organisation and the organisers could see it).

    One `DELETE … WHERE state = 'draft'`, as sending is one conditional UPDATE: a draft that
    another editor sent after this request read it is not deleted (DraftSentMeanwhile).
    """
    _ensure_draft(event, actor)
    title = event.revisions[-1].title_in("en")[0] if event.revisions else ""
    revisions = list(event.revisions)
    deleted = cast(sa.CursorResult[Any], db.session.execute(
        sa.delete(SideEvent).where(SideEvent.id == event.id, SideEvent.state == EventState.DRAFT)
        .execution_options(synchronize_session=False)
    )).rowcount
    if deleted != 1:
        if db.session.scalar(sa.select(SideEvent.id).where(SideEvent.id == event.id)) is None:
            raise NotFound()  # deleted by another editor meanwhile
        raise DraftSentMeanwhile()  # sent by another editor meanwhile: it stays
    for gone in (*revisions, event):  # the database deleted the revisions with the event
        if gone in db.session:
            db.session.expunge(gone)
    record_audit(actor, "delete-side-event-draft", event, title=title)
    db.session.flush()


@revision_unchanged(EDITED_MEANWHILE)
def edit_side_event(
    *, event: SideEvent, data: EventInput, author: User, draft: bool = False
) -> SideEventRevision | None:
    """Replace the waiting edit, or start one; an approved version stays public meanwhile.
    A draft's edit sends it for moderation, unless `draft` keeps it a draft (NotADraft for
    an event sent already).

    None when there is no waiting edit and the form holds the public version as it is: a
    partner who saves without changing anything sends moderators nothing to review.

    Only a revision that is still pending is changed in place: if a moderator approved or
    rejected it after this request read it, RevisionChanged, and nothing is saved. The same
    when two editors start a change at once: the one-pending-revision index lets one through.
    """
    if event.state is EventState.WITHDRAWN:
        raise NotFound()
    ensure_can_edit(author, event)
    if event.is_cancelled:
        raise EventCancelled()
    if draft and event.state is not EventState.DRAFT:
        raise NotADraft()
    values = _revision_values(data)
    revision = pending_revision(event)
    starting = revision is None
    public = approved_revision(event)
    if starting and public is not None and all(getattr(public, k) == v for k, v in values.items()):
        return None
    if revision is None:
        revision = SideEventRevision(**values, status=RevisionStatus.PENDING, created_by_id=author.id)
        event.revisions.append(revision)
    else:
        for name, value in values.items():
            setattr(revision, name, value)
        revision.created_by_id = author.id
        revision.created_at = utcnow()
    if event.state is not EventState.APPROVED and not draft:
        event.state = EventState.SUBMITTED
    event.rejection_reason = ""
    event.updated_at = utcnow()
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:
        if starting:  # another editor's change started meanwhile (values were validated above)
            raise RevisionChanged(EDITED_MEANWHILE) from exc
        raise
    record_audit(author, "edit-side-event-draft" if draft else "edit-side-event", event)
    return revision
