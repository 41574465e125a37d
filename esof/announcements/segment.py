"""Who an announcement goes to: a segment of accounts, as one SQL statement.

The conditions combine with AND; a list (categories, statuses, countries) matches any of its
values. Registration conditions read the account's registrations; without any of them and
without a session or track the segment is every account with a registration that is not
cancelled ("all delegates"). Erased, deactivated and opted-out accounts are never in it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from esof.accounts.models import User
from esof.announcements.models import AnnouncementOptOut
from esof.bookings.models import LIVE, Booking, BookingStatus
from esof.errors import ValidationFailed
from esof.extensions import db
from esof.programme.models import Participation, Person, ProgrammeSession, SessionSpeaker, SessionStatus, Track
from esof.registration.countries import is_country_code
from esof.registration.models import (
    Attendance,
    PaymentStatus,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
)

BOOKING_STATES = {"booked": (BookingStatus.CONFIRMED,), "waiting": (BookingStatus.WAITLISTED,), "": LIVE}


class InvalidSegment(ValidationFailed):
    """An id or code in the segment names nothing that exists."""


class EmptySegment(ValidationFailed):
    default_message = _l("Nobody is in this segment: choose other conditions.")


@dataclass(frozen=True)
class Segment:
    categories: tuple[int, ...] = ()
    attendance: str = ""
    statuses: tuple[str, ...] = ()
    payment_statuses: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    session_id: int | None = None
    # With a session: "booked" (a seat), "waiting" (on its waiting list) or "" (either).
    booking: str = ""
    # Speakers of this track's sessions (not those who declined, nor of cancelled sessions).
    track_id: int | None = None

    @property
    def has_registration_condition(self) -> bool:
        return bool(self.categories or self.attendance or self.statuses or self.payment_statuses or self.countries)

    def as_json(self) -> dict[str, Any]:
        return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(self).items()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Segment:
        values: dict[str, Any] = {
            key: tuple(value) if isinstance(value, list) else value for key, value in data.items()
        }
        return cls(**values)


def check_segment(segment: Segment) -> None:
    """Refuse ids that name nothing and codes outside their lists (InvalidSegment)."""
    if segment.attendance and segment.attendance not in {a.value for a in Attendance}:
        raise InvalidSegment(_l("Unknown attendance: %(value)s.", value=segment.attendance))
    for status in segment.statuses:
        if status not in {s.value for s in RegistrationStatus}:
            raise InvalidSegment(_l("Unknown registration status: %(value)s.", value=status))
    for status in segment.payment_statuses:
        if status not in {s.value for s in PaymentStatus}:
            raise InvalidSegment(_l("Unknown payment status: %(value)s.", value=status))
    for code in segment.countries:
        if not is_country_code(code):
            raise InvalidSegment(_l("Unknown country: %(value)s.", value=code))
    if segment.booking not in BOOKING_STATES:
        raise InvalidSegment(_l("Unknown booking state: %(value)s.", value=segment.booking))
    if segment.categories:
        found = set(db.session.scalars(
            sa.select(RegistrationCategory.id).where(RegistrationCategory.id.in_(segment.categories))
        ))
        missing = sorted(set(segment.categories) - found)
        if missing:
            raise InvalidSegment(_l("Unknown category: %(value)s.", value=missing[0]))
    if segment.session_id is not None and db.session.get(ProgrammeSession, segment.session_id) is None:
        raise InvalidSegment(_l("Unknown session: %(value)s.", value=segment.session_id))
    if segment.track_id is not None and db.session.get(Track, segment.track_id) is None:
        raise InvalidSegment(_l("Unknown track: %(value)s.", value=segment.track_id))


def recipients_statement(segment: Segment) -> sa.Select[Any]:
    """SELECT the accounts of the segment (id, email, name, language), by id."""
    conditions: list[sa.ColumnElement[bool]] = [
        User.erased_at.is_(None),
        User.is_active_account.is_(True),
        ~sa.exists().where(AnnouncementOptOut.user_id == User.id),
    ]
    if segment.has_registration_condition or (segment.session_id is None and segment.track_id is None):
        conditions.append(sa.exists().where(*_registration_conditions(segment)))
    if segment.session_id is not None:
        conditions.append(sa.exists().where(
            Booking.user_id == User.id, Booking.session_id == segment.session_id,
            Booking.status.in_(BOOKING_STATES[segment.booking]),
        ))
    if segment.track_id is not None:
        conditions.append(sa.exists().where(
            Person.user_id == User.id, SessionSpeaker.person_id == Person.id,
            ProgrammeSession.id == SessionSpeaker.session_id, ProgrammeSession.track_id == segment.track_id,
            ProgrammeSession.status != SessionStatus.CANCELLED,
            SessionSpeaker.participation != Participation.DECLINED,
        ))
    return (
        sa.select(User.id, User.email, User.display_name, User.language)
        .where(*conditions)
        .order_by(User.id)
    )


def _registration_conditions(segment: Segment) -> list[sa.ColumnElement[bool]]:
    found: list[sa.ColumnElement[bool]] = [Registration.user_id == User.id]
    if segment.statuses:
        found.append(Registration.status.in_([RegistrationStatus(s) for s in segment.statuses]))
    else:
        found.append(Registration.status != RegistrationStatus.CANCELLED)
    if segment.categories:
        found.append(Registration.category_id.in_(segment.categories))
    if segment.attendance:
        found.append(Registration.attendance == Attendance(segment.attendance))
    if segment.payment_statuses:
        found.append(Registration.payment_status.in_([PaymentStatus(s) for s in segment.payment_statuses]))
    if segment.countries:
        found.append(Registration.country.in_(segment.countries))
    return found


def count_recipients(segment: Segment) -> int:
    inner = recipients_statement(segment).order_by(None).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(inner)) or 0


def example_recipient(segment: Segment) -> sa.Row[Any] | None:
    """The first account of the segment, whose mail the preview shows."""
    return db.session.execute(recipients_statement(segment).limit(1)).first()
