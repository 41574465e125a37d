"""Every state-changing route of the URL map refuses a request without the session's CSRF token
and one with a wrong token, as a persona allowed to use it: 400 with the form's message (JSON
with the reason for JSON callers), and the database as it was.

A route declared exempt (`access.csrf_exempt(reason)`) is listed here with its reason and
tested for its own authentication instead: without a CSRF token, a wrong secret in the URL is
refused and changes nothing, the right one is let through. A state-changing route that takes
a request without a CSRF token and declares no exemption fails."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.security.expect import (
    PERSONAS,
    allowed,
    csrf_messages,
    refused_for_csrf,
    route_ids,
    token_holder,
    url_map_app,
)
from tests.security.urls import Route
from tests.security.world import SecurityApp, changed_tables

MAP = url_map_app()
STATE_CHANGING = route_ids(MAP, methods=frozenset({"POST", "PUT", "PATCH", "DELETE"}))
# The exemptions the product declares, and why; a new one fails until it is listed and tested.
EXEMPT = {
    "announcements.unsubscribe": "RFC 8058 one-click unsubscribe from a mail client: the signed token in the URL",
}
WRONG_CSRF = "IjBhZGM5ZmFrZS10b2tlbiI.ZZZZZZ.not-a-real-signature"


def _user_of(route: Route, security: SecurityApp) -> str:
    """A persona the rule lets use the route: the owner or token holder first, then organiser,
    admin, and the others."""
    if route.rule is not None and route.rule.kind.value == "token":
        return token_holder(route)
    order = [p for p in (route.owner, "organiser", "admin") if p] + list(PERSONAS)
    for persona in order:
        if allowed(route, persona, security.world):
            return persona
    raise AssertionError(f"{route.id}: no persona of the demo may use it")


@pytest.mark.parametrize("route_id", STATE_CHANGING)
def test_state_changing_route_refuses_a_missing_or_wrong_csrf_token(
    security: SecurityApp, route_id: str, record_property: Callable[[str, object], None]
) -> None:
    route = security.route(route_id)
    assert route.rule is not None, f"{route.endpoint} declares no access rule (esof/access.py)"
    declared = route.rule.csrf_exempt
    listed = EXEMPT.get(route.endpoint)
    assert bool(declared) == bool(listed), (
        f"{route.endpoint}: declared CSRF exemption {declared!r}, listed here {listed!r}: an exemption is"
        " declared next to its view (access.csrf_exempt) and listed in EXEMPT with the test of its own"
        " authentication")
    persona = _user_of(route, security)
    messages = csrf_messages()
    made = security.requests
    security.reset()
    try:
        before = security.digest()
        if declared:
            assert route.wrong_url is not None, f"{route.endpoint} is exempt from CSRF but has no token to check"
            status, _location, body = security.answer(persona, route.method, route.wrong_url, csrf=None)
            assert status in (400, 404), (
                f"{route.method} {route.wrong_url} as {persona}, no CSRF token and a wrong secret: got {status}")
            written = changed_tables(before, security.digest())
            assert written == [], f"{route.wrong_url}: a wrong secret changed the tables {written}"
            status, _location, body = security.answer(persona, route.method, route.url, csrf=None)
            assert 200 <= status < 400, (
                f"{route.method} {route.url} as {persona}, no CSRF token and the right secret: got {status}")
        else:
            for csrf, what in ((None, "no CSRF token"), (WRONG_CSRF, "a wrong CSRF token")):
                status, _location, body = security.answer(persona, route.method, route.url, csrf=csrf,
                                                          endpoint=route.endpoint)
                assert refused_for_csrf(status, body, messages), (
                    f"{route.method} {route.url} as {persona} with {what}: expected 400 with the form's message"
                    f" (or JSON with the reason), got {status}: {body[:300]}")
            written = changed_tables(before, security.digest())
            assert written == [], f"{route.method} {route.url} without a valid CSRF token changed the tables {written}"
    finally:
        security.reset()
    record_property("requests", security.requests - made)
