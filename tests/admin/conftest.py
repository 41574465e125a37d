"""Admin tests send every request in its own application context, as a server does, so one
client's logged-in admin never leaks into another client's request."""
from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from esof.accounts.models import Role, User
from esof.extensions import db
from tests.factories import UserFactory
from tests.support import IsolatedClient, log_in


@pytest.fixture(autouse=True)
def isolated_requests(app: Flask) -> None:
    app.test_client_class = IsolatedClient


@pytest.fixture
def admin(app: Flask) -> User:
    user = UserFactory(email="admin@example.org", display_name="Grace Admin", roles=[Role.ADMIN])
    db.session.commit()
    return user


@pytest.fixture
def admin_client(app: Flask, admin: User) -> FlaskClient:
    client = app.test_client()
    log_in(client, "admin@example.org")
    return client
