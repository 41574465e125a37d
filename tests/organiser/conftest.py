"""Organiser home tests send every request in its own application context, as a server does."""
from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from esof.accounts.models import Role
from esof.extensions import db
from tests.factories import UserFactory
from tests.support import IsolatedClient, log_in


@pytest.fixture(autouse=True)
def isolated_requests(app: Flask) -> None:
    app.test_client_class = IsolatedClient
    # Every test reads its own fresh numbers (the scans' hourly curve is cached in production).
    app.config["ORGANISER_DASHBOARD_CACHE_SECONDS"] = 0


def client_as(app: Flask, email: str, *roles: Role) -> FlaskClient:
    UserFactory(email=email, roles=list(roles) or [Role.DELEGATE])
    db.session.commit()
    client = app.test_client()
    log_in(client, email)
    return client


@pytest.fixture
def organiser_client(app: Flask) -> FlaskClient:
    return client_as(app, "organiser@example.org", Role.ORGANISER)
