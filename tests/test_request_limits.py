"""Request size is capped site-wide (MAX_CONTENT_LENGTH): a body beyond it is refused with
413 and a page or JSON saying so, before anything is read or written; the largest upload the
site takes (a bank statement at its own limit) still gets through. API page sizes are capped."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from esof.accounts.models import LoginAttempt, Role, User
from esof.api.params import MAX_PER_PAGE
from esof.extensions import db
from tests.factories import UserFactory
from tests.support import csrf_token_from, log_in


def too_large(app: Flask) -> int:
    return int(app.config["MAX_CONTENT_LENGTH"]) + 1


def test_the_cap_leaves_room_for_a_bank_statement(app: Flask) -> None:
    assert 0 < app.config["BANK_STATEMENT_MAX_BYTES"] < app.config["MAX_CONTENT_LENGTH"] <= 16 * 1024 * 1024


def test_a_too_large_form_post_gets_413_with_a_page_and_writes_nothing(app: Flask, client: FlaskClient) -> None:
    UserFactory(email="ada@example.org")
    db.session.commit()
    token = csrf_token_from(client.get("/account/login").get_data(as_text=True))

    response = client.post("/account/login", data={
        "csrf_token": token, "email": "ada@example.org", "password": "x" * too_large(app),
    })

    assert response.status_code == 413
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Error code 413" in page and "The request is too large: send less at once" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)) == 0


def test_a_too_large_json_post_gets_413_with_a_json_reason(app: Flask, client: FlaskClient) -> None:
    UserFactory(email="door@example.org", roles=[Role.CHECKIN])
    db.session.commit()
    log_in(client, "door@example.org")
    csrf = client.get("/checkin/door-list.json").get_json()["csrf"]
    body = b'{"scans": [' + b'{"code": "AAAA"},' * (too_large(app) // 16) + b'{}]}'

    response = client.post("/checkin/sync", data=body, content_type="application/json",
                           headers={"Accept": "application/json", "X-CSRFToken": csrf})

    assert response.status_code == 413, response.get_data(as_text=True)
    payload = response.get_json()
    assert payload["status"] == 413 and payload["reason"]


def test_a_too_large_body_is_refused_by_its_declared_length_unread(app: Flask, client: FlaskClient) -> None:
    """The header alone decides: a client announcing a huge body is answered at once."""
    response = client.post("/account/signup", data=b"a=b", content_type="application/x-www-form-urlencoded",
                           environ_overrides={"CONTENT_LENGTH": str(too_large(app))})

    assert response.status_code == 413
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_a_bank_statement_at_its_own_limit_still_gets_through(app: Flask, client: FlaskClient) -> None:
    UserFactory(email="org@example.org", roles=[Role.ORGANISER])
    db.session.commit()
    log_in(client, "org@example.org")
    limit = int(app.config["BANK_STATEMENT_MAX_BYTES"])
    line = b"ESOF-0123456789;450,00\n"
    statement = b"reference;amount\n" + line * ((limit - 17) // len(line))
    assert len(statement) <= limit
    token = csrf_token_from(client.get("/registration/organiser/bank-statement").get_data(as_text=True))

    response = client.post("/registration/organiser/bank-statement", data={
        "csrf_token": token, "statement": (io.BytesIO(statement), "statement.csv"),
    }, content_type="multipart/form-data")

    assert response.status_code != 413
    assert "The file is too large" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/api/v1/sessions", "/api/v1/venues", "/api/v1/side-events", "/api/v1/speakers"])
def test_api_page_sizes_are_capped(client: FlaskClient, path: str) -> None:
    assert client.get(f"{path}?per_page={MAX_PER_PAGE}").status_code == 200
    refused = client.get(f"{path}?per_page={MAX_PER_PAGE + 1}")
    assert refused.status_code == 400
    assert "per_page" in refused.get_json()["reason"]
    assert client.get(f"{path}?per_page=1000000000000").status_code == 400
