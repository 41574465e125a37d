"""Check-in rules without HTTP: tickets, counting, warnings, occupancy levels."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from esof.accounts.models import Role
from esof.bookings.models import Booking, BookingStatus
from esof.checkin import services
from esof.checkin.models import CheckIn, Direction, DoorPresence, Occupancy
from esof.checkin.services import Level, ScanWarning
from esof.extensions import db
from esof.programme.models import SessionStatus
from esof.programme.services import publish_schedule
from esof.registration import services as registration_services
from esof.registration.models import Attendance
from esof.registration.services import TicketExpired, TicketForged, TicketRevoked, ticket_token
from tests.checkin.factories import delegate, room_door, staff
from tests.factories import UserFactory
from tests.programme.factories import SessionFactory, SlotFactory, at
from tests.registration.factories import CategoryFactory
from tests.venues.factories import RoomFactory, VenueFactory

IN, OUT = Direction.IN, Direction.OUT
NOON = at(13, "12:00")


def scan(door, token, direction=IN, now=NOON, by=None):
    return services.record_scan(door=door, direction=direction, staff=by or staff(), token=token, now=now)


def codes(result: services.ScanResult) -> list[str]:
    return [code for code, _message in result.warnings]


def check_ins() -> list[CheckIn]:
    return list(db.session.scalars(sa.select(CheckIn).order_by(CheckIn.id)))


# --- tickets ---------------------------------------------------------------------------------

def test_valid_ticket_is_checked_in_counted_and_recorded(any_app) -> None:
    registration = delegate(first_name="Ada", last_name="Lovelace")
    room, door = room_door(capacity=40)
    by = staff()
    result = scan(door, ticket_token(registration), by=by)
    assert (result.counted, result.present, codes(result), result.name) == (True, 1, [], "Ada Lovelace")
    [row] = check_ins()
    assert (row.registration_id, row.room_id, row.venue_id, row.direction, row.scanned_at, row.scanned_by_id,
            row.warnings, row.counted) == (registration.id, room.id, room.venue_id, IN, NOON, by.id, "", True)
    assert db.session.scalar(sa.select(Occupancy.present).where(Occupancy.room_id == room.id)) == 1
    assert result.as_dict()["present"] == 1 and result.as_dict()["capacity"] == 40


def test_forged_ticket_is_refused_and_nothing_recorded(app) -> None:
    registration = delegate()
    _room, door = room_door()
    genuine = ticket_token(registration)
    other_key = URLSafeTimedSerializer("another-key", salt="esof.ticket")
    for forged in (genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB"), "not-a-token",
                   other_key.dumps({"r": registration.id, "n": registration.ticket_nonce})):
        with pytest.raises(TicketForged):
            scan(door, forged)
    assert check_ins() == []
    assert services.door_present(door) == 0


class HourOldSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 3600


def test_expired_ticket_is_refused(app) -> None:
    app.config["TICKET_MAX_AGE"] = 60
    registration = delegate()
    _room, door = room_door()
    old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="esof.ticket", signer=HourOldSigner).dumps(
        {"r": registration.id, "n": registration.ticket_nonce})
    with pytest.raises(TicketExpired):
        scan(door, old)
    assert check_ins() == []


def test_reissued_and_cancelled_tickets_are_revoked(app) -> None:
    first, second = delegate(), delegate()
    _room, door = room_door()
    old_token = ticket_token(first)
    registration_services.reissue_ticket(registration=first, actor=first.user)
    second_token = ticket_token(second)
    registration_services.cancel_registration(registration=second, actor=second.user)
    for token in (old_token, second_token):
        with pytest.raises(TicketRevoked):
            scan(door, token)
    assert check_ins() == []
    assert scan(door, ticket_token(first)).counted is True


def test_nothing_to_scan_and_unknown_registration_are_refused(app) -> None:
    _room, door = room_door()
    with pytest.raises(services.NothingToScan):
        services.record_scan(door=door, direction=IN, staff=staff(), token="  ")
    with pytest.raises(services.UnknownRegistration):
        services.record_scan(door=door, direction=IN, staff=staff(), registration_id=999_999)


def test_doors_and_directions_are_parsed_strictly(app) -> None:
    room, door = room_door()
    assert services.find_door(f"venue:{room.venue_id}").kind == "venue"
    assert door.label == f"{room.venue.name} › {room.name}"
    for bad in ("", "room", "room:x", "hall:1", "room:999999", "venue:999999", f"room:{room.id}:1"):
        with pytest.raises(services.UnknownDoor):
            services.find_door(bad)
    assert services.parse_direction("out") == OUT
    for bad in ("", "IN", "sideways", None):
        with pytest.raises(services.UnknownDirection):
            services.parse_direction(bad)


# --- repeated scans and counting ----------------------------------------------------------------

def test_repeated_in_scan_warns_and_is_not_counted_twice(any_app) -> None:
    registration = delegate()
    _room, door = room_door()
    token = ticket_token(registration)
    scan(door, token)
    again = scan(door, token, now=NOON + timedelta(minutes=2))
    assert (again.counted, again.present) == (False, 1)
    assert codes(again) == [ScanWarning.REPEATED, ScanWarning.ALREADY_INSIDE]
    later = scan(door, token, now=NOON + timedelta(minutes=30))  # outside the repeat window, still inside
    assert codes(later) == [ScanWarning.ALREADY_INSIDE]
    assert [row.counted for row in check_ins()] == [True, False, False]
    assert check_ins()[1].warnings == "repeated already-inside"


def test_in_then_out_then_out_again_never_goes_below_zero(any_app) -> None:
    registration = delegate()
    _room, door = room_door()
    token = ticket_token(registration)
    never_in = scan(door, ticket_token(delegate()), OUT)
    assert (never_in.counted, never_in.present, codes(never_in)) == (False, 0, [ScanWarning.NOT_INSIDE])
    scan(door, token, IN)
    out = scan(door, token, OUT, now=NOON + timedelta(minutes=45))
    assert (out.counted, out.present, codes(out)) == (True, 0, [])
    again = scan(door, token, OUT, now=NOON + timedelta(minutes=46))
    assert (again.counted, again.present, codes(again)) == (False, 0, [ScanWarning.REPEATED, ScanWarning.NOT_INSIDE])
    # Gone from the room; still inside the venue, which entering the room implied.
    assert [(row.room_id, row.venue_id) for row in db.session.scalars(sa.select(DoorPresence))] == [
        (None, door.venue_id)]


def test_counter_out_is_conditional_on_present_above_zero(app) -> None:
    """Even when the counter was set to zero behind the presence rows' back (a reset at the
    start of a day), an "out" leaves it at zero instead of failing or going negative."""
    registration = delegate()
    room, door = room_door()
    token = ticket_token(registration)
    scan(door, token, IN)
    db.session.execute(sa.update(Occupancy).where(Occupancy.room_id == room.id).values(present=0))
    result = scan(door, token, OUT, now=NOON + timedelta(hours=1))
    assert (result.counted, result.present) == (True, 0)


def test_venue_and_room_doors_count_separately(any_app) -> None:
    registration = delegate()
    room, room_entrance = room_door()
    venue_entrance = services.find_door(f"venue:{room.venue_id}")
    token = ticket_token(registration)
    scan(venue_entrance, token)
    scan(room_entrance, token)
    scan(room_entrance, token, OUT, now=NOON + timedelta(minutes=50))
    assert (services.door_present(venue_entrance), services.door_present(room_entrance)) == (1, 0)
    venue_rows = db.session.scalars(sa.select(Occupancy).where(Occupancy.venue_id == room.venue_id)).all()
    assert [(row.venue_id, row.room_id, row.present) for row in venue_rows] == [(room.venue_id, None, 1)]


# --- warnings about the registration ----------------------------------------------------------

def test_unpaid_and_online_only_delegates_are_stopped_recorded_and_not_counted(app) -> None:
    _room, door = room_door()
    unpaid = scan(door, ticket_token(delegate(paid=False)))
    assert codes(unpaid) == [ScanWarning.UNPAID]
    assert unpaid.warnings[0][1] == "The fee has not been paid."
    online = CategoryFactory(attendance=Attendance.ONLINE, fee_cents=0)
    remote = scan(door, ticket_token(delegate(online)))
    assert codes(remote) == [ScanWarning.ONLINE_ONLY]
    assert (unpaid.counted, remote.counted, services.door_present(door)) == (False, False, 0)
    assert [(row.counted, row.warnings) for row in check_ins()] == [(False, "unpaid"), (False, "online-only")]


def test_cancelled_registration_found_by_name_gets_a_warning(app) -> None:
    registration = delegate(first_name="Rosalind", last_name="Franklin")
    registration_services.cancel_registration(registration=registration, actor=registration.user)
    _room, door = room_door()
    assert [r.id for r in services.search_registrations("rosalind fr")] == [registration.id]
    result = services.record_scan(door=door, direction=IN, staff=staff(), registration_id=registration.id, now=NOON)
    assert codes(result) == [ScanWarning.CANCELLED]
    assert check_ins()[0].warnings == "cancelled"


def test_search_needs_two_letters_and_finds_by_affiliation(app) -> None:
    delegate(first_name="Hendrik", last_name="Lorentz", affiliation="Universiteit Leiden")
    delegate(first_name="Heike", last_name="Kamerlingh Onnes", affiliation="Universiteit Leiden")
    assert services.search_registrations("h") == []
    assert [r.last_name for r in services.search_registrations("universiteit")] == ["Kamerlingh Onnes", "Lorentz"]


def booked_session_in(room, starts, *, needs_booking=True, status=SessionStatus.CONFIRMED):
    session = SessionFactory(title="Quantum Leiden", needs_booking=needs_booking, status=status)
    SlotFactory(session=session, room=room, starts_at=starts, ends_at=starts + timedelta(hours=1))
    publish_schedule(actor=UserFactory(roles=[Role.ORGANISER]))
    return session


def test_no_booking_warning_for_the_session_now_or_soon_in_the_room(any_app) -> None:
    room, door = room_door(capacity=30)
    session = booked_session_in(room, at(13, "12:10"))
    without = delegate()
    booked = delegate()
    db.session.add(Booking(user_id=booked.user_id, session_id=session.id, status=BookingStatus.CONFIRMED))
    db.session.flush()
    assert codes(scan(door, ticket_token(without), now=at(13, "11:56"))) == [ScanWarning.NO_BOOKING]
    assert check_ins()[-1].warnings == "no-booking"
    assert scan(door, ticket_token(without), now=at(13, "11:56")).warnings  # still inside, repeated
    assert codes(scan(door, ticket_token(booked), now=at(13, "12:30"))) == []
    message = services.record_scan(door=door, direction=IN, staff=staff(), token=ticket_token(delegate()),
                                   now=at(13, "13:00")).warnings[0][1]
    assert message == "No booked seat in the session in this room: Quantum Leiden."


def test_no_booking_warning_only_when_it_applies(app) -> None:
    room, door = room_door()
    other_room, other_door = room_door()
    booked_session_in(room, at(13, "14:00"))
    booked_session_in(other_room, at(13, "10:00"), needs_booking=False)
    venue_door = services.find_door(f"venue:{room.venue_id}")
    assert codes(scan(door, ticket_token(delegate()), now=at(13, "13:30"))) == []  # 30 minutes early
    assert codes(scan(door, ticket_token(delegate()), now=at(13, "15:00"))) == []  # it has ended
    assert codes(scan(venue_door, ticket_token(delegate()), now=at(13, "14:10"))) == []  # venue entrance
    assert codes(scan(other_door, ticket_token(delegate()), now=at(13, "10:10"))) == []  # no booking needed
    leaver = delegate()
    scan(door, ticket_token(leaver), now=at(13, "14:05"))
    assert codes(scan(door, ticket_token(leaver), OUT, now=at(13, "14:30"))) == []  # leaving needs no seat


def test_cancelled_published_session_needs_no_booking(app) -> None:
    room, door = room_door()
    booked_session_in(room, at(13, "12:00"), status=SessionStatus.CANCELLED)
    assert codes(scan(door, ticket_token(delegate()), now=at(13, "12:05"))) == []


# --- occupancy ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("present", "capacity", "level"), [
    (0, 100, Level.OK), (89, 100, Level.OK), (90, 100, Level.NEAR), (99, 100, Level.NEAR),
    (100, 100, Level.FULL), (130, 100, Level.FULL), (8, 10, Level.OK), (9, 10, Level.NEAR),
    (0, 0, Level.OK), (1, 0, Level.FULL), (3, 3, Level.FULL), (2, 3, Level.OK),
])
def test_occupancy_level_warns_at_90_and_100_percent(present: int, capacity: int, level: Level) -> None:
    assert services.occupancy_level(present, capacity) == level


def test_occupancy_report_lists_venues_with_rooms_and_sums_capacity(app) -> None:
    venue = VenueFactory(name="Kamerlingh Onnes Gebouw")
    small = RoomFactory(venue=venue, name="Lorentzzaal", capacity=10)
    RoomFactory(venue=venue, name="Cleveringazaal", capacity=200)
    small_door = services.find_door(f"room:{small.id}")
    for _ in range(9):
        scan(small_door, ticket_token(delegate()))
    [entry] = services.occupancy_report()
    total = entry.venue
    # Entering the room implies being inside the venue: the venue counts them too.
    assert (total.door.label, total.door.capacity, total.present) == ("Kamerlingh Onnes Gebouw", 210, 9)
    assert [(c.door.label, c.present, c.door.capacity, c.percent, c.level) for c in entry.rooms] == [
        ("Kamerlingh Onnes Gebouw › Lorentzzaal", 9, 10, 90, Level.NEAR),  # fullest first
        ("Kamerlingh Onnes Gebouw › Cleveringazaal", 0, 200, 0, Level.OK),
    ]
