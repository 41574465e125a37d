"""Programme sessions: the draft content organisers edit (title, abstract, format, speakers ...).

Edits here change the draft only; the public sees them once a version is published
(esof/programme/publishing.py). The seat limit is the exception: it is read live.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from esof.conference import conference_zone
from esof.errors import Conflict, ValidationFailed
from esof.extensions import db
from esof.programme.models import (
    Person,
    ProgrammeSession,
    PublishedSession,
    ScheduleSlot,
    SessionFormat,
    SessionSpeaker,
    SessionStatus,
    Track,
)
from esof.programme.signals import booking_cap_changed
from esof.venues.models import Room


class UnknownPerson(ValidationFailed):
    default_message = _l("One of the chosen speakers does not exist.")


class SessionAlreadyPublished(Conflict):
    default_message = _l(
        "This session has been published and subscribers may have it in their calendars. "
        "Cancel it instead of deleting it."
    )



def save_session(
    *,
    item: ProgrammeSession | None = None,
    title: str,
    format: SessionFormat | str,
    abstract: str = "",
    language: str = "en",
    track_id: int | None = None,
    speaker_ids: Sequence[int] = (),
    expected_audience: int = 0,
    needs_booking: bool = False,
    booking_cap: int | None = None,
    needs_step_free: bool = False,
    title_nl: str | None = None,
    abstract_nl: str | None = None,
    pinned: bool | None = None,
) -> ProgrammeSession:
    """Create or change a session of the draft. The Dutch title and abstract are optional;
    None keeps what the session has (callers that know nothing of Dutch leave it alone)."""
    if expected_audience < 0 or (booking_cap is not None and booking_cap < 0):
        raise ValidationFailed(_l("Numbers cannot be negative."))
    if track_id is not None and db.session.get(Track, track_id) is None:
        raise ValidationFailed(_l("This track does not exist."))
    speaker_ids = list(dict.fromkeys(speaker_ids))
    if speaker_ids:
        found = set(db.session.scalars(sa.select(Person.id).where(Person.id.in_(speaker_ids))))
        if found != set(speaker_ids):
            raise UnknownPerson()
    cap_before = None if item is None else (item.needs_booking, item.booking_cap)
    if item is None:
        item = ProgrammeSession()
        db.session.add(item)
    item.title = title.strip()
    item.format = SessionFormat(format)
    item.abstract = abstract
    if title_nl is not None:
        item.title_nl = title_nl.strip()
    if abstract_nl is not None:
        item.abstract_nl = abstract_nl
    item.language = language
    item.track_id = track_id
    item.expected_audience = expected_audience
    item.needs_booking = needs_booking
    item.booking_cap = booking_cap
    item.needs_step_free = needs_step_free
    if pinned is not None:  # None keeps it (callers that know nothing of the schedule solver)
        item.pinned = pinned
    current = {link.person_id: link for link in item.speaker_links}
    for person_id in list(current):
        if person_id not in speaker_ids:
            item.speaker_links.remove(current[person_id])
    for position, person_id in enumerate(speaker_ids):
        link = current.get(person_id) or SessionSpeaker(person_id=person_id)
        link.position = position
        if person_id not in current:
            item.speaker_links.append(link)
    db.session.flush()
    if cap_before is not None and cap_before != (item.needs_booking, item.booking_cap):
        booking_cap_changed.send(item)
    return item


def set_session_status(*, item: ProgrammeSession, status: SessionStatus) -> None:
    """Cancel or reinstate; a cancelled session stays in the schedule until the next publication
    shows it as cancelled, so subscribers' calendars drop it."""
    item.status = status
    db.session.flush()


def _is_published(item: ProgrammeSession) -> bool:
    return db.session.scalar(
        sa.select(PublishedSession.id).where(PublishedSession.session_id == item.id).limit(1)
    ) is not None


def session_deletion_effects(item: ProgrammeSession) -> tuple[list[str], str | None]:
    """What deleting the draft session takes with it, and why it cannot be deleted (if so)."""
    if _is_published(item):
        return [], str(SessionAlreadyPublished.default_message)
    effects = [ngettext("Its %(num)d speaker stays in the list of people, without this session.",
                        "Its %(num)d speakers stay in the list of people, without this session.",
                        len(item.speaker_links))]
    if item.slot is not None:
        effects.append(gettext("Its place in the draft schedule is freed."))
    return effects, None


def delete_session(*, item: ProgrammeSession) -> None:
    if _is_published(item):
        raise SessionAlreadyPublished()
    db.session.delete(item)
    db.session.flush()


@dataclass(frozen=True)
class SessionFilter:
    """The organisers' session list filters; empty values filter nothing."""

    q: str = ""
    track_id: int | None = None
    day: date | None = None  # a Leiden day
    room_id: int | None = None
    format: SessionFormat | None = None
    status: SessionStatus | None = None
    unscheduled: bool = False


def filtered_sessions(filters: SessionFilter) -> sa.Select:
    """The sessions that match, by title, with what the list shows loaded alongside: the
    page's query count stays the same whatever the number of sessions."""
    stmt = (
        sa.select(ProgrammeSession)
        .options(joinedload(ProgrammeSession.track), selectinload(ProgrammeSession.slot).joinedload(ScheduleSlot.room)
                 .joinedload(Room.venue),
                 selectinload(ProgrammeSession.speaker_links).joinedload(SessionSpeaker.person))
        .order_by(ProgrammeSession.title, ProgrammeSession.id)
    )
    if filters.q:
        stmt = stmt.where(ProgrammeSession.title.icontains(filters.q, autoescape=True))
    if filters.track_id:
        stmt = stmt.where(ProgrammeSession.track_id == filters.track_id)
    if filters.format is not None:
        stmt = stmt.where(ProgrammeSession.format == filters.format)
    if filters.status is not None:
        stmt = stmt.where(ProgrammeSession.status == filters.status)
    if filters.unscheduled:
        stmt = stmt.where(~sa.exists().where(ScheduleSlot.session_id == ProgrammeSession.id))
    if filters.day is not None or filters.room_id:
        placed = sa.select(ScheduleSlot.session_id)
        if filters.day is not None:
            zone = conference_zone()
            start = datetime.combine(filters.day, time(0), zone)
            end = datetime.combine(filters.day + timedelta(days=1), time(0), zone)
            placed = placed.where(ScheduleSlot.starts_at >= start, ScheduleSlot.starts_at < end)
        if filters.room_id:
            placed = placed.where(ScheduleSlot.room_id == filters.room_id)
        stmt = stmt.where(ProgrammeSession.id.in_(placed))
    return stmt


def count_sessions() -> dict[str, int]:
    total = db.session.scalar(sa.select(sa.func.count(ProgrammeSession.id))) or 0
    scheduled = db.session.scalar(sa.select(sa.func.count(ScheduleSlot.id))) or 0
    cancelled = db.session.scalar(
        sa.select(sa.func.count(ProgrammeSession.id)).where(ProgrammeSession.status == SessionStatus.CANCELLED)) or 0
    return {"total": total, "scheduled": scheduled, "unscheduled": total - scheduled, "cancelled": cancelled}
