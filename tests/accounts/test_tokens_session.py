"""Sessions rotate on log-in (no fixation): what a session held before log-in, whoever put it
there, is gone after it, except the language choice; the new session carries the login nonce."""
from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from esof.accounts.models import User
from esof.extensions import db
from tests.factories import UserFactory
from tests.support import DEMO_PASSWORD, csrf_token_from, log_in, submit_form


@pytest.fixture
def user(app: Flask) -> User:
    created = UserFactory(email="ada@example.org")
    db.session.commit()
    return created


def session_cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie is not None else None


def test_a_planted_session_does_not_survive_log_in(app: Flask, user: User) -> None:
    victim = app.test_client()
    with victim.session_transaction() as session:  # what an attacker fixed in the browser
        session["planted"] = "attacker's value"
        session["signed_up_address"] = "digest of the attacker's address"
        session["lang"] = "nl"
    page = victim.get("/account/login").get_data(as_text=True)
    fixed_cookie = session_cookie(victim)

    response = victim.post("/account/login", data={"csrf_token": csrf_token_from(page), "email": user.email,
                                                   "password": DEMO_PASSWORD})

    assert response.status_code == 302
    assert session_cookie(victim) != fixed_cookie
    with victim.session_transaction() as session:
        assert "planted" not in session and "signed_up_address" not in session
        assert session["lang"] == "nl"  # the language choice is kept
        assert session["_user_id"] == f"{user.id}:{user.login_nonce}"  # the login nonce is in it
    assert victim.get("/account/").status_code == 200

    # The attacker's copy of the cookie from before the log-in is still nobody's session.
    attacker = app.test_client()
    attacker.set_cookie("session", fixed_cookie or "")
    assert attacker.get("/account/").status_code == 302


def test_the_pre_login_csrf_token_stops_working_after_log_in(app: Flask, user: User) -> None:
    client = app.test_client()
    old_csrf = csrf_token_from(client.get("/account/login").get_data(as_text=True))
    log_in(client, user.email)

    # A form posted with the token from before log-in (the attacker could have read it) fails.
    response = client.post("/account/", data={"csrf_token": old_csrf, "display_name": "Mallory", "language": "en"})

    db.session.expire_all()
    assert response.status_code in (400, 422)
    assert db.session.get(User, user.id).display_name != "Mallory"


def test_a_failed_log_in_keeps_the_session(app: Flask, user: User) -> None:
    client = app.test_client()
    with client.session_transaction() as session:
        session["lang"] = "nl"
    submit_form(client, "/account/login", {"email": user.email, "password": "wrong"})
    with client.session_transaction() as session:
        assert session.get("lang") == "nl" and "_user_id" not in session
