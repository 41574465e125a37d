"""The `app` fixture keeps one app context open for the whole test, so Flask's `g` (with
Flask-Login's cached user and Flask-WTF's CSRF token in it) would outlive a request; with two
clients the second would act as the first. Here each request starts with an empty `g`, as
in production, where every request has its own app context."""
from __future__ import annotations

import pytest
from flask import Flask, g


@pytest.fixture(autouse=True)
def fresh_g_per_request(request: pytest.FixtureRequest) -> None:
    for name in ("app", "pg_app"):
        if name in request.fixturenames:
            application: Flask = request.getfixturevalue(name)

            @application.teardown_request
            def forget_request_state(_exc: BaseException | None) -> None:
                g.__dict__.clear()
