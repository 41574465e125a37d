"""The door's answers through HTTP: the form flow puts the panel directly under the code field
after its redirect, the JSON carries the same panel, and the occupancy page states its rules."""
from __future__ import annotations

import html
import json
import re

from esof.accounts.models import Role
from esof.extensions import db
from esof.registration.models import Attendance
from esof.registration.services import ticket_token
from esof.registration.tickets import ticket_code
from tests.checkin.factories import delegate, room_door
from tests.checkin.test_views import check_ins, scan_json, sign_in
from tests.registration.factories import CategoryFactory
from tests.support import submit_form
from tests.venues.factories import RoomFactory, VenueFactory

PANEL = re.compile(r'</form>\s*<div id="scan-result" class="scan-result tone-(\w+) answer-([\w-]+)" role="alert"[^>]*>'
                   r'(.*?)</div>', re.S)


def form_scan(client, door_key: str, **data) -> tuple[int, str]:
    args = f"door={door_key}&direction=in"
    response = submit_form(client, "/checkin/scan", {"door": door_key, "direction": "in", **data},
                           page=f"/checkin/?{args}")
    if response.status_code == 302:
        return 302, client.get(response.headers["Location"]).get_data(as_text=True)
    return response.status_code, response.get_data(as_text=True)


def panel_in(page: str) -> tuple[str, str, str]:
    """(tone, kind, text) of the panel that follows the code form."""
    found = PANEL.search(page)
    assert found, "no answer panel right after the code form"
    return found.group(1), found.group(2), html.unescape(re.sub(r"<[^>]+>", " ", found.group(3)))


def test_a_duplicate_form_scan_shows_the_stop_panel_under_the_code_field_once(app, client) -> None:
    registration = delegate(first_name="Ada", last_name="Lovelace")
    room, door = room_door(capacity=25)
    db.session.commit()
    sign_in(client, Role.CHECKIN)
    status, page = form_scan(client, door.key, code=ticket_code(registration))
    assert status == 302
    tone, kind, text = panel_in(page)
    assert (tone, kind) == ("go", "ok") and "GO — let in" in text and "Present now: 1 of 25." in text
    assert 'action="/checkin/scan#scan-form"' in page  # the browser keeps the fragment across the redirect
    status, page = form_scan(client, door.key, code=ticket_code(registration))
    tone, kind, text = panel_in(page)
    assert (tone, kind) == ("stop", "duplicate")
    assert re.search(r"STOP — already inside since \d\d:\d\d", text) and "Not counted. Present now: 1 of 25." in text
    # Shown once: a reload is a fresh page with an empty answer.
    again = client.get(f"/checkin/?door={door.key}&direction=in").get_data(as_text=True)
    assert '<div id="scan-result" class="scan-result" role="alert" aria-atomic="true"></div>' in again
    assert [row.counted for row in check_ins()] == [True, False]


def test_an_unpaid_delegate_found_by_name_is_sent_to_the_desk(app, client) -> None:
    registration = delegate(paid=False, first_name="Lise", last_name="Meitner")
    _room, door = room_door()
    db.session.commit()
    sign_in(client, Role.CHECKIN)
    status, page = form_scan(client, door.key, registration_id=registration.id)
    tone, kind, text = panel_in(page)
    assert (status, tone, kind) == (302, "stop", "unpaid")
    assert "STOP — not paid: send to the registration desk" in text and "Lise Meitner" in text
    assert "Present now: 0" in text and [row.counted for row in check_ins()] == [False]


def test_a_forged_code_answers_422_with_the_stop_panel_and_records_nothing(app, client) -> None:
    _room, door = room_door()
    db.session.commit()
    sign_in(client, Role.CHECKIN)
    status, page = form_scan(client, door.key, token="forged.token.value")
    tone, kind, text = panel_in(page)
    assert (status, tone, kind) == (422, "stop", "unknown")
    assert "STOP — not a valid ticket" in text and "This ticket is not genuine." in text
    assert check_ins() == []


def test_json_answers_carry_the_panel_for_online_only_and_duplicate(app, client) -> None:
    online = delegate(CategoryFactory(attendance=Attendance.ONLINE, fee_cents=0), first_name="Olga")
    present = delegate(first_name="Piet")
    _room, door = room_door()
    db.session.commit()
    sign_in(client, Role.CHECKIN)
    args = f"door={door.key}&direction=in"
    body = scan_json(client, args, {"door": door.key, "direction": "in", "code": ticket_code(online)}).get_json()
    assert (body["ok"], body["counted"], body["answer"]["kind"], body["panel"]["tone"]) == (
        True, False, "online-only", "stop")
    assert body["panel"]["headline"] == "STOP — online ticket: no entry"
    payload = {"door": door.key, "direction": "in", "token": ticket_token(present)}
    assert scan_json(client, args, payload).get_json()["panel"]["tone"] == "go"
    second = scan_json(client, args, payload).get_json()
    assert (second["panel"]["kind"], second["counted"]) == ("duplicate", False)
    assert second["panel"]["headline"].startswith("STOP — already inside since ")


def test_the_door_page_gives_the_offline_app_the_same_words(app, client) -> None:
    _room, door = room_door()
    db.session.commit()
    sign_in(client, Role.CHECKIN)
    page = client.get(f"/checkin/?door={door.key}&direction=in").get_data(as_text=True)
    words = json.loads(html.unescape(re.search(r'data-answers="([^"]*)"', page).group(1)))
    assert words["unpaid"]["headline"] == "STOP — not paid: send to the registration desk"
    assert words["online-only"]["tone"] == "stop" and words["ok"]["headline"] == "GO — let in"


def test_occupancy_page_lists_fullest_first_and_says_how_rooms_and_venues_agree(app, client) -> None:
    quiet, busy = VenueFactory(name="Aula"), VenueFactory(name="Zaal")
    RoomFactory(venue=quiet, name="Groot", capacity=100)
    small = RoomFactory(venue=busy, name="Klein", capacity=2)
    RoomFactory(venue=busy, name="Leeg", capacity=50)
    db.session.commit()
    sign_in(client, Role.CHECKIN)
    for _ in range(2):
        registration = delegate()
        db.session.commit()
        payload = {"door": f"room:{small.id}", "direction": "in", "token": ticket_token(registration)}
        assert scan_json(client, f"door=room:{small.id}&direction=in", payload).get_json()["counted"]
    page = client.get("/checkin/occupancy").get_data(as_text=True)
    assert page.index(">Zaal</h2>") < page.index(">Aula</h2>")
    assert page.index(">Klein</th>") < page.index(">Leeg</th>")
    for rule in ("Scanned in at a room: also counted inside its venue, even without a scan at the entrance.",
                 "Scanned out at a room: still inside the venue.",
                 "Scanned out at the venue entrance: out of every room of that venue as well."):
        assert rule in page
    items = client.get("/checkin/occupancy.json").get_json()["items"]
    assert [(item["label"], item["present"]) for item in items][:3] == [
        ("Zaal", 2), ("Zaal › Klein", 2), ("Zaal › Leeg", 0)]
