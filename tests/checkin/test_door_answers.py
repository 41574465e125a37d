"""What the door says after a scan (one answer kind, STOP / CHECK / GO in words), and how a room
and its venue entrance agree about who is inside. Rules on the services, without HTTP."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from esof.checkin import offline, panels, services
from esof.checkin.answers import AnswerKind
from esof.checkin.models import CheckIn, Direction, DoorPresence
from esof.errors import DomainError
from esof.extensions import db
from esof.registration.models import Attendance, PaymentStatus, RegistrationStatus
from esof.registration.services import TicketForged, ticket_token
from esof.registration.tickets import ticket_code
from tests.checkin.factories import delegate, room_door, staff
from tests.programme.factories import at
from tests.registration.factories import CategoryFactory
from tests.venues.factories import RoomFactory, VenueFactory

IN, OUT = Direction.IN, Direction.OUT


def scan(door, registration, direction=IN, now=None, *, by_name=False):
    token = None if by_name else ticket_token(registration)
    return services.record_scan(door=door, direction=direction, staff=staff(), token=token,
                                registration_id=registration.id if by_name else None, now=now or at(13, "12:00"))


def verdict(result: services.ScanResult) -> tuple[str, str, bool, int]:
    answer = result.answer
    return answer.kind.value, answer.tone, result.counted, result.present


# --- answer kinds -------------------------------------------------------------------------------

def test_a_valid_ticket_is_go(any_app) -> None:
    _room, door = room_door(capacity=40)
    result = scan(door, delegate(first_name="Ada", last_name="Lovelace"))
    assert verdict(result) == ("ok", "go", True, 1)
    assert result.answer.headline == "GO — let in"
    panel = panels.for_result(result)
    assert panel["who"].startswith("Ada Lovelace · ") and panel["notes"] == []


def test_a_second_in_is_a_duplicate_stop_saying_since_when(any_app) -> None:
    _room, door = room_door()
    registration = delegate()
    scan(door, registration, now=at(13, "10:42"))
    again = scan(door, registration, now=at(13, "11:30"))
    assert verdict(again) == ("duplicate", "stop", False, 1)
    assert again.answer.headline == "STOP — already inside since 10:42"
    panel = panels.for_result(again)
    assert panel["count"] == "Not counted. Present now: 1 of 100." and panel["notes"] == []  # the headline says it


def test_an_online_only_delegate_is_stopped_at_room_and_venue_and_not_counted(app) -> None:
    room, room_entrance = room_door()
    venue_entrance = services.find_door(f"venue:{room.venue_id}")
    online = delegate(CategoryFactory(attendance=Attendance.ONLINE, fee_cents=0))
    for door in (venue_entrance, room_entrance):
        result = scan(door, online)
        assert verdict(result) == ("online-only", "stop", False, 0)
        assert result.answer.headline == "STOP — online ticket: no entry"
    assert db.session.scalars(sa.select(DoorPresence)).all() == []
    assert [(row.counted, row.warnings) for row in db.session.scalars(sa.select(CheckIn))] == [
        (False, "online-only"), (False, "online-only")]


def test_unpaid_is_sent_to_the_desk_but_a_free_or_waived_fee_is_let_in(app) -> None:
    _room, door = room_door()
    unpaid = scan(door, delegate(paid=False))
    assert verdict(unpaid) == ("unpaid", "stop", False, 0)
    assert unpaid.answer.headline == "STOP — not paid: send to the registration desk"
    assert [code for code, _message in unpaid.warnings] == ["unpaid"]
    assert panels.for_result(unpaid)["notes"] == []  # the headline says it
    waived = delegate(paid=False)
    waived.payment_status = PaymentStatus.WAIVED
    free = delegate(CategoryFactory(fee_cents=0), paid=False)
    assert free.amount_due_cents == 0
    assert verdict(scan(door, waived)) == ("ok", "go", True, 1)
    assert verdict(scan(door, free)) == ("ok", "go", True, 2)


def test_cancelled_and_unconfirmed_registrations_found_by_name_are_stopped(app) -> None:
    _room, door = room_door()
    cancelled, waiting = delegate(), delegate()
    cancelled.status = RegistrationStatus.CANCELLED
    waiting.status = RegistrationStatus.AWAITING_APPROVAL
    first = scan(door, cancelled, by_name=True)
    assert verdict(first) == ("cancelled", "stop", False, 0)
    assert first.answer.headline == "STOP — registration cancelled: no entry"
    second = scan(door, waiting, by_name=True)
    assert verdict(second) == ("not-confirmed", "stop", False, 0)


def test_a_forged_or_cancelled_ticket_is_an_unknown_or_cancelled_stop(app) -> None:
    _room, door = room_door()
    with pytest.raises(TicketForged) as forged:
        services.record_scan(door=door, direction=IN, staff=staff(), token="forged.token.value")
    panel = panels.for_error(forged.value)
    assert (panel["kind"], panel["tone"], panel["headline"]) == ("unknown", "stop", "STOP — not a valid ticket")
    assert panel["advice"] == "This ticket is not genuine."
    gone = delegate()
    code = ticket_code(gone)
    gone.status = RegistrationStatus.CANCELLED
    db.session.flush()
    with pytest.raises(DomainError) as refused:
        services.record_scan(door=door, direction=IN, staff=staff(), token=code)
    assert panels.for_error(refused.value)["kind"] == "cancelled"
    assert db.session.scalars(sa.select(CheckIn)).all() == []
    assert panels.for_error(services.NothingToScan())["headline"] == "Not recorded"


def test_leaving_is_never_stopped_and_a_note_makes_it_check(app) -> None:
    _room, door = room_door()
    registration = delegate()
    scan(door, registration)
    registration.payment_status = PaymentStatus.PENDING  # a refund came back meanwhile
    registration.amount_due_cents = 5000
    out = scan(door, registration, OUT, now=at(13, "13:00"))
    assert verdict(out) == ("check", "check", True, 0)
    assert out.answer.headline == "CHECK — read the note"
    never_in = scan(door, delegate(), OUT)
    assert verdict(never_in) == ("check", "check", False, 0)


# --- a room and its venue entrance ------------------------------------------------------------

def test_entering_a_room_implies_the_venue_and_the_entrance_then_says_already_inside(any_app) -> None:
    room, room_entrance = room_door()
    venue_entrance = services.find_door(f"venue:{room.venue_id}")
    registration = delegate()
    scan(room_entrance, registration, now=at(13, "09:05"))  # came in by the side door, unscanned
    assert (services.door_present(venue_entrance), services.door_present(room_entrance)) == (1, 1)
    at_entrance = scan(venue_entrance, registration, now=at(13, "09:30"))
    assert verdict(at_entrance) == ("duplicate", "stop", False, 1)
    assert at_entrance.answer.headline == "STOP — already inside since 09:05"
    # Leaving the room keeps them inside the venue.
    scan(room_entrance, registration, OUT, now=at(13, "10:00"))
    assert (services.door_present(venue_entrance), services.door_present(room_entrance)) == (1, 0)


def test_leaving_the_venue_ends_presence_in_each_of_its_rooms_only(any_app) -> None:
    venue, elsewhere = VenueFactory(), VenueFactory()
    rooms = [services.find_door(f"room:{RoomFactory(venue=venue).id}") for _ in range(2)]
    other_room = services.find_door(f"room:{RoomFactory(venue=elsewhere).id}")
    entrance = services.find_door(f"venue:{venue.id}")
    registration, neighbour = delegate(), delegate()
    for door in rooms:
        scan(door, registration)
    scan(rooms[0], neighbour)
    scan(other_room, registration)
    left = scan(entrance, registration, OUT, now=at(13, "17:00"))
    assert left.counted and left.present == 1  # the neighbour is still inside
    assert [services.door_present(door) for door in rooms] == [1, 0]
    assert services.door_present(other_room) == 1  # another venue is another story
    presence = db.session.scalars(sa.select(DoorPresence).where(DoorPresence.registration_id == registration.id))
    assert sorted((row.venue_id or 0, row.room_id or 0) for row in presence) == sorted(
        [(elsewhere.id, 0), (0, other_room.id)])


def test_offline_venue_exit_before_a_room_entry_keeps_the_delegate_inside(app) -> None:
    app.config["CHECKIN_SCAN_WINDOW"] = (at(13, "00:00"), at(17, "00:00"))
    room, room_entrance = room_door()
    venue_entrance = services.find_door(f"venue:{room.venue_id}")
    registration, by = delegate(), staff()
    scan(room_entrance, registration, now=at(13, "10:00"))  # online, in the room since 10:00

    def queued(door: services.Door, when, direction="in"):
        return {"client_id": str(uuid.uuid4()), "code": ticket_code(registration), "scanned_at": when.isoformat(),
                "door": door.key, "direction": direction}

    offline.sync_scans([queued(venue_entrance, at(13, "09:00")), queued(venue_entrance, at(13, "09:30"), "out")],
                       staff=by)
    assert (services.door_present(venue_entrance), services.door_present(room_entrance)) == (1, 1)
    offline.sync_scans([queued(venue_entrance, at(13, "11:00"), "out")], staff=by)
    assert (services.door_present(venue_entrance), services.door_present(room_entrance)) == (0, 0)


def test_an_offline_unpaid_entry_is_refused_at_sync_and_not_counted(app) -> None:
    app.config["CHECKIN_SCAN_WINDOW"] = (at(13, "00:00"), at(17, "00:00"))
    _room, door = room_door()
    unpaid = delegate(paid=False)
    [answer] = offline.sync_scans([{"client_id": str(uuid.uuid4()), "code": ticket_code(unpaid),
                                    "scanned_at": at(13, "10:00").isoformat(), "door": door.key,
                                    "direction": "in"}], staff=staff())
    assert (answer.status, answer.reason) == (offline.Outcome.REFUSED, offline.Reason.UNPAID)
    assert answer.message == "The fee has not been paid: recorded, not counted."
    assert services.door_present(door) == 0
    assert [(row.counted, row.warnings) for row in db.session.scalars(sa.select(CheckIn))] == [(False, "unpaid")]


def test_door_list_carries_the_stops_it_can_answer_offline(app) -> None:
    delegate(paid=False, first_name="Una", last_name="Paid")
    delegate(CategoryFactory(attendance=Attendance.ONLINE, fee_cents=0), first_name="Olga", last_name="Online")
    rows = {row[2]: row[5] for row in offline.door_list()["tickets"]}
    assert rows == {"Una P.": "unpaid", "Olga O.": "online-only"}
    words = panels.offline_words()
    assert words["unpaid"]["headline"] == "STOP — not paid: send to the registration desk"
    assert words["online-only"]["tone"] == "stop" and words["ok"]["tone"] == "go"


# --- occupancy, fullest first -------------------------------------------------------------------

def test_occupancy_lists_the_fullest_venue_and_room_first(app) -> None:
    quiet, busy = VenueFactory(name="Aula"), VenueFactory(name="Zaal")
    big = RoomFactory(venue=quiet, name="Big", capacity=100)
    small = RoomFactory(venue=busy, name="Small", capacity=4)
    RoomFactory(venue=busy, name="Empty", capacity=2)
    half = RoomFactory(venue=busy, name="Half", capacity=10)
    for room, people in ((big, 10), (small, 3), (half, 5)):
        door = services.find_door(f"room:{room.id}")
        for _ in range(people):
            scan(door, delegate())
    report = services.occupancy_report()
    assert [entry.venue.door.name for entry in report] == ["Zaal", "Aula"]  # 75 % in Small beats 10 % in Big
    assert [(count.door.name, count.percent) for count in report[0].rooms] == [
        ("Small", 75), ("Half", 50), ("Empty", 0)]
    assert report[0].venue.present == 8  # entering a room counts inside the venue


def test_answer_kinds_stop_exactly_the_refusals() -> None:
    assert {kind.value for kind in services.STOP_KINDS} == {
        "duplicate", "online-only", "unpaid", "cancelled", "not-confirmed", "unknown"}
    assert services.answer_kind(True, ["repeated"]) == AnswerKind.CHECK
    assert services.answer_kind(True, ["unpaid", "already-inside"]) == AnswerKind.UNPAID
    assert services.answer_kind(False, ["unpaid"]) == AnswerKind.CHECK
    assert services.answer_kind(True, []) == AnswerKind.OK
