"""A delegate's door scans on the organiser's registration page and in their data export."""
from __future__ import annotations

from datetime import timedelta

from esof.accounts.models import Role
from esof.checkin import services
from esof.checkin.models import Direction
from esof.extensions import db
from esof.registration import gdpr
from esof.registration.services import ticket_token
from tests.checkin.factories import delegate, room_door, staff
from tests.factories import UserFactory
from tests.programme.factories import at
from tests.support import log_in

IN, OUT = Direction.IN, Direction.OUT
MORNING = at(13, "09:15")  # 13 July 2022, summer time


def scan(door, registration, direction, minutes_later: int) -> None:
    services.record_scan(door=door, direction=direction, staff=staff(), token=ticket_token(registration),
                         now=MORNING + timedelta(minutes=minutes_later))


def organiser_page(client, registration) -> str:
    UserFactory(email="org@example.org", roles=[Role.ORGANISER])
    db.session.commit()
    log_in(client, "org@example.org")
    return client.get(f"/registration/organiser/{registration.id}").get_data(as_text=True)


def test_page_lists_scans_newest_first_in_leiden_time_with_what_they_counted(app, client) -> None:
    registration = delegate()
    room, door = room_door(name="Kamerlingh Onnes Hall")
    entrance = services.find_door(f"venue:{room.venue_id}")
    scan(entrance, registration, IN, 0)
    scan(door, registration, IN, 5)
    scan(door, registration, IN, 6)  # the phone scanned twice: kept, not counted
    scan(door, registration, OUT, 70)
    db.session.commit()
    page = organiser_page(client, registration)
    section = page[page.index("Door scans"):page.index("Answers to the questions")]
    lines = [line.strip() for line in section.split("<li>")[1:]]
    venue = room.venue.name
    assert lines[0].startswith(f"13 July 2022, 10:25 CEST · Kamerlingh Onnes Hall ({venue})")
    assert "<strong>Left</strong>" in lines[0]
    assert "09:21 CEST" in lines[1] and "Scanned in again (already inside, not counted)" in lines[1]
    assert "09:20 CEST" in lines[2] and "<strong>Entered</strong>" in lines[2]
    assert lines[3].startswith(f"13 July 2022, 09:15 CEST · {venue}\n") and "Entered" in lines[3]
    assert len(lines) == 4


def test_page_says_when_nobody_scanned_the_ticket(app, client) -> None:
    page = organiser_page(client, delegate())
    assert "Not scanned at any door." in page


def test_page_query_count_is_the_same_for_one_and_thirty_scans(app, client, count_queries) -> None:
    registration = delegate()
    _room, door = room_door()
    scan(door, registration, IN, 0)
    organiser_page(client, registration)

    def page_queries() -> tuple[str, int]:
        db.session.commit()  # nothing the test loaded saves the page a query
        count_queries.reset()
        page = client.get(f"/registration/organiser/{registration.id}").get_data(as_text=True)
        return page, count_queries.count

    _page, with_one = page_queries()
    for minute in range(1, 30):
        scan(door, registration, OUT if minute % 2 else IN, minute)
    page, with_thirty = page_queries()
    assert page.count("<strong>Entered</strong>") == 15 and page.count("<strong>Left</strong>") == 15
    assert with_thirty == with_one


def test_data_export_holds_every_scan_oldest_first_and_another_persons_none(app) -> None:
    registration, other = delegate(), delegate()
    room, door = room_door(name="Lab 2")
    scan(door, registration, IN, 0)
    scan(door, registration, OUT, 30)
    db.session.commit()
    scans = gdpr.export_personal_data(registration.user)["door_scans"]
    assert [(s["direction"], s["counted"], s["door"], s["offline"]) for s in scans] == [
        ("in", True, f"Lab 2, {room.venue.name}", False), ("out", True, f"Lab 2, {room.venue.name}", False),
    ]
    assert scans[0]["at"].startswith("2022-07-13T07:15:00")  # UTC, as every time in the export
    assert gdpr.export_personal_data(other.user)["door_scans"] == []


def test_a_scan_stopped_at_the_door_says_why(app, client) -> None:
    registration = delegate(paid=False)
    _room, door = room_door(name="Lab 3")
    scan(door, registration, IN, 0)
    db.session.commit()
    page = organiser_page(client, registration)
    assert "<strong>Stopped at the door (not let in)</strong>: The fee has not been paid." in page
    assert "Scanned in again" not in page


def test_each_registration_shows_its_own_scans(app, client) -> None:
    from esof.registration.delegates import cancel_registration

    first = delegate()
    _room, door = room_door(name="Lab 4")
    scan(door, first, IN, 0)
    cancel_registration(registration=first, actor=None, notify=False)
    again = delegate()
    again.user_id, again.user = first.user_id, first.user  # the same person registered again
    db.session.commit()
    old_page = organiser_page(client, first)
    assert "Lab 4" in old_page.split("Door scans")[1].split("Answers to the questions")[0]
    new_page = client.get(f"/registration/organiser/{again.id}").get_data(as_text=True)
    assert "Not scanned at any door." in new_page
