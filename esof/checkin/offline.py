"""Scans made while the door had no network: the door list a scanner downloads beforehand, and
the sync that records the scans it queued.

A queued scan carries its own id (``client_id``, a UUID) and the time it happened. The sync
records each id once (a unique column, so a resend never counts twice), takes the scans in
time order, and locks the registration row while it recomputes that delegate's presence
behind the doors of the venue (its entrance and its rooms) from all their scans there in time
order, with the moves a room and its entrance imply online: a scan that arrives late but
happened earlier counts where it belongs, a ticket scanned "in" at two doors of the same room
while both were offline counts once (the second is the duplicate), and the same scans give
the same answers and counters online and offline. Functions flush, never commit.
"""
from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from esof.accounts.models import User
from esof.checkin import services
from esof.checkin.doors import room_doors_of, venue_entrance_of
from esof.checkin.models import CheckIn, Direction, DoorPresence, Occupancy
from esof.conference import conference_days, conference_zone
from esof.db import utcnow
from esof.errors import DomainError
from esof.extensions import db
from esof.registration.models import Attendance, Registration, RegistrationCategory, RegistrationStatus
from esof.registration.tickets import (
    PaymentReferenceAtDoor,
    TicketCancelled,
    TicketCodeMistyped,
    TicketForged,
    code_for,
    door_code_hash,
    door_nonce_hash,
    is_signed_token,
    verify_ticket,
)
from esof.venues.models import Room

MAX_BATCH = 500
# A phone's clock may run a little ahead of the server's; more than this is not a real scan.
CLOCK_TOLERANCE = timedelta(minutes=5)


class Outcome(enum.StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REFUSED = "refused"


class Reason(enum.StrEnum):
    REVOKED = "revoked"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"
    TAMPERED = "tampered"
    # Recorded but not counted: the door stops these (esof.checkin.answers), online or not.
    NOT_CONFIRMED = "not-confirmed"
    ONLINE_ONLY = "online-only"
    UNPAID = "unpaid"


REASON_MESSAGES = {
    Reason.REVOKED: _l("This ticket was replaced or is not valid: the person should not have been let in."),
    Reason.CANCELLED: _l("This registration is cancelled: the person should not have been let in."),
    Reason.UNKNOWN: _l("No such ticket: the person should not have been let in."),
    Reason.TAMPERED: _l("This queued scan is not genuine (altered code, time or door) and was not recorded."),
    Reason.NOT_CONFIRMED: _l("This registration is not confirmed: recorded, not counted."),
    Reason.ONLINE_ONLY: _l("This registration is for attending online: recorded, not counted."),
    Reason.UNPAID: _l("The fee has not been paid: recorded, not counted."),
}


def scan_window() -> tuple[datetime, datetime]:
    """When offline scans may have happened: the conference days, midnight to midnight in the
    conference zone (CHECKIN_SCAN_WINDOW, a pair of aware datetimes, overrides it)."""
    configured = current_app.config.get("CHECKIN_SCAN_WINDOW")
    if configured:
        start, end = configured
        return start, end
    days, zone = conference_days(), conference_zone()
    return (datetime.combine(days[0], time(), zone),
            datetime.combine(days[-1] + timedelta(days=1), time(), zone))


# --- the door list ------------------------------------------------------------------------

def short_name(registration_first: str, registration_last: str) -> str:
    """What the door says: the first name and the last name's initial ("Jane D.")."""
    first, last = (registration_first or "").strip(), (registration_last or "").strip()
    return f"{first} {last[:1]}.".strip() if last else first


def door_list(*, now: datetime | None = None) -> dict[str, Any]:
    """Every ticket the door may see, with only what the door needs to answer: a hash of the
    ticket code (not the code) and of the nonce a badge's signed token carries, "Jane D.", the
    category and valid/cancelled plus the warnings staff act on (unpaid, online only). One
    query; no email, affiliation or payment data."""
    now = now or utcnow()
    rows = db.session.execute(
        sa.select(Registration.id, Registration.ticket_nonce, Registration.first_name, Registration.last_name,
                  Registration.status, Registration.payment_status, Registration.amount_due_cents,
                  RegistrationCategory.name, RegistrationCategory.attendance)
        .join(RegistrationCategory, RegistrationCategory.id == Registration.category_id)
        .where(Registration.status.in_([RegistrationStatus.CONFIRMED, RegistrationStatus.CANCELLED]))
        .order_by(Registration.id)
    )
    categories: dict[str, int] = {}
    tickets = []
    for row in rows:
        category = categories.setdefault(row.name, len(categories))
        warnings = []
        if row.status == RegistrationStatus.CONFIRMED and row.amount_due_cents > 0 \
                and row.payment_status.value == "pending":
            warnings.append(services.ScanWarning.UNPAID.value)
        if row.attendance == Attendance.ONLINE:
            warnings.append(services.ScanWarning.ONLINE_ONLY.value)
        status = "valid" if row.status == RegistrationStatus.CONFIRMED else "cancelled"
        tickets.append([door_code_hash(code_for(row.id, row.ticket_nonce)), door_nonce_hash(row.ticket_nonce),
                        short_name(row.first_name, row.last_name), category, status, " ".join(warnings)])
    _start, end = scan_window()
    return {
        "generated_at": now.isoformat(),
        "expires_at": end.isoformat(),
        "fields": ["code_hash", "nonce_hash", "name", "category", "status", "warnings"],
        "categories": list(categories),
        "tickets": tickets,
    }


# --- the sync -----------------------------------------------------------------------------

@dataclass
class QueuedScan:
    index: int
    client_id: str
    code: str
    scanned_at: datetime
    door: services.Door
    direction: Direction


@dataclass
class SyncAnswer:
    client_id: str
    status: Outcome
    reason: Reason | None = None
    message: str = ""
    name: str = ""
    category: str = ""
    door: str = ""
    present: int | None = None
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"client_id": self.client_id, "status": self.status.value,
                "reason": self.reason.value if self.reason else None, "message": self.message,
                "name": self.name, "category": self.category, "door": self.door, "present": self.present,
                "warnings": self.warnings}


class Refused(Exception):
    def __init__(self, reason: Reason, message: str | None = None) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.message = message or str(REASON_MESSAGES[reason])


def _parse_time(value: object) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise Refused(Reason.TAMPERED)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Refused(Reason.TAMPERED) from None
    if moment.tzinfo is None:
        raise Refused(Reason.TAMPERED)
    start, end = scan_window()
    if moment > utcnow() + CLOCK_TOLERANCE or not start <= moment < end:
        raise Refused(Reason.TAMPERED)
    return moment


def _parse(index: int, raw: object, doors: dict[str, services.Door]) -> QueuedScan:
    if not isinstance(raw, dict):
        raise Refused(Reason.TAMPERED)
    try:
        client_id = str(uuid.UUID(str(raw.get("client_id") or "")))
    except ValueError:
        raise Refused(Reason.TAMPERED) from None
    code = raw.get("code") or raw.get("token")
    if not isinstance(code, str) or not code.strip() or len(code) > 500:
        raise Refused(Reason.TAMPERED)
    key = str(raw.get("door") or "")
    if key not in doors:
        try:
            doors[key] = services.find_door(key)
        except DomainError:
            raise Refused(Reason.TAMPERED) from None
    try:
        direction = services.parse_direction(raw.get("direction"))
    except DomainError:
        raise Refused(Reason.TAMPERED) from None
    return QueuedScan(index, client_id, code.strip(), _parse_time(raw.get("scanned_at")), doors[key], direction)


def _registration_for(code: str) -> Registration:
    try:
        registration = verify_ticket(code)
    except PaymentReferenceAtDoor as exc:
        raise Refused(Reason.UNKNOWN, exc.message) from None
    except TicketCodeMistyped:
        raise Refused(Reason.TAMPERED) from None
    except TicketForged:
        # A signed token whose signature fails was altered; a code that passed its check
        # character but names no registration is simply unknown.
        raise Refused(Reason.TAMPERED if is_signed_token(code) else Reason.UNKNOWN) from None
    except TicketCancelled:
        raise Refused(Reason.CANCELLED) from None
    except DomainError:
        raise Refused(Reason.REVOKED) from None
    # Lock the delegate's row: every scan of one ticket, online or synced, is decided one at
    # a time, so two phones syncing the same ticket at once cannot both count it.
    return db.session.execute(
        sa.select(Registration).where(Registration.id == registration.id)
        .with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


PRESENCE_CODES = {services.ScanWarning.ALREADY_INSIDE.value, services.ScanWarning.NOT_INSIDE.value}


@dataclass
class Stay:
    """The delegate behind one door, as far as the replay has got."""

    inside: bool = False
    entered_at: datetime | None = None
    left_at: datetime | None = None  # the last counted "out", scanned or implied
    last_counted: Direction | None = None  # of the last move that counted here, scanned or implied

    def move(self, direction: Direction, moment: datetime) -> None:
        self.inside, self.last_counted = direction == Direction.IN, direction
        if self.inside:
            self.entered_at = moment
        else:
            self.entered_at, self.left_at = None, moment


@dataclass
class Replay:
    outcomes: dict[int, Outcome]  # CheckIn id -> accepted / duplicate / refused (stopped at the door)
    stays: dict[str, Stay]  # door key -> where the replay leaves the delegate

    def stay(self, door: services.Door) -> Stay:
        return self.stays.get(door.key, Stay())


def _door_key(scan: CheckIn) -> str:
    return f"room:{scan.room_id}" if scan.room_id is not None else f"venue:{scan.venue_id}"


def replay(scans: list[CheckIn], *, entrance: str) -> Replay:
    """Which of one delegate's scans at one venue count (at its entrance, key `entrance`, and in
    its rooms), taken in their own time order with the moves services.reconcile makes online:
    going into a room puts them inside the venue, leaving the venue takes them out of its rooms.
    An "in" counts when they were not behind that door, an "out" when they were. A scan that does
    not count is a duplicate when it repeats the direction of the last move that counted at that
    door, scanned or implied (the same stay seen at two doors, or twice); an "out" before any "in"
    is accepted, with its warning. Sets `counted` and the presence warning of each scan.

    The whole venue in one pass, not door by door: whether a room scan repeats depends on when
    they left the venue, and whether a venue scan does on when they went into a room. Replayed
    one door at a time, a delegate who went back into a room after leaving the venue was told
    "already inside" although the online path counts them."""
    outcomes: dict[int, Outcome] = {}
    stays: dict[str, Stay] = {entrance: Stay()}
    for scan in sorted(scans, key=lambda s: (s.scanned_at, s.id)):
        key = _door_key(scan)
        stay = stays.setdefault(key, Stay())
        codes = [code for code in scan.warnings.split() if code not in PRESENCE_CODES]
        if scan.direction == Direction.IN and services.registration_stop(codes) is not None:
            # Stopped at the door (unpaid, online only...): recorded, never counted.
            outcomes[scan.id] = Outcome.REFUSED
            if scan.counted:
                scan.counted = False
            if scan.warnings != " ".join(codes):
                scan.warnings = " ".join(codes)
            continue
        counted = (not stay.inside) if scan.direction == Direction.IN else stay.inside
        repeated = not counted and stay.last_counted == scan.direction
        if counted:
            stay.move(scan.direction, scan.scanned_at)
            if key != entrance and scan.direction == Direction.IN and not stays[entrance].inside:
                stays[entrance].move(Direction.IN, scan.scanned_at)
            elif key == entrance and scan.direction == Direction.OUT:
                for room in stays.values():
                    if room is not stay and room.inside:
                        room.move(Direction.OUT, scan.scanned_at)
        else:
            codes.insert(0, services.ScanWarning.ALREADY_INSIDE.value if scan.direction == Direction.IN
                         else services.ScanWarning.NOT_INSIDE.value)
        outcomes[scan.id] = Outcome.DUPLICATE if repeated else Outcome.ACCEPTED
        if scan.counted != counted:
            scan.counted = counted
        if scan.warnings != " ".join(codes):
            scan.warnings = " ".join(codes)
    return Replay(outcomes, stays)


def _scans_at_venue(registration_id: int, entrance: services.Door) -> list[CheckIn]:
    """The delegate's scans at the venue's entrance and at the doors of its rooms."""
    its_rooms = sa.select(Room.id).where(Room.venue_id == entrance.id)
    return list(db.session.scalars(
        sa.select(CheckIn).where(CheckIn.registration_id == registration_id,
                                 sa.or_(services.door_filter(CheckIn, entrance), CheckIn.room_id.in_(its_rooms)))
    ))


def _doors_behind(registration_id: int, entrance: services.Door) -> set[str]:
    """The keys of the venue's doors the delegate has a presence row behind now."""
    rows = db.session.execute(
        sa.select(DoorPresence.venue_id, DoorPresence.room_id)
        .outerjoin(Room, Room.id == DoorPresence.room_id)
        .where(DoorPresence.registration_id == registration_id,
               sa.or_(DoorPresence.venue_id == entrance.id, Room.venue_id == entrance.id))
    )
    return {f"room:{row.room_id}" if row.room_id is not None else f"venue:{row.venue_id}" for row in rows}


def _replay_at(registration_id: int, door: services.Door) -> Replay:
    entrance = venue_entrance_of(door)
    return replay(_scans_at_venue(registration_id, entrance), entrance=entrance.key)


def replay_presence(registration: Registration, door: services.Door) -> Replay:
    """Recompute the delegate's scans at the door's venue (its entrance and its rooms) in time
    order, then bring their presence rows and the counters in line with where the replay leaves
    them. The replay already holds the moves a room and its entrance imply for each other, so
    each door is moved on its own, without services.reconcile; the entrance's counter is held
    first, as every scan at the venue does, so no order of the rooms can deadlock."""
    entrance = venue_entrance_of(door)
    result = replay(_scans_at_venue(registration.id, entrance), entrance=entrance.key)
    behind = _doors_behind(registration.id, entrance)
    doors = [entrance, *sorted(room_doors_of(entrance), key=lambda room: room.id)]
    changed = [target for target in doors if result.stay(target).inside != (target.key in behind)]
    if changed:
        services.hold_venue_counter(entrance)
    for target in changed:
        stay = result.stay(target)
        direction = Direction.IN if stay.inside else Direction.OUT
        services.move(registration, target, direction, (stay.entered_at if stay.inside else stay.left_at) or utcnow())
    db.session.flush()
    return result


def _answer_for(scan: CheckIn, registration: Registration, door: services.Door,
                outcome: Outcome | None = None) -> SyncAnswer:
    if outcome is None:  # a resend: how the scans stand now, changing nothing
        outcome = _replay_at(registration.id, door).outcomes.get(scan.id, Outcome.DUPLICATE)
    warnings = [services.warning_message(code) for code in scan.warnings.split()]
    stop = services.registration_stop(scan.warnings.split()) if outcome == Outcome.REFUSED else None
    reason = Reason(stop.value) if stop is not None and stop.value in Reason.__members__.values() else None
    return SyncAnswer(
        client_id=scan.client_id or "", status=outcome, reason=reason,
        message=str(REASON_MESSAGES[reason]) if reason else "",
        name=registration.full_name, category=registration.category.name, door=door.label,
        present=services.door_present(door), warnings=warnings,
    )


def _record(item: QueuedScan, staff: User) -> SyncAnswer:
    existing = db.session.scalar(sa.select(CheckIn).where(CheckIn.client_id == item.client_id))
    if existing is not None:
        return _answer_for(existing, existing.registration, item.door)
    registration = _registration_for(item.code)
    # Sent twice at once: the second waited for the lock above and now sees the first.
    existing = db.session.scalar(sa.select(CheckIn).where(CheckIn.client_id == item.client_id))
    if existing is not None:
        return _answer_for(existing, registration, item.door)
    codes = [code.value for code in services.registration_warnings(registration)]
    scan = CheckIn(
        registration_id=registration.id, venue_id=item.door.venue_id, room_id=item.door.room_id,
        direction=item.direction, scanned_at=item.scanned_at, scanned_by_id=staff.id, counted=False,
        warnings=" ".join(codes), client_id=item.client_id, source="offline",
    )
    try:
        # A savepoint: where the row lock is missing (SQLite) or the same batch arrives twice
        # at once, the unique client_id refuses the second copy and we answer from the first.
        with db.session.begin_nested():
            db.session.add(scan)
    except sa.exc.IntegrityError:
        existing = db.session.scalar(sa.select(CheckIn).where(CheckIn.client_id == item.client_id))
        if existing is None:
            raise
        return _answer_for(existing, registration, item.door)
    outcomes = replay_presence(registration, item.door).outcomes
    return _answer_for(scan, registration, item.door, outcomes[scan.id])


def _lock_delegates(queued: list[QueuedScan]) -> None:
    """Lock the row of every delegate in the batch, in id order, before any scan is recorded.

    Recording a scan locks its delegate and then the door's counter, which stays locked until
    the commit. Taken one by one in time order, two phones' batches at one door reached the
    same delegates in different orders and waited for each other (one holding the counter,
    the other a delegate it wanted): PostgreSQL broke the deadlock after a second and one
    phone was told 503. Holding all its delegates first, a batch waits for no row lock once it
    has moved a counter. A code that names nobody is refused later, with its reason."""
    ids: set[int] = set()
    for item in queued:
        try:
            ids.add(verify_ticket(item.code).id)
        except DomainError:
            continue
    if ids:
        db.session.execute(
            sa.select(Registration.id).where(Registration.id.in_(ids)).order_by(Registration.id).with_for_update()
        )


def _lock_counters(queued: list[QueuedScan]) -> None:
    """Lock every occupancy counter the batch may move, after its delegates and before any scan:
    the venue entrances in venue id order, then the rooms in room id order.

    Recording a scan takes its venue's entrance and then the door's own counter, and holds both
    until the commit. Taken in each batch's time order, a phone that scanned at venue A and then
    venue B and one that scanned at B and then A held one entrance each and waited for the
    other's: PostgreSQL broke the deadlock and one phone was told 503. Entrances before rooms is
    the order an online scan takes them in (services.hold_venue_counter). A room scan moves its
    venue's entrance too; a venue scan may move any of its rooms (leaving the venue leaves them),
    so all of them are held. Every counter row is created first, so each lock has a row to take."""
    doors = {item.door.key: item.door for item in queued}.values()
    entrances = {door.venue_id: venue_entrance_of(door) for door in doors}
    rooms = {door.id: door for door in doors if door.kind == "room"}
    for door in doors:
        if door.kind == "venue":
            rooms.update((room.id, room) for room in room_doors_of(door))
    for counter in [*(entrances[key] for key in sorted(entrances)), *(rooms[key] for key in sorted(rooms))]:
        services.ensure_occupancy_row(counter)
        db.session.execute(sa.select(Occupancy.id).where(services.door_filter(Occupancy, counter)).with_for_update())


def sync_scans(batch: list[object], *, staff: User) -> list[SyncAnswer]:
    """Record a scanner's queued scans; one answer per item, in the order they were sent."""
    doors: dict[str, services.Door] = {}
    answers: dict[int, SyncAnswer] = {}
    queued: list[QueuedScan] = []
    for index, raw in enumerate(batch[:MAX_BATCH]):
        try:
            queued.append(_parse(index, raw, doors))
        except Refused as refused:
            client_id = str(raw.get("client_id") or "") if isinstance(raw, dict) else ""
            answers[index] = SyncAnswer(client_id[:40], Outcome.REFUSED, refused.reason, refused.message)
    _lock_delegates(queued)
    _lock_counters(queued)
    for item in sorted(queued, key=lambda q: (q.scanned_at, q.client_id)):
        try:
            answers[item.index] = _record(item, staff)
        except Refused as refused:
            answers[item.index] = SyncAnswer(item.client_id, Outcome.REFUSED, refused.reason, refused.message,
                                             door=item.door.label)
    return [answers[index] for index in sorted(answers)]
