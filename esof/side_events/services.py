"""Side-event rules: partner editors, submitting and editing, moderation, occurrences.

Every function that changes an event takes the acting user and checks that they may do it,
so pages, the API and the CLI give the same answers. Functions flush, never commit.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from esof.accounts.models import Role, User
from esof.accounts.services import (
    create_user,
    external_url,
    find_user_by_email,
    grant_role,
    normalise_email,
    record_audit,
)
from esof.db import utcnow
from esof.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from esof.extensions import db
from esof.mail.services import queue_mail
from esof.side_events import recurrence as rec
from esof.side_events.models import (
    Audience,
    EventCategory,
    EventState,
    PartnerInvitation,
    PartnerMembership,
    PartnerOrganisation,
    RevisionStatus,
    SideEvent,
    SideEventOccurrence,
    SideEventRevision,
)
from esof.side_events.richtext import render_description
from esof.tokens import random_token, token_hash

MAX_OCCURRENCES = 500
INVITATION_DAYS = 14
DEFAULT_FESTIVAL_YEAR = 2022


# --- errors -------------------------------------------------------------------------------

class EventInputRejected(ValidationFailed):
    """The event's content breaks a rule; `field` names the form field to mark."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(str(message))
        self.field = field


class InvitationInvalid(DomainError):
    status_code = 400
    default_message = _l("This invitation link is not valid, has expired or was already used.")


class InvitationNeedsLogin(DomainError):
    status_code = 401
    default_message = _l("An account with this email address exists. Log in to accept the invitation.")


class NothingToModerate(Conflict):
    default_message = _l("This event has no change waiting for moderation.")


class RevisionChanged(Conflict):
    """The waiting change is not the one the user read: someone edited or moderated it meanwhile."""

    default_message = _l("This event changed while you were reviewing it. Review it again as it is now, then decide.")


EDITED_MEANWHILE = _l(
    "A moderator decided on this event, or another editor saved it, while you were editing."
    " Nothing was saved: save again to send your changes for moderation."
)


@contextmanager
def revision_unchanged(message: Any = None) -> Iterator[None]:
    """Turn StaleDataError into RevisionChanged (also usable as a decorator).

    A revision's UPDATE names the version this request read; if another request changed the
    row first, the UPDATE finds no row and the whole change must roll back.
    """
    try:
        yield
    except StaleDataError as exc:
        raise RevisionChanged(message) from exc


class OrganisationExists(Conflict):
    default_message = _l("A partner organisation with this name already exists.")


# --- settings -----------------------------------------------------------------------------

def conference_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["CONFERENCE_TIMEZONE"])


def festival_year() -> int:
    return int(current_app.config.get("SIDE_EVENTS_FESTIVAL_YEAR", DEFAULT_FESTIVAL_YEAR))


# --- partner organisations and editors ---------------------------------------------------

def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "partner"


def create_partner_organisation(
    *, name: str, website: str = "", contact_email: str = "", actor: User | None
) -> PartnerOrganisation:
    name = name.strip()
    exists = db.session.scalar(
        sa.select(PartnerOrganisation.id).where(
            sa.or_(PartnerOrganisation.name == name, PartnerOrganisation.slug == slugify(name))
        )
    )
    if exists is not None:
        raise OrganisationExists()
    organisation = PartnerOrganisation(
        name=name, slug=slugify(name), website=website.strip(), contact_email=contact_email.strip()
    )
    db.session.add(organisation)
    db.session.flush()
    record_audit(actor, "create-partner-organisation", organisation)
    return organisation


def organisation_ids_of(user: User) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(
        db.session.scalars(
            sa.select(PartnerMembership.organisation_id).where(PartnerMembership.user_id == user.id)
        )
    )


def organisations_of(user: User) -> list[PartnerOrganisation]:
    return list(
        db.session.scalars(
            sa.select(PartnerOrganisation)
            .join(PartnerMembership)
            .where(PartnerMembership.user_id == user.id)
            .order_by(PartnerOrganisation.name)
        )
    )


def can_moderate_side_events(user: User) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.ORGANISER))


def can_edit_side_event(user: User, event: SideEvent) -> bool:
    """Organisers edit every event; a partner editor only their organisation's events."""
    if not user.is_authenticated:
        return False
    if can_moderate_side_events(user):
        return True
    return user.has_role(Role.PARTNER) and event.organisation_id in organisation_ids_of(user)


def ensure_can_edit(user: User, event: SideEvent) -> None:
    if not can_edit_side_event(user, event):
        raise PermissionDenied(_l("You can only change events of your own organisation."))


def ensure_can_submit_for(user: User, organisation: PartnerOrganisation) -> None:
    if can_moderate_side_events(user):
        return
    if not (user.has_role(Role.PARTNER) and organisation.id in organisation_ids_of(user)):
        raise PermissionDenied(_l("You can only submit events for your own organisation."))


def invite_editor(
    *, organisation: PartnerOrganisation, email: str, invited_by: User
) -> PartnerInvitation:
    """Mail a one-time link; only the SHA-256 of its token is stored."""
    email = normalise_email(email)
    if "@" not in email:
        raise ValidationFailed(_l("Enter a valid email address."))
    token = random_token()
    invitation = PartnerInvitation(
        organisation_id=organisation.id,
        email=email,
        token_hash=token_hash(token),
        invited_by_id=invited_by.id,
        expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
    )
    db.session.add(invitation)
    db.session.flush()
    existing = find_user_by_email(email)
    queue_mail(
        to=email,
        template="side_events_invitation",
        language=existing.language if existing else invited_by.language,
        organisation=organisation,
        inviter=invited_by,
        link=external_url("side_events.invitation_accept", token=token),
        days=INVITATION_DAYS,
    )
    record_audit(invited_by, "invite-partner-editor", organisation, email=email)
    return invitation


def find_invitation(token: str) -> PartnerInvitation:
    invitation = db.session.scalar(
        sa.select(PartnerInvitation).where(PartnerInvitation.token_hash == token_hash(token))
    )
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= utcnow():
        raise InvitationInvalid()
    return invitation


def accept_invitation(
    *,
    token: str,
    user: User | None,
    display_name: str = "",
    password: str | None = None,
    language: str = "en",
) -> User:
    """Link the signed-in account, or create one; either way the user becomes an editor.

    The link reached the invited address, so a new account counts as verified. A signed-in
    user must be the invited address; an existing account must log in first.
    """
    invitation = find_invitation(token)
    if user is not None and user.is_authenticated:
        if user.email != invitation.email:
            raise PermissionDenied(
                _l("This invitation is for %(email)s. Log out and open the link again.", email=invitation.email)
            )
    else:
        if find_user_by_email(invitation.email) is not None:
            raise InvitationNeedsLogin()
        if not password:
            raise ValidationFailed(_l("Choose a password."))
        user = create_user(
            email=invitation.email,
            password=password,
            display_name=display_name,
            language=language,
            roles=(Role.PARTNER,),
            verified=True,
        )
    grant_role(user=user, role=Role.PARTNER, actor=user)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    if db.session.get(PartnerMembership, (invitation.organisation_id, user.id)) is None:
        db.session.add(PartnerMembership(organisation_id=invitation.organisation_id, user_id=user.id))
    invitation.accepted_at = utcnow()
    db.session.flush()
    record_audit(user, "accept-partner-invitation", invitation.organisation)
    return user


# --- event content -----------------------------------------------------------------------

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
    )


SAFE_URL = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


def _check_url(value: str, field_name: str) -> str:
    value = value.strip()
    if value and not SAFE_URL.match(value):
        raise EventInputRejected(_l("Enter a web address starting with https:// or http://."), field_name)
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
        "booking_url": _check_url(data.booking_url, "booking_url"),
        "image_url": _check_url(data.image_url, "image_url"),
    }


def validate_event_input(data: EventInput) -> None:
    """Raise EventInputRejected if the content breaks a rule (no database change)."""
    _revision_values(data)


def approved_revision(event: SideEvent) -> SideEventRevision | None:
    return next((r for r in event.revisions if r.status is RevisionStatus.APPROVED), None)


def pending_revision(event: SideEvent) -> SideEventRevision | None:
    return next((r for r in event.revisions if r.status is RevisionStatus.PENDING), None)


def submit_side_event(
    *, organisation: PartnerOrganisation, data: EventInput, author: User
) -> SideEvent:
    """A new event, waiting for moderation."""
    ensure_can_submit_for(author, organisation)
    values = _revision_values(data)
    event = SideEvent(organisation_id=organisation.id, state=EventState.SUBMITTED, created_by_id=author.id)
    event.revisions.append(SideEventRevision(**values, status=RevisionStatus.PENDING, created_by_id=author.id))
    db.session.add(event)
    db.session.flush()
    record_audit(author, "submit-side-event", event)
    return event


@revision_unchanged(EDITED_MEANWHILE)
def edit_side_event(*, event: SideEvent, data: EventInput, author: User) -> SideEventRevision:
    """Replace the waiting edit, or start one; an approved version stays public meanwhile.

    Only a revision that is still pending is changed in place: if a moderator approved or
    rejected it after this request read it, RevisionChanged, and nothing is saved. The same
    when two editors start a change at once: the one-pending-revision index lets one through.
    """
    ensure_can_edit(author, event)
    values = _revision_values(data)
    revision = pending_revision(event)
    starting = revision is None
    if revision is None:
        revision = SideEventRevision(**values, status=RevisionStatus.PENDING, created_by_id=author.id)
        event.revisions.append(revision)
    else:
        for name, value in values.items():
            setattr(revision, name, value)
        revision.created_by_id = author.id
        revision.created_at = utcnow()
    if event.state is not EventState.APPROVED:
        event.state = EventState.SUBMITTED
    event.rejection_reason = ""
    event.updated_at = utcnow()
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:
        if starting:  # another editor's change started meanwhile (values were validated above)
            raise RevisionChanged(EDITED_MEANWHILE) from exc
        raise
    record_audit(author, "edit-side-event", event)
    return revision


# --- moderation ---------------------------------------------------------------------------

def _author_address(revision: SideEventRevision, event: SideEvent) -> tuple[str, str] | None:
    author = db.session.get(User, revision.created_by_id) if revision.created_by_id else None
    if author is not None and author.is_active:
        return author.email, author.language
    if event.organisation.contact_email:
        return event.organisation.contact_email, "nl"
    return None


def _revision_to_moderate(
    event: SideEvent, seen_revision_id: int | None, seen_version: int | None
) -> SideEventRevision:
    """The pending revision, which must be the one the moderator saw, if they say which."""
    revision = pending_revision(event)
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
            to=recipient[0], template="side_events_approved", language=recipient[1],
            title=title, link=external_url("side_events.event_detail", event_id=event.id),
        )
    return revision


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
            to=recipient[0], template="side_events_rejected", language=recipient[1],
            title=title, reason=reason, still_public=approved_revision(event) is not None,
            link=external_url("side_events.event_edit", event_id=event.id),
        )
    return revision


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
    return len(rows)


def rfc5545_recurrence(revision: SideEventRevision) -> list[str]:
    """DTSTART, RRULE and EXDATE lines of a revision, for the iCal feed."""
    return rec.rfc5545_properties(
        all_day=revision.all_day, starts_at=revision.starts_at, start_date=revision.start_date,
        rule=revision.rrule, exdates=revision.exdates or [], zone=conference_zone(),
    )


# --- what changed -------------------------------------------------------------------------

@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


def _when_text(revision: SideEventRevision) -> str:
    if revision.all_day:
        return f"{revision.start_date} – {revision.end_date} ({_l('all day')})"
    zone = conference_zone()
    assert revision.starts_at is not None and revision.ends_at is not None
    start, end = revision.starts_at.astimezone(zone), revision.ends_at.astimezone(zone)
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M} {zone.key}"


def describe_revision(revision: SideEventRevision) -> dict[str, tuple[str, str]]:
    """field -> (label, text), the moderator's view of a revision."""
    price = _l("free") if revision.is_free else f"€ {revision.price_cents / 100:.2f}"  # type: ignore[operator]
    return {
        "title_nl": (str(_l("Title (Dutch)")), revision.title_nl),
        "title_en": (str(_l("Title (English)")), revision.title_en),
        "description_nl": (str(_l("Description (Dutch)")), revision.description_nl),
        "description_en": (str(_l("Description (English)")), revision.description_en),
        "language": (str(_l("Language")), revision.language),
        "category": (str(_l("Category")), revision.category.value),
        "audience": (str(_l("Audience")), revision.audience),
        "location": (
            str(_l("Location")),
            " · ".join(x for x in (revision.venue.name if revision.venue else "", revision.location_name,
                                   revision.address, revision.neighbourhood) if x),
        ),
        "coordinates": (
            str(_l("Coordinates")),
            f"{revision.latitude}, {revision.longitude}" if revision.latitude is not None else "",
        ),
        "when": (str(_l("Date and time")), _when_text(revision)),
        "rrule": (str(_l("Repetition")), revision.rrule or ""),
        "exdates": (str(_l("Excluded dates")), ", ".join(revision.exdates or [])),
        "price": (str(_l("Price")), str(price)),
        "booking_url": (str(_l("Booking link")), revision.booking_url),
        "image_url": (str(_l("Image")), revision.image_url),
    }


def revision_changes(event: SideEvent) -> list[FieldChange]:
    """What the waiting edit changes compared with the public version (all of it if new)."""
    pending = pending_revision(event)
    if pending is None:
        return []
    after = describe_revision(pending)
    current = approved_revision(event)
    before = describe_revision(current) if current is not None else {k: (v[0], "") for k, v in after.items()}
    return [
        FieldChange(label, before[key][1], text)
        for key, (label, text) in after.items()
        if before[key][1] != text
    ]


def find_side_event(event_id: int) -> SideEvent:
    event = db.session.get(SideEvent, event_id)
    if event is None:
        raise NotFound()
    return event
