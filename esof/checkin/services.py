"""Check-in rules: a scan at a door, the warnings staff must see, and the live occupancy.

A door is a room or a whole venue; each has one Occupancy counter row. A scan changes the
counter only when it changes whether the delegate is behind that door, and both steps are
single atomic statements, never read-check-write in Python:

1. "in": INSERT a DoorPresence row (partial unique index per registration and door; a
   conflict inserts nothing). "out": DELETE it. The row count says whether anything changed.
2. Only then: ``present = present + 1``, or ``present = present - 1 WHERE present > 0``.

So two doors of the same room scanning at the same moment, or the same ticket scanned twice
at once, can never double-count, and the counter never goes below zero. Every scan is kept
as a CheckIn row with its warnings, counted or not. Functions flush, never commit.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import contains_eager, joinedload

from esof.accounts.models import User
from esof.bookings.models import Booking, BookingStatus
from esof.checkin.models import CheckIn, Direction, DoorPresence, Occupancy
from esof.db import utcnow
from esof.errors import NotFound, ValidationFailed
from esof.extensions import db
from esof.programme.models import ProgrammeSession, PublishedSession, SessionStatus
from esof.programme.queries import latest_version
from esof.registration.models import Attendance, PaymentStatus, Registration, RegistrationStatus
from esof.registration.queries import RegistrationFilters, filtered_registrations
from esof.registration.tickets import verify_ticket
from esof.venues.models import Room, Venue

DEFAULT_REPEAT_MINUTES = 10
# A delegate arriving this long before a session starts is at its door already.
SESSION_LOOKAHEAD = timedelta(minutes=15)
NEAR_FULL = 0.9


class UnknownDoor(ValidationFailed):
    default_message = _l("Choose a door: a venue entrance or a room.")


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


# --- doors --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Door:
    """A venue entrance or a room door, written "venue:3" or "room:12" in forms and JSON."""

    kind: str
    id: int
    label: str
    venue_id: int
    capacity: int
    name: str = ""  # the room's own name, or the venue's

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def room_id(self) -> int | None:
        return self.id if self.kind == "room" else None

    @property
    def door_venue_id(self) -> int | None:
        """The venue column of this door's rows: set for a venue entrance only."""
        return self.id if self.kind == "venue" else None


def _venues_with_rooms() -> list[Venue]:
    return list(db.session.scalars(
        sa.select(Venue).options(joinedload(Venue.rooms)).order_by(Venue.name)
    ).unique())


def _venue_door(venue: Venue) -> Door:
    return Door("venue", venue.id, venue.name, venue.id, sum(room.capacity for room in venue.rooms), venue.name)


def _room_door(room: Room, venue: Venue) -> Door:
    return Door("room", room.id, f"{venue.name} › {room.name}", venue.id, room.capacity, room.name)


def list_doors() -> list[Door]:
    """Every venue entrance followed by its rooms, in name order."""
    doors: list[Door] = []
    for venue in _venues_with_rooms():
        doors.append(_venue_door(venue))
        doors.extend(_room_door(room, venue) for room in sorted(venue.rooms, key=lambda r: r.name))
    return doors


def find_door(key: str) -> Door:
    kind, _, number = (key or "").partition(":")
    if kind not in {"venue", "room"} or not number.isdigit():
        raise UnknownDoor()
    if kind == "venue":
        venue = db.session.scalars(
            sa.select(Venue).options(joinedload(Venue.rooms)).where(Venue.id == int(number))
        ).unique().one_or_none()
        if venue is None:
            raise UnknownDoor()
        return _venue_door(venue)
    room = db.session.scalars(
        sa.select(Room).options(joinedload(Room.venue)).where(Room.id == int(number))
    ).one_or_none()
    if room is None:
        raise UnknownDoor()
    return _room_door(room, room.venue)


def door_filter(model: type[DoorPresence] | type[Occupancy] | type[CheckIn], door: Door) -> sa.ColumnElement[bool]:
    if door.kind == "room":
        return model.room_id == door.id
    return sa.and_(model.venue_id == door.id, model.room_id.is_(None))


_door_filter = door_filter  # the name tests/checkin/test_concurrency.py uses


# --- warnings -----------------------------------------------------------------------------

class ScanWarning(enum.StrEnum):
    REPEATED = "repeated"
    ALREADY_INSIDE = "already-inside"
    NOT_INSIDE = "not-inside"
    CANCELLED = "cancelled"
    NOT_CONFIRMED = "not-confirmed"
    UNPAID = "unpaid"
    ONLINE_ONLY = "online-only"
    NO_BOOKING = "no-booking"


WARNING_MESSAGES = {
    ScanWarning.REPEATED: _l("Scanned at this door in the same direction a few minutes ago."),
    ScanWarning.ALREADY_INSIDE: _l("Already checked in behind this door: not counted again."),
    ScanWarning.NOT_INSIDE: _l("Was not checked in behind this door: the count is unchanged."),
    ScanWarning.CANCELLED: _l("This registration is cancelled."),
    ScanWarning.NOT_CONFIRMED: _l("This registration is not confirmed."),
    ScanWarning.UNPAID: _l("The fee has not been paid."),
    ScanWarning.ONLINE_ONLY: _l("Registered to attend online only."),
    ScanWarning.NO_BOOKING: _l("No booked seat in the session in this room: %(title)s."),
}


def warning_message(code: str, **values: str) -> str:
    try:
        template = WARNING_MESSAGES[ScanWarning(code)]
    except ValueError:
        return code
    return str(template) % values if values else str(template).replace("%%", "%")


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

    @property
    def name(self) -> str:
        return self.registration.full_name or (self.registration.user.email if self.registration.user else "")

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


def move_counter(door: Door, direction: Direction, now: datetime) -> None:
    """One conditional UPDATE: the database serialises competing doors; never below zero."""
    present = Occupancy.present + 1 if direction == Direction.IN else Occupancy.present - 1
    stmt = sa.update(Occupancy).where(door_filter(Occupancy, door)).values(present=present, updated_at=now)
    if direction == Direction.OUT:
        stmt = stmt.where(Occupancy.present > 0)
    db.session.execute(stmt.execution_options(synchronize_session=False))


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

    ensure_occupancy_row(door)
    counted = change_presence(registration, door, direction, now)
    if counted:
        move_counter(door, direction, now)
    elif direction == Direction.IN:
        codes.append((ScanWarning.ALREADY_INSIDE, warning_message(ScanWarning.ALREADY_INSIDE)))
    else:
        codes.append((ScanWarning.NOT_INSIDE, warning_message(ScanWarning.NOT_INSIDE)))

    codes.extend((code, warning_message(code)) for code in registration_warnings(registration))
    if direction == Direction.IN and door.kind == "room":
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
    return ScanResult(check_in, registration, door, counted, door_present(door), codes)


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


def occupancy_report() -> list[VenueCount]:
    """Every venue with its rooms and their counters, in two queries whatever the size."""
    counters = {
        (row.venue_id, row.room_id): row
        for row in db.session.execute(
            sa.select(Occupancy.venue_id, Occupancy.room_id, Occupancy.present, Occupancy.updated_at)
        )
    }

    def count(door: Door) -> DoorCount:
        row = counters.get((door.door_venue_id, door.room_id))
        return DoorCount(door, row.present if row else 0, row.updated_at if row else None)

    report = []
    for venue in _venues_with_rooms():
        rooms = [count(_room_door(room, venue)) for room in sorted(venue.rooms, key=lambda r: r.name)]
        report.append(VenueCount(count(_venue_door(venue)), rooms))
    return report
