"""The header shows each person the tools of their roles and nothing of the others'."""
from __future__ import annotations

import re

import pytest
from flask import Flask

from esof.accounts.models import Role
from esof.extensions import db
from tests.organiser.conftest import client_as
from tests.registration.factories import CategoryFactory, register


def header_links(html: str) -> dict[str, str]:
    nav = html.split('class="site-nav"', 1)[1].split("</nav>", 1)[0]
    return {label.strip(): href for href, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)}


STAFF = {"Organiser": "/organiser/", "Check-in": "/checkin/", "Admin": "/admin/users",
         "My events": "/calendar/mine", "Review": "/review/", "Speaker page": "/speaker/"}


@pytest.mark.parametrize(("roles", "expected"), [
    ((Role.DELEGATE,), set()),
    ((Role.REVIEWER, Role.SPEAKER, Role.PARTNER), {"Review", "Speaker page", "My events"}),
    ((Role.PARTNER,), {"My events"}),
    ((Role.ORGANISER,), {"Organiser"}),
    ((Role.CHECKIN,), {"Check-in"}),
    ((Role.ORGANISER, Role.CHECKIN), {"Organiser", "Check-in"}),
    ((Role.ADMIN,), {"Organiser", "Admin"}),
])
def test_header_shows_staff_links_only_for_their_roles(app: Flask, roles, expected) -> None:
    client = client_as(app, "person@example.org", *roles)
    links = header_links(client.get("/programme/").get_data(as_text=True))
    assert {label for label in links if label in STAFF} == expected
    assert all(links[label] == STAFF[label] for label in expected)
    for label in expected:  # and each link opens for them
        assert client.get(STAFF[label]).status_code == 200


def test_visitor_sees_no_staff_and_no_delegate_links(app: Flask) -> None:
    links = header_links(app.test_client().get("/").get_data(as_text=True))
    assert set(links) & {*STAFF, "My agenda", "My ticket"} == set()
    assert links["Register"] == "/registration/"


def test_delegate_with_a_registration_reaches_agenda_and_ticket(app: Flask) -> None:
    client = client_as(app, "ada@example.org")
    before = header_links(client.get("/programme/").get_data(as_text=True))
    assert "My agenda" not in before and before["Register"] == "/registration/"
    from esof.accounts.models import User

    user = db.session.scalar(db.select(User).where(User.email == "ada@example.org"))
    registration = register(user, CategoryFactory())
    db.session.commit()
    after = header_links(client.get("/programme/").get_data(as_text=True))
    assert after["My agenda"] == "/programme/agenda"
    assert after["My ticket"] == "/registration/ticket"
    assert "Register" not in after
    assert client.get("/registration/ticket").status_code == 200
    from esof.registration import services

    services.cancel_registration(registration=registration, actor=user)
    db.session.commit()
    cancelled = header_links(client.get("/programme/").get_data(as_text=True))
    assert "My ticket" not in cancelled and "Register" in cancelled


def test_account_page_links_registration_ticket_agenda_and_data_export(app: Flask) -> None:
    client = client_as(app, "ada@example.org")
    from esof.accounts.models import User

    register(db.session.scalar(db.select(User).where(User.email == "ada@example.org")), CategoryFactory())
    db.session.commit()
    page = client.get("/account/").get_data(as_text=True)
    section = page.split('id="account-links-heading"', 1)[1].split("</nav>", 1)[0]
    hrefs = re.findall(r'href="([^"]+)"', section)
    assert hrefs == ["/registration/", "/registration/ticket", "/programme/agenda",
                     "/registration/privacy/export.json", "/registration/privacy"]
    assert client.get("/registration/privacy/export.json").status_code == 200


def test_header_is_in_dutch_for_a_dutch_organiser(app: Flask) -> None:
    client = client_as(app, "org@example.org", Role.ORGANISER)
    from esof.accounts.models import User

    db.session.scalar(db.select(User).where(User.email == "org@example.org")).language = "nl"
    db.session.commit()
    links = header_links(client.get("/programme/").get_data(as_text=True))
    assert links["Organisator"] == "/organiser/"
