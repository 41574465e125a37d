"""Account tests send every request in its own application context, as a real server does.

The `app` fixture keeps an application context open for the whole test so the test can use
the database. Flask reuses an open context for requests, so without this every request of a
test would share one `g`: Flask-Login's cached user and Flask-WTF's cached CSRF token would
leak from one client (one browser) into the next, and "the other device is logged out" could
pass or fail for the wrong reason.
"""
from __future__ import annotations

import contextvars
from typing import Any

import pytest
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from werkzeug.test import TestResponse


class IsolatedClient(FlaskClient):
    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        def in_fresh_context() -> TestResponse:
            _cv_app.set(None)  # type: ignore[arg-type]  (no open context: the request makes its own)
            return super(IsolatedClient, self).open(*args, **kwargs)

        return contextvars.copy_context().run(in_fresh_context)


@pytest.fixture(autouse=True)
def isolated_requests(app: Flask) -> None:
    app.test_client_class = IsolatedClient
