"""Check-in flows through HTTP: roles, the form and JSON scans, occupancy, badge PDFs."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from esof.accounts.models import Role
from esof.checkin.models import CheckIn, Direction
from esof.extensions import db
from esof.registration.models import Attendance, RegistrationStatus
from esof.registration.services import ticket_token, verify_ticket_token
from tests.checkin.factories import delegate, room_door
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory
from tests.support import IN_CI, csrf_token_from, log_in, submit_form
from tests.venues.factories import RoomFactory, VenueFactory


def sign_in(client, *roles: Role) -> None:
    user = UserFactory(roles=list(roles) or [Role.DELEGATE])
    db.session.commit()
    log_in(client, user.email)


def check_ins() -> list[CheckIn]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(CheckIn).order_by(CheckIn.id)))


def scan_json(client, url_args: str, payload: dict, *, header: bool = True):
    token = csrf_token_from(client.get(f"/checkin/?{url_args}").get_data(as_text=True))
    headers = {"Accept": "application/json", **({"X-CSRFToken": token} if header else {})}
    return client.post("/checkin/scan.json", json=payload, headers=headers)


# --- roles ------------------------------------------------------------------------------------

def test_delegate_gets_403_everywhere_and_nothing_is_recorded(app, client) -> None:
    registration = delegate()
    room, _door = room_door()
    db.session.commit()
    sign_in(client, Role.DELEGATE)
    for url in ("/checkin/", "/checkin/occupancy", "/checkin/occupancy.json", "/checkin/badges", "/checkin/badges.pdf"):
        assert client.get(url).status_code == 403, url
    csrf = csrf_token_from(client.get("/account/").get_data(as_text=True))
    response = client.post("/checkin/scan.json", json={"door": f"room:{room.id}", "direction": "in",
                           "token": ticket_token(registration)}, headers={"X-CSRFToken": csrf})
    assert response.status_code == 403
    response = client.post("/checkin/scan", data={"csrf_token": csrf, "door": f"room:{room.id}", "direction": "in",
                                                   "token": ticket_token(registration)})
    assert response.status_code == 403
    assert check_ins() == []


def test_anonymous_visitor_is_sent_to_log_in(app, client) -> None:
    response = client.get("/checkin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")


def test_checkin_staff_scans_and_sees_occupancy_but_not_badges(app, client) -> None:
    sign_in(client, Role.CHECKIN)
    assert client.get("/checkin/").status_code == 200
    assert client.get("/checkin/occupancy").status_code == 200
    assert client.get("/checkin/badges").status_code == 403
    assert client.get("/checkin/badges.pdf").status_code == 403


# --- the scanning page ------------------------------------------------------------------------

def test_index_offers_doors_and_after_choosing_one_the_scanner_without_inline_script(app, client) -> None:
    room, door = room_door()
    db.session.commit()
    sign_in(client, Role.CHECKIN)
    page = client.get("/checkin/").get_data(as_text=True)
    assert f'<option value="room:{room.id}">{door.label}</option>' in page
    assert f'<option value="venue:{room.venue_id}">{room.venue.name}</option>' in page
    assert 'id="scanner"' not in page
    response = client.get(f"/checkin/?door=room:{room.id}&direction=out")
    page = response.get_data(as_text=True)
    assert f'data-door="room:{room.id}"' in page and 'data-direction="out"' in page
    assert "/static/vendor/jsqr/jsQR.js" in page and "/static/js/checkin-scanner.js" in page
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []  # CSP: same-origin files only
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_form_scan_records_and_redirects_with_the_count(app, client) -> None:
    registration = delegate(first_name="Ada", last_name="Lovelace")
    room, _door = room_door(capacity=25)
    db.session.commit()
    sign_in(client, Role.CHECKIN)
    args = f"door=room:{room.id}&direction=in"
    response = submit_form(client, "/checkin/scan", {"door": f"room:{room.id}", "direction": "in",
                                                     "token": ticket_token(registration)}, page=f"/checkin/?{args}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/checkin/?door=room:{room.id}&direction=in"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Ada Lovelace checked in at {room.venue.name} › {room.name}. Present now: 1 of 25." in page
    [row] = check_ins()
    assert (row.registration_id, row.room_id, row.direction, row.counted) == (
        registration.id, room.id, Direction.IN, True)


def test_form_scan_of_forged_ticket_is_refused_with_the_message(app, client) -> None:
    room, _door = room_door()
    db.session.commit()
    sign_in(client, Role.CHECKIN)
    args = f"door=room:{room.id}&direction=in"
    response = submit_form(client, "/checkin/scan", {"door": f"room:{room.id}", "direction": "in",
                                                     "token": "forged.token.value"}, page=f"/checkin/?{args}")
    assert response.status_code == 422
    assert "This ticket is not genuine." in response.get_data(as_text=True)
    for data in ({"door": "room:999999", "direction": "in", "token": "x"},
                 {"door": f"room:{room.id}", "direction": "up", "token": "x"},
                 {"door": f"room:{room.id}", "direction": "in", "token": ""}):
        assert submit_form(client, "/checkin/scan", data, page=f"/checkin/?{args}").status_code == 422
    assert check_ins() == []


def test_search_by_name_then_check_in_shows_warnings(app, client) -> None:
    registration = delegate(paid=False, first_name="Lise", last_name="Meitner")
    delegate(first_name="Niels", last_name="Bohr")
    room, _door = room_door()
    db.session.commit()
    sign_in(client, Role.CHECKIN)
    args = f"door=room:{room.id}&direction=in"
    page = client.get(f"/checkin/?{args}&q=meit").get_data(as_text=True)
    assert "Lise Meitner" in page and "Niels Bohr" not in page
    assert f'name="registration_id" value="{registration.id}"' in page
    response = submit_form(client, "/checkin/scan", {"door": f"room:{room.id}", "direction": "in",
                                                     "registration_id": registration.id}, page=f"/checkin/?{args}")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The fee has not been paid." in page
    assert [(r.registration_id, r.warnings) for r in check_ins()] == [(registration.id, "unpaid")]


# --- the JSON endpoint used by the camera scanner ------------------------------------------------

def test_json_scan_answers_with_name_count_and_warnings(app, client) -> None:
    registration = delegate(first_name="Ada", last_name="Lovelace", affiliation="Analytical Engines")
    room, _door = room_door(capacity=2)
    db.session.commit()
    sign_in(client, Role.CHECKIN)
    args = f"door=room:{room.id}&direction=in"
    payload = {"door": f"room:{room.id}", "direction": "in", "token": ticket_token(registration)}
    first = scan_json(client, args, payload)
    assert first.status_code == 200
    body = first.get_json()
    keys = ("ok", "name", "affiliation", "door", "direction", "counted", "present", "capacity", "warnings")
    assert {k: body[k] for k in keys} == {
        "ok": True, "name": "Ada Lovelace", "affiliation": "Analytical Engines", "door": f"room:{room.id}",
        "direction": "in", "counted": True, "present": 1, "capacity": 2, "warnings": []}
    again = scan_json(client, args, payload).get_json()
    assert (again["counted"], again["present"]) == (False, 1)
    assert [w["code"] for w in again["warnings"]] == ["repeated", "already-inside"]
    assert len(check_ins()) == 2


def test_json_scan_refuses_forged_tokens_bad_doors_and_missing_csrf(app, client) -> None:
    registration = delegate()
    room, _door = room_door()
    db.session.commit()
    sign_in(client, Role.CHECKIN)
    args = f"door=room:{room.id}&direction=in"
    forged = scan_json(client, args, {"door": f"room:{room.id}", "direction": "in", "token": "abc.def.ghi"})
    body = forged.get_json()
    assert (forged.status_code, body["ok"], body["error"], body["reason"]) == (
        400, False, "TicketForged", "This ticket is not genuine.")
    assert (body["panel"]["tone"], body["panel"]["headline"]) == ("stop", "STOP — not a valid ticket")
    bad_door = scan_json(client, args, {"door": "room:0", "direction": "in", "token": ticket_token(registration)})
    assert (bad_door.status_code, bad_door.get_json()["error"]) == (400, "UnknownDoor")
    payload = {"door": f"room:{room.id}", "direction": "in", "token": ticket_token(registration)}
    no_csrf = scan_json(client, args, payload, header=False)
    assert (no_csrf.status_code, no_csrf.get_json()["error"]) == (400, "CSRFError")
    token = csrf_token_from(client.get(f"/checkin/?{args}").get_data(as_text=True))
    not_json = client.post("/checkin/scan.json", data="[1]", content_type="application/json",
                           headers={"X-CSRFToken": token})
    assert not_json.status_code == 400
    assert check_ins() == []


# --- occupancy ----------------------------------------------------------------------------------

def test_occupancy_page_and_json_show_present_against_capacity(app, client) -> None:
    venue = VenueFactory(name="Stadsgehoorzaal")
    room = RoomFactory(venue=venue, name="Grote zaal", capacity=10)
    RoomFactory(venue=venue, name="Kleine zaal", capacity=4)
    db.session.commit()
    sign_in(client, Role.ORGANISER)
    args = f"door=room:{room.id}&direction=in"
    for _ in range(9):
        registration = delegate()
        db.session.commit()
        payload = {"door": f"room:{room.id}", "direction": "in", "token": ticket_token(registration)}
        assert scan_json(client, args, payload).status_code == 200
    response = client.get("/checkin/occupancy")
    page = response.get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh" content="30"></noscript>' in page
    row = re.search(rf'<tr class="room-row level-near" data-door="room:{room.id}">(.*?)</tr>', page, re.S)
    assert row and "Nearly full" in row.group(1) and ">9<" in row.group(1) and "90 %" in row.group(1)
    data = client.get("/checkin/occupancy.json").get_json()
    assert data["total"] == 3 and data["next"] is None
    assert [(d["label"], d["present"], d["capacity"], d["level"]) for d in data["items"]] == [
        ("Stadsgehoorzaal", 9, 14, "ok"),  # entering a room implies being inside the venue
        ("Stadsgehoorzaal › Grote zaal", 9, 10, "near"),
        ("Stadsgehoorzaal › Kleine zaal", 0, 4, "ok"),
    ]


def test_occupancy_page_query_count_does_not_grow_with_rooms(app, client, count_queries) -> None:
    sign_in(client, Role.ORGANISER)

    def queries_for_page() -> int:
        count_queries.reset()
        assert client.get("/checkin/occupancy").status_code == 200
        return count_queries.count

    RoomFactory(venue=VenueFactory())
    db.session.commit()
    few = queries_for_page()
    for _ in range(5):
        venue = VenueFactory()
        for _ in range(6):
            RoomFactory(venue=venue)
    db.session.commit()
    assert queries_for_page() == few


# --- badges -------------------------------------------------------------------------------------

def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_badge_pdf_holds_the_filtered_names_affiliations_and_categories(app, client) -> None:
    press = CategoryFactory(code="press", name="Press", badge_colour="#e4002b")
    regular = CategoryFactory(code="regular", name="Regular", badge_colour="#1f4e79")
    online = CategoryFactory(code="online", name="Online", attendance=Attendance.ONLINE, fee_cents=0)
    delegate(press, first_name="Łukasz", last_name="Żółć", affiliation="Uniwersytet Warszawski")
    delegate(regular, first_name="Σωκράτης", last_name="Παπαδόπουλος", affiliation="University of Crete")
    delegate(online, first_name="Remote", last_name="Viewer")
    cancelled = delegate(regular, first_name="Gone", last_name="Away")
    cancelled.status = RegistrationStatus.CANCELLED
    db.session.commit()
    sign_in(client, Role.ORGANISER)
    page = client.get("/checkin/badges").get_data(as_text=True)
    assert "2 badges" in page and "Remote Viewer" not in page and "Gone Away" not in page
    response = client.get("/checkin/badges.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    for expected in ("Łukasz Żółć", "Uniwersytet Warszawski", "PRESS", "Σωκράτης", "Παπαδόπουλος", "REGULAR"):
        assert expected in text
    assert "Remote" not in text and "Gone" not in text
    only_press = pdf_text(client.get("/checkin/badges.pdf?category=press").data)
    assert "Łukasz" in only_press and "Σωκράτης" not in only_press
    assert len(PdfReader(io.BytesIO(client.get("/checkin/badges.pdf?q=nobody-at-all").data)).pages) == 1


def test_badge_qr_code_decodes_to_a_valid_ticket(app, client, tmp_path: Path) -> None:
    """Renders the PDF to pixels and reads the QR code with the jsQR the scanner page ships."""
    if not (shutil.which("pdftoppm") and shutil.which("node")):
        reason = "needs pdftoppm (Debian poppler-utils) and node to read the printed QR code"
        if IN_CI:
            pytest.fail(reason + " (.ci/run installs them)")
        pytest.skip(reason)
    registration = delegate(first_name="Ada", last_name="Lovelace")
    db.session.commit()
    sign_in(client, Role.ORGANISER)
    (tmp_path / "badges.pdf").write_bytes(client.get("/checkin/badges.pdf").data)
    subprocess.run(["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-x", "0", "-y", "0", "-W", "620", "-H", "500",
                    str(tmp_path / "badges.pdf"), str(tmp_path / "page")], check=True)
    [image] = tmp_path.glob("page*.ppm")
    decoded = subprocess.run(["node", str(Path(__file__).parent / "qr_decode.cjs"), str(image)],
                             check=True, capture_output=True, text=True).stdout.strip()
    assert verify_ticket_token(decoded).id == registration.id  # signed now, so not byte-equal to a new token
