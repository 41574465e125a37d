"""Account tests send every request in its own application context, as a real server does
(see tests.support.IsolatedClient): "the other device is logged out" must not pass or fail
because two clients shared Flask-Login's cached user."""
from __future__ import annotations

import pytest
from flask import Flask

from tests.support import IsolatedClient


@pytest.fixture(autouse=True)
def isolated_requests(app: Flask) -> None:
    app.test_client_class = IsolatedClient
