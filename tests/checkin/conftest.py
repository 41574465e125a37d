"""Each request gets an empty `g`, as in production (see tests/registration/conftest.py)."""
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
