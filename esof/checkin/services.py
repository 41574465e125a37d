"""Check-in rules: a scan at a door, the warnings staff must see, and the live occupancy.

A door is a room or a whole venue; each has one Occupancy counter row. A scan changes the
counter only when it changes whether the delegate is behind that door, and both steps are
single atomic statements, never read-check-write in Python:

1. "in": INSERT a DoorPresence row (partial unique index per registration and door; a
   conflict inserts nothing). "out": DELETE it. The row count says whether anything changed.
2. Only then: ``present = present + 1``, or ``present = present - 1 WHERE present > 0``.

So two doors of the same room scanning at the same moment, or the same ticket scanned twice
at once, can never double-count, and the counter never goes below zero. Every scan is kept
as a CheckIn row with its warnings, counted or not. A registration that may not come in
(esof.checkin.answers: cancelled, not confirmed, online only, unpaid) is stopped: its "in" is
recorded and never counted. A room and its venue entrance are reconciled (see `reconcile`).
Functions flush, never commit.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import contains_eager

from esof.accounts.models import User
from esof.bookings.models import Booking, BookingStatus
from esof.checkin.answers import (
    STOP_KINDS,
    WARNING_MESSAGES,
    Answer,
    AnswerKind,
    ScanWarning,
    answer,
    answer_kind,
    registration_stop,
    warning_message,
)
from esof.checkin.doors import (
    Door,
    UnknownDoor,
    door_filter,
    find_door,
    list_doors,
    room_door,
    room_doors_of,
    venue_door,
    venue_entrance_of,
    venues_with_rooms,
)
from esof.checkin.models import CheckIn, Direction, DoorPresence, Occupancy
from esof.db import utcnow
from esof.errors import NotFound, ValidationFailed
from esof.extensions import db
from esof.programme.models import ProgrammeSession, PublishedSession, SessionStatus
from esof.programme.queries import latest_version
from esof.registration.models import Attendance, PaymentStatus, Registration, RegistrationStatus
from esof.registration.queries import RegistrationFilters, filtered_registrations
from esof.registration.tickets import verify_ticket
from esof.venues.models import Room

DEFAULT_REPEAT_MINUTES = 10
# A delegate arriving this long before a session starts is at its door already.
SESSION_LOOKAHEAD = timedelta(minutes=15)
NEAR_FULL = 0.9


class NothingToScan(ValidationFailed):
    default_message = _l("Scan a ticket, paste its code or choose a delegate.")


class UnknownRegistration(NotFound):
    default_message = _l("There is no such registration.")


class UnknownDirection(ValidationFailed):
    default_message = _l("Choose the direction: in or out.")


def parse_direction(value: object) -> Direction:
    try:
        return Direction(str(value or ""))
    except ValueError:
        raise UnknownDirection() from None


# --- doors and warnings: esof.checkin.doors and esof.checkin.answers, re-exported here ---------

__all__ = [
    "STOP_KINDS", "WARNING_MESSAGES", "Answer", "AnswerKind", "Door", "ScanWarning", "UnknownDoor", "answer",
    "answer_kind", "door_filter", "find_door", "list_doors", "registration_stop", "warning_message",
]
_door_filter = door_filter  # the name tests/checkin/test_concurrency.py uses


def current_session_in(room_id: int, now: datetime) -> tuple[int, str, bool] | None:
    """(session id, title, needs booking) of the published session in the room now or
    starting within SESSION_LOOKAHEAD; None when the room is between sessions."""
    version = latest_version()
    if version is None:
        return None
    row = db.session.execute(
        sa.select(PublishedSession.session_id, PublishedSession.title, ProgrammeSession.needs_booking)
        .join(ProgrammeSession, ProgrammeSession.id == PublishedSession.session_id)
        .where(
            PublishedSession.version_id == version.id,
            PublishedSession.room_id == room_id,
            PublishedSession.status != SessionStatus.CANCELLED,
            PublishedSession.starts_at <= now + SESSION_LOOKAHEAD,
            PublishedSession.ends_at > now,
        )
        .order_by(PublishedSession.starts_at)
        .limit(1)
    ).first()
    return (row.session_id, row.title, row.needs_booking) if row else None


def _has_confirmed_booking(user_id: int | None, session_id: int) -> bool:
    if user_id is None:
        return False
    return db.session.scalar(
        sa.select(sa.literal(True)).where(
            Booking.user_id == user_id, Booking.session_id == session_id,
            Booking.status == BookingStatus.CONFIRMED,
        )
    ) is not None


def registration_warnings(registration: Registration) -> list[ScanWarning]:
    """What is wrong with the registration itself, wherever the door."""
    found: list[ScanWarning] = []
    if registration.status == RegistrationStatus.CANCELLED:
        found.append(ScanWarning.CANCELLED)
    elif registration.status != RegistrationStatus.CONFIRMED:
        found.append(ScanWarning.NOT_CONFIRMED)
    unpaid = registration.payment_status == PaymentStatus.PENDING and registration.amount_due_cents > 0
    if unpaid and registration.status != RegistrationStatus.CANCELLED:
        found.append(ScanWarning.UNPAID)
    if registration.attendance == Attendance.ONLINE:
        found.append(ScanWarning.ONLINE_ONLY)
    return found


# --- the scan -----------------------------------------------------------------------------

@dataclass
class ScanResult:
    check_in: CheckIn
    registration: Registration
    door: Door
    counted: bool
    present: int
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (code, message)
    since: datetime | None = None  # a duplicate "in": when the stay it repeats began

    @property
    def name(self) -> str:
        return self.registration.full_name or (self.registration.user.email if self.registration.user else "")

    @property
    def answer(self) -> Answer:
        entering = self.check_in.direction == Direction.IN
        return answer(answer_kind(entering, [code for code, _ in self.warnings]), entering=entering, since=self.since)

    def as_dict(self) -> dict[str, object]:
        return {
            "check_in": self.check_in.id,
            "registration": self.registration.id,
            "name": self.name,
            "affiliation": self.registration.affiliation,
            "category": self.registration.category.name,
            "door": self.door.key,
            "door_label": self.door.label,
            "direction": self.check_in.direction.value,
            "counted": self.counted,
            "present": self.present,
            "capacity": self.door.capacity,
            "warnings": [{"code": code, "message": message} for code, message in self.warnings],
            "answer": self.answer.as_dict(),
        }


def _insert(model: type[Occupancy] | type[DoorPresence]) -> postgresql.Insert | sqlite.Insert:
    """INSERT with ON CONFLICT support: PostgreSQL and SQLite, the two databases we run on."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def ensure_occupancy_row(door: Door) -> None:
    """Create the door's counter row if it is missing; a concurrent creator wins quietly."""
    column = "room_id" if door.kind == "room" else "venue_id"
    db.session.execute(
        _insert(Occupancy)
        .values(venue_id=door.door_venue_id, room_id=door.room_id, present=0, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=[column], index_where=sa.column(column).is_not(None))
    )


def change_presence(registration: Registration, door: Door, direction: Direction, now: datetime) -> bool:
    """Atomically mark the delegate as behind the door or not; True when that changed."""
    if direction == Direction.OUT:
        # RETURNING rather than rowcount, which some drivers report as -1 here.
        deleted = db.session.execute(
            sa.delete(DoorPresence).where(
                DoorPresence.registration_id == registration.id, door_filter(DoorPresence, door)
            ).returning(DoorPresence.id)
        ).first()
        return deleted is not None
    column = "room_id" if door.kind == "room" else "venue_id"
    inserted = db.session.execute(
        _insert(DoorPresence)
        .values(registration_id=registration.id, venue_id=door.door_venue_id, room_id=door.room_id, entered_at=now)
        .on_conflict_do_nothing(
            index_elements=["registration_id", column], index_where=sa.column(column).is_not(None)
        )
        .returning(DoorPresence.id)
    ).first()
    return inserted is not None


def hold_venue_counter(door: Door) -> None:
    """Take the counter row of the door's venue entrance before any other counter.

    A room entered unscanned at the entrance moves the room's counter and then the venue's
    (reconcile); leaving the venue moves the venue's and then its rooms'. Held in that order
    two such scans would each hold one row and wait for the other (PostgreSQL then breaks the
    deadlock and one door is told 503): every scan at a venue queues on its entrance first."""
    entrance = venue_entrance_of(door)
    ensure_occupancy_row(entrance)
    db.session.execute(sa.select(Occupancy.id).where(door_filter(Occupancy, entrance)).with_for_update())


def move_counter(door: Door, direction: Direction, now: datetime) -> None:
    """One conditional UPDATE: the database serialises competing doors; never below zero."""
    present = Occupancy.present + 1 if direction == Direction.IN else Occupancy.present - 1
    stmt = sa.update(Occupancy).where(door_filter(Occupancy, door)).values(present=present, updated_at=now)
    if direction == Direction.OUT:
        stmt = stmt.where(Occupancy.present > 0)
    db.session.execute(stmt.execution_options(synchronize_session=False))


def move(registration: Registration, door: Door, direction: Direction, now: datetime) -> bool:
    """Presence row, then counter: True when the delegate's presence behind the door changed."""
    ensure_occupancy_row(door)
    changed = change_presence(registration, door, direction, now)
    if changed:
        move_counter(door, direction, now)
    return changed


def reconcile(registration: Registration, door: Door, direction: Direction, now: datetime) -> None:
    """Keep a room and its venue entrance telling the same story, after a counted move:

    * entering a room means being inside its venue: a delegate who came in unscanned (a side
      door, a scanner that was off) is counted at the venue entrance too;
    * leaving the venue ends their presence in every room of it: a room is never left with
      somebody the venue says has gone;
    * leaving a room leaves them inside the venue, and entering the venue puts them in no room.

    The implied moves change presence rows and counters, in the same atomic steps as a scan,
    but record no scan: a venue's counter is its counted scans plus the moves its rooms implied."""
    if direction == Direction.IN and door.kind == "room":
        move(registration, venue_entrance_of(door), Direction.IN, now)
    elif direction == Direction.OUT and door.kind == "venue":
        for room in rooms_inside(registration, door):
            move(registration, room, Direction.OUT, now)


def rooms_inside(registration: Registration, venue: Door) -> list[Door]:
    inside = set(db.session.scalars(
        sa.select(DoorPresence.room_id).join(Room, Room.id == DoorPresence.room_id)
        .where(DoorPresence.registration_id == registration.id, Room.venue_id == venue.id)
    ))
    return [room for room in room_doors_of(venue) if room.id in inside]


def entered_at(registration: Registration, door: Door) -> datetime | None:
    return db.session.scalar(sa.select(DoorPresence.entered_at).where(
        DoorPresence.registration_id == registration.id, door_filter(DoorPresence, door)))


def door_present(door: Door) -> int:
    return db.session.scalar(sa.select(Occupancy.present).where(door_filter(Occupancy, door))) or 0


def _repeated(registration: Registration, door: Door, direction: Direction, now: datetime) -> bool:
    minutes = current_app.config.get("CHECKIN_REPEAT_MINUTES", DEFAULT_REPEAT_MINUTES)
    return db.session.scalar(
        sa.select(sa.literal(True)).where(
            CheckIn.registration_id == registration.id, door_filter(CheckIn, door),
            CheckIn.direction == direction, CheckIn.scanned_at >= now - timedelta(minutes=minutes),
        ).limit(1)
    ) is not None


def _resolve_registration(token: str | None, registration_id: int | None) -> Registration:
    if token and token.strip():
        return verify_ticket(token.strip())
    if registration_id is not None:
        registration = db.session.get(Registration, registration_id)
        if registration is None:
            raise UnknownRegistration()
        return registration
    raise NothingToScan()


def record_scan(
    *,
    door: Door,
    direction: Direction,
    staff: User,
    token: str | None = None,
    registration_id: int | None = None,
    now: datetime | None = None,
) -> ScanResult:
    """Check a delegate in or out at a door, from a scanned ticket token or (the search
    fallback) a registration id. Forged, expired and revoked tokens raise TicketForged,
    TicketExpired or TicketRevoked and record nothing; everything else is recorded, with
    the warnings the staff at the door must see."""
    now = now or utcnow()
    registration = _resolve_registration(token, registration_id)
    # One scan of a delegate at a time, online or synced from an offline scanner (see
    # esof.checkin.offline), so the two never decide the same presence at once.
    db.session.execute(sa.select(Registration.id).where(Registration.id == registration.id).with_for_update())
    codes: list[tuple[str, str]] = []
    if _repeated(registration, door, direction, now):
        codes.append((ScanWarning.REPEATED, warning_message(ScanWarning.REPEATED)))
    faults = registration_warnings(registration)
    # A registration that may not come in is stopped at the door: recorded, never counted.
    stopped = direction == Direction.IN and registration_stop(faults) is not None
    counted, since = False, None
    if not stopped:
        hold_venue_counter(door)
        counted = move(registration, door, direction, now)
        if counted:
            reconcile(registration, door, direction, now)
        elif direction == Direction.IN:
            since = entered_at(registration, door)
            codes.append((ScanWarning.ALREADY_INSIDE, warning_message(ScanWarning.ALREADY_INSIDE)))
        else:
            codes.append((ScanWarning.NOT_INSIDE, warning_message(ScanWarning.NOT_INSIDE)))

    codes.extend((code, warning_message(code)) for code in faults)
    if direction == Direction.IN and door.kind == "room" and not stopped:
        session = current_session_in(door.id, now)
        if session is not None and session[2] and not _has_confirmed_booking(registration.user_id, session[0]):
            codes.append((ScanWarning.NO_BOOKING, warning_message(ScanWarning.NO_BOOKING, title=session[1])))

    check_in = CheckIn(
        registration_id=registration.id, venue_id=door.venue_id, room_id=door.room_id,
        direction=direction, scanned_at=now, scanned_by_id=staff.id, counted=counted,
        warnings=" ".join(code for code, _ in codes),
    )
    db.session.add(check_in)
    db.session.flush()
    return ScanResult(check_in, registration, door, counted, door_present(door), codes, since)


def search_registrations(text: str, *, limit: int = 20) -> list[Registration]:
    """The name fallback: registrations whose name, affiliation or email match, active first."""
    if len(text.strip()) < 2:
        return []
    stmt = filtered_registrations(RegistrationFilters(q=text.strip())).order_by(None).order_by(
        (Registration.status == RegistrationStatus.CANCELLED).asc(),
        Registration.last_name, Registration.first_name, Registration.id,
    )
    return list(db.session.scalars(stmt.limit(limit)).unique())


def recent_scans(door: Door, *, limit: int = 10) -> list[CheckIn]:
    return list(db.session.scalars(
        sa.select(CheckIn).join(CheckIn.registration).where(door_filter(CheckIn, door))
        .options(contains_eager(CheckIn.registration))
        .order_by(CheckIn.scanned_at.desc(), CheckIn.id.desc()).limit(limit)
    ))


# --- occupancy ----------------------------------------------------------------------------

class Level(enum.StrEnum):
    OK = "ok"
    NEAR = "near"
    FULL = "full"


def occupancy_level(present: int, capacity: int) -> Level:
    """FULL at or above capacity, NEAR from 90 % of it; a room without capacity is full
    as soon as anyone is in it."""
    if capacity <= 0:
        return Level.FULL if present > 0 else Level.OK
    if present >= capacity:
        return Level.FULL
    if present >= NEAR_FULL * capacity:
        return Level.NEAR
    return Level.OK


@dataclass
class DoorCount:
    door: Door
    present: int
    updated_at: datetime | None

    @property
    def level(self) -> Level:
        return occupancy_level(self.present, self.door.capacity)

    @property
    def percent(self) -> int:
        return round(100 * self.present / self.door.capacity) if self.door.capacity else 0

    def as_dict(self) -> dict[str, object]:
        return {
            "door": self.door.key, "label": self.door.label, "present": self.present,
            "capacity": self.door.capacity, "percent": self.percent, "level": self.level.value,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


@dataclass
class VenueCount:
    venue: DoorCount
    rooms: list[DoorCount]


def fullness(count: DoorCount) -> float:
    """Present against capacity; a door without capacity and anyone behind it is fullest."""
    if count.door.capacity <= 0:
        return float("inf") if count.present > 0 else 0.0
    return count.present / count.door.capacity


def occupancy_report() -> list[VenueCount]:
    """Every venue with its rooms and their counters, fullest first (venues by their fullest
    door, rooms within a venue by their own share), in two queries whatever the size."""
    counters = {
        (row.venue_id, row.room_id): row
        for row in db.session.execute(
            sa.select(Occupancy.venue_id, Occupancy.room_id, Occupancy.present, Occupancy.updated_at)
        )
    }

    def count(door: Door) -> DoorCount:
        row = counters.get((door.door_venue_id, door.room_id))
        return DoorCount(door, row.present if row else 0, row.updated_at if row else None)

    def fullest_first(item: DoorCount) -> tuple[float, int, str]:
        return (-fullness(item), -item.present, item.door.name)

    report = []
    for venue in venues_with_rooms():
        rooms = sorted((count(room_door(room, venue)) for room in venue.rooms), key=fullest_first)
        report.append(VenueCount(count(venue_door(venue)), rooms))
    report.sort(key=lambda v: min([fullest_first(v.venue), *(fullest_first(room) for room in v.rooms)]))
    return report
