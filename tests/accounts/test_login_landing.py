"""After log-in without a page asked for, staff land on their tool (issue 24 item 16):
organisers and admins on /organiser/, door staff on /checkin/, partners on /calendar/mine;
delegates, speakers and reviewers on their account page, as before. A safe `next` wins."""
from __future__ import annotations

import pytest
from flask import Flask

from esof.accounts.models import Role
from esof.extensions import db
from tests.factories import UserFactory
from tests.support import DEMO_PASSWORD, csrf_token_from, log_in


@pytest.mark.parametrize(
    ("roles", "landing"),
    [
        ([Role.DELEGATE], "/account/"),
        ([Role.SPEAKER], "/account/"),
        ([Role.REVIEWER], "/account/"),
        ([Role.CHECKIN], "/checkin/"),
        ([Role.ORGANISER], "/organiser/"),
        ([Role.ADMIN], "/organiser/"),
        ([Role.PARTNER], "/calendar/mine"),
        ([Role.DELEGATE, Role.CHECKIN], "/checkin/"),  # a delegate who also scans works at the door
        ([Role.CHECKIN, Role.ORGANISER], "/organiser/"),
    ],
)
def test_staff_land_on_their_tool(app: Flask, roles: list[Role], landing: str) -> None:
    UserFactory(email="staff@example.org", roles=roles)
    db.session.commit()
    client = app.test_client()

    response = log_in(client, "staff@example.org")

    assert response.headers["Location"] == landing
    assert client.get(landing).status_code == 200  # the tool lets them in


@pytest.mark.parametrize("role", [Role.CHECKIN, Role.ORGANISER, Role.PARTNER])
def test_a_safe_next_wins_over_the_landing(app: Flask, role: Role) -> None:
    UserFactory(email="staff@example.org", roles=[role])
    db.session.commit()
    client = app.test_client()
    page = client.get("/account/login?next=/programme").get_data(as_text=True)

    response = client.post("/account/login?next=/programme", data={
        "csrf_token": csrf_token_from(page), "email": "staff@example.org", "password": DEMO_PASSWORD,
    })

    assert response.headers["Location"] == "/programme"


def test_an_unsafe_next_falls_back_to_the_landing(app: Flask) -> None:
    UserFactory(email="door@example.org", roles=[Role.CHECKIN])
    db.session.commit()
    client = app.test_client()

    page = client.get("/account/login?next=//evil.example/").get_data(as_text=True)
    response = client.post("/account/login?next=//evil.example/", data={
        "csrf_token": csrf_token_from(page), "email": "door@example.org", "password": DEMO_PASSWORD,
    })

    assert response.headers["Location"] == "/checkin/"


def test_a_logged_in_visitor_of_the_login_page_goes_to_their_tool(app: Flask) -> None:
    UserFactory(email="door@example.org", roles=[Role.CHECKIN])
    db.session.commit()
    client = app.test_client()
    log_in(client, "door@example.org")

    response = client.get("/account/login")

    assert response.status_code == 302
    assert response.headers["Location"] == "/checkin/"
