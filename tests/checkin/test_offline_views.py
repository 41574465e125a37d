"""The door app's HTTP side: door list, sync, service worker and manifest."""
from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from esof.accounts.models import Role
from esof.checkin.models import CheckIn
from esof.extensions import db
from esof.registration.tickets import ticket_code
from esof.security import CONTENT_SECURITY_POLICY
from tests.checkin.factories import delegate, room_door
from tests.factories import UserFactory
from tests.support import csrf_token_from, log_in

DAY = datetime(2022, 7, 14, 8, 0, tzinfo=UTC)


def sign_in(client, *roles: Role) -> None:
    user = UserFactory(roles=list(roles))
    db.session.commit()
    log_in(client, user.email)


def test_door_list_is_for_check_in_staff_only_and_never_cached(app, client) -> None:
    delegate(first_name="Jane", last_name="Doe")
    db.session.commit()
    sign_in(client, Role.DELEGATE)
    assert client.get("/checkin/door-list.json").status_code == 403
    client.post("/account/logout", data={"csrf_token": csrf_token_from(client.get("/account/").get_data(as_text=True))})
    sign_in(client, Role.CHECKIN)
    response = client.get("/checkin/door-list.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    body = response.get_json()
    assert [row[2] for row in body["tickets"]] == ["Jane D."] and body["csrf"]


def test_sync_over_http_accepts_a_scan_and_refuses_a_tampered_one(app, client) -> None:
    registration = delegate()
    room, door = room_door()
    db.session.commit()
    sign_in(client, Role.CHECKIN)
    csrf = client.get("/checkin/door-list.json").get_json()["csrf"]
    good = {"client_id": str(uuid.uuid4()), "code": ticket_code(registration), "scanned_at": DAY.isoformat(),
            "door": door.key, "direction": "in"}
    forged = dict(good, client_id=str(uuid.uuid4()), code=ticket_code(registration)[:-1] + "Z")
    if forged["code"] == good["code"]:
        forged["code"] = good["code"][:-1] + "Y"
    future = dict(good, client_id=str(uuid.uuid4()), scanned_at="2099-01-01T10:00:00+00:00")
    response = client.post("/checkin/sync", json={"scans": [good, forged, future]}, headers={"X-CSRFToken": csrf})
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [(i["status"], i["reason"]) for i in items] == [
        ("accepted", None), ("refused", "tampered"), ("refused", "tampered")]
    assert items[0]["present"] == 1 and items[1]["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 1
    # No CSRF token: refused, nothing recorded; not a list: 400 with a reason.
    assert client.post("/checkin/sync", json={"scans": [dict(good, client_id=str(uuid.uuid4()))]}).status_code == 400
    bad = client.post("/checkin/sync", json={"scans": "all"}, headers={"X-CSRFToken": csrf})
    assert bad.status_code == 400 and bad.get_json()["reason"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 1


def test_delegate_cannot_sync(app, client) -> None:
    registration = delegate()
    _room, door = room_door()
    db.session.commit()
    sign_in(client, Role.DELEGATE)
    csrf = csrf_token_from(client.get("/account/").get_data(as_text=True))
    scan = {"client_id": str(uuid.uuid4()), "code": ticket_code(registration), "scanned_at": DAY.isoformat(),
            "door": door.key, "direction": "in"}
    assert client.post("/checkin/sync", json={"scans": [scan]}, headers={"X-CSRFToken": csrf}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 0


def test_service_worker_scope_and_manifest_make_an_installable_app(app, client) -> None:
    worker = client.get("/checkin/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert worker.headers["Service-Worker-Allowed"] == "/checkin/"
    manifest = client.get("/checkin/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    data = json.loads(manifest.get_data(as_text=True))
    assert data["display"] == "standalone" and data["start_url"] == data["scope"] == "/checkin/"
    for icon in data["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.mimetype == "image/png"
    # worker-src and manifest-src fall back to default-src 'self': the worker and the manifest
    # are same-origin, and the page keeps no inline script.
    policy = dict(part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";"))
    assert policy["default-src"] == "'self'" and "worker-src" not in policy and "manifest-src" not in policy
