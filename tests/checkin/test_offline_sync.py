"""Scans queued offline and synced later: time order, idempotency, one count per stay, refusals.
On PostgreSQL, where the registration row lock is real."""
from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from esof.accounts.models import User
from esof.checkin import offline, services
from esof.checkin.models import CheckIn, DoorPresence
from esof.extensions import db
from esof.registration.models import RegistrationStatus
from esof.registration.tickets import door_code_hash, door_nonce_hash, reissue_ticket, ticket_code, ticket_token
from tests.checkin.factories import delegate, room_door, staff

DAY = datetime(2022, 7, 14, 8, 0, tzinfo=UTC)  # 10:00 in Leiden, the second conference day


def item(code: str, door: services.Door, at: datetime, direction: str = "in") -> dict[str, Any]:
    return {"client_id": str(uuid.uuid4()), "code": code, "scanned_at": at.isoformat(), "door": door.key,
            "direction": direction}


def statuses(answers: list[offline.SyncAnswer]) -> list[tuple[str, str | None]]:
    return [(a.status.value, a.reason.value if a.reason else None) for a in answers]


def present(door: services.Door) -> int:
    db.session.expire_all()
    return services.door_present(door)


@pytest.mark.postgres
def test_two_doors_offline_count_a_ticket_once_and_resends_change_nothing(pg_app) -> None:
    registration, by = delegate(), staff()
    _room, door = room_door()
    db.session.commit()
    code = ticket_code(registration)
    door_a, door_b = item(code, door, DAY), item(code.lower(), door, DAY + timedelta(seconds=40))
    assert statuses(offline.sync_scans([door_a], staff=by)) == [("accepted", None)]
    assert statuses(offline.sync_scans([door_b], staff=by)) == [("duplicate", None)]
    db.session.commit()
    assert present(door) == 1
    # The same batches again (an answer lost on the way back): recorded once, same answers.
    again = offline.sync_scans([door_a, door_b], staff=by)
    db.session.commit()
    assert statuses(again) == [("accepted", None), ("duplicate", None)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 2
    assert present(door) == 1


@pytest.mark.postgres
def test_scans_count_in_their_own_time_order_not_in_arrival_order(pg_app) -> None:
    registration, by = delegate(), staff()
    _room, door = room_door()
    db.session.commit()
    code = ticket_code(registration)
    enter, leave, back = (item(code, door, DAY), item(code, door, DAY + timedelta(minutes=30), "out"),
                          item(code, door, DAY + timedelta(minutes=50)))
    # Phone 2 (the exit) syncs first; phone 1 later sends the entry and the return in one batch, newest first.
    first = offline.sync_scans([leave], staff=by)
    assert statuses(first) == [("accepted", None)]  # recorded; nobody was inside yet, so it moved nothing
    assert first[0].warnings == ["Was not checked in behind this door: the count is unchanged."]
    db.session.commit()
    assert present(door) == 0
    answers = offline.sync_scans([back, enter], staff=by)
    db.session.commit()
    assert statuses(answers) == [("accepted", None), ("accepted", None)]
    scans = list(db.session.scalars(sa.select(CheckIn).order_by(CheckIn.scanned_at)))
    assert [s.warnings for s in scans] == ["", "", ""]  # the exit's warning went once the entry arrived
    assert [(s.direction.value, s.counted, s.scanned_at) for s in scans] == [
        ("in", True, DAY), ("out", True, DAY + timedelta(minutes=30)), ("in", True, DAY + timedelta(minutes=50))]
    assert present(door) == 1
    in_room = db.session.scalar(sa.select(DoorPresence).where(DoorPresence.room_id == door.id))
    assert in_room is not None and in_room.entered_at == DAY + timedelta(minutes=50)
    # Leaving the room kept them inside its venue, as online: in the venue since 10:00.
    in_venue = db.session.scalar(sa.select(DoorPresence).where(DoorPresence.venue_id == door.venue_id))
    assert in_venue is not None and in_venue.entered_at == DAY


@pytest.mark.postgres
def test_an_online_scan_and_a_late_offline_one_share_one_timeline(pg_app) -> None:
    registration, by = delegate(), staff()
    _room, door = room_door()
    db.session.commit()
    code = ticket_code(registration)
    # Online at 10:20 the delegate walks in; a phone that was offline at 10:00 saw them enter
    # (through the other door) and leave at 10:10, and another one saw the same exit.
    services.record_scan(door=door, direction=services.parse_direction("in"), staff=by, token=code,
                         now=DAY + timedelta(minutes=20))
    db.session.commit()
    answers = offline.sync_scans([item(code, door, DAY), item(code, door, DAY + timedelta(minutes=10), "out"),
                                  item(code, door, DAY + timedelta(minutes=11), "out")], staff=by)
    db.session.commit()
    assert statuses(answers) == [("accepted", None), ("accepted", None), ("duplicate", None)]
    scans = list(db.session.scalars(sa.select(CheckIn).order_by(CheckIn.scanned_at)))
    assert [(s.direction.value, s.counted) for s in scans] == [
        ("in", True), ("out", True), ("out", False), ("in", True)]
    assert present(door) == 1


@pytest.mark.postgres
def test_revoked_cancelled_unknown_and_tampered_entries_are_refused_and_not_recorded(pg_app) -> None:
    reissued, cancelled, fine, by = delegate(), delegate(), delegate(), staff()
    _room, door = room_door()
    db.session.flush()
    old_code = ticket_code(reissued)
    reissue_ticket(registration=reissued, actor=by)
    cancelled.status = RegistrationStatus.CANCELLED
    db.session.commit()
    good = ticket_code(fine)
    typo = good[:-1] + ("0" if good[-1] != "0" else "1")
    token = ticket_token(fine)
    batch = [
        item(old_code, door, DAY),
        item(ticket_code(cancelled), door, DAY),
        item("0ZZZ-ZZZZ-ZZZ" + "0", door, DAY),
        item(typo, door, DAY),
        item(good, door, datetime.now(UTC) + timedelta(days=2)),  # in the future
        item(good, door, DAY - timedelta(days=30)),  # before the conference
        {**item(good, door, DAY), "door": "room:999999"},
        {**item(good, door, DAY), "client_id": "not-a-uuid"},
        item(token[:-3] + "AAA", door, DAY),
        item(fine.payment_reference, door, DAY),
    ]
    answers = offline.sync_scans(batch, staff=by)
    db.session.commit()
    got = statuses(answers)
    assert got[:2] == [("refused", "revoked"), ("refused", "cancelled")]
    assert got[2][0] == "refused" and got[2][1] in {"unknown", "tampered"}
    assert got[3:9] == [("refused", "tampered")] * 6
    assert got[9] == ("refused", "unknown") and "ticket code" in answers[9].message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 0
    assert present(door) == 0


@pytest.mark.postgres
def test_door_list_holds_only_what_the_door_needs(pg_app) -> None:
    jane = delegate(first_name="Jane", last_name="Doe")
    gone = delegate(first_name="Piet", last_name="Jansen")
    gone.status = RegistrationStatus.CANCELLED
    waiting = delegate(first_name="Wait", last_name="Ing")
    waiting.status = RegistrationStatus.WAITLISTED
    db.session.commit()
    listing = offline.door_list()
    rows = {row[2]: row for row in listing["tickets"]}
    assert set(rows) == {"Jane D.", "Piet J."}
    assert rows["Jane D."][:2] == [door_code_hash(ticket_code(jane)), door_nonce_hash(jane.ticket_nonce)]
    assert (rows["Jane D."][4], rows["Piet J."][4]) == ("valid", "cancelled")
    assert listing["categories"][rows["Jane D."][3]] == jane.category.name
    text = repr(listing)
    for private in (jane.user.email, "Doe", jane.payment_reference, ticket_code(jane), jane.ticket_nonce,
                    jane.affiliation or "@"):
        assert private not in text
    assert listing["expires_at"].startswith("2022-07-17")


@pytest.mark.postgres
def test_two_phones_syncing_the_same_ticket_at_once_count_it_once(pg_app) -> None:
    registration = delegate()
    staff_id = staff().id
    _room, door = room_door()
    db.session.commit()
    code = ticket_code(registration)
    same_scan = item(code, door, DAY)
    batches = [[item(code, door, DAY + timedelta(seconds=n))] for n in range(4)] + [[same_scan], [same_scan]]
    barrier, errors = threading.Barrier(len(batches)), []

    def sync(batch: list[dict[str, Any]]) -> None:
        with pg_app.app_context():
            barrier.wait()
            try:
                offline.sync_scans(batch, staff=db.session.get(User, staff_id))
                db.session.commit()
            except Exception as exc:  # collected, and asserted empty below
                db.session.rollback()
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sync, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.expire_all()
    scans = list(db.session.scalars(sa.select(CheckIn)))
    assert len(scans) == 5  # the scan sent by both phones is recorded once
    assert sum(scan.counted for scan in scans) == 1
    assert present(door) == 1
