"""The access matrix: every rule of the URL map, requested as every persona of the demo with
real ids (the owner's: tests/security/urls.py), answers as its declaration in esof/access.py
says (tests/security/expect.py): PUBLIC to everyone, LOGIN to the logged in, ROLE to holders
(others 403), OWNER to the owner and the rule's roles (others 403 or 404), TOKEN to the right
token (a wrong one 404); anonymous visitors are sent to log in.

GET routes are requested directly. Other methods carry a valid CSRF token of the persona's
session; the refused personas go first and must leave the database as it was, then each
allowed persona gets a fresh copy of the demo (one request cannot spoil the next)."""
from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import url_for

from esof.access import rules_by_endpoint
from esof.extensions import db
from tests.security.expect import PERSONAS, allowed, route_ids, token_holder, url_map_app, verdict
from tests.security.urls import MissingArgument, Route, value_for
from tests.security.world import SecurityApp, changed_tables

MAP = url_map_app()
ROUTES = route_ids(MAP)


def test_every_endpoint_declares_its_access_rule() -> None:
    undeclared = [endpoint for endpoint, rule in rules_by_endpoint(MAP).items() if rule is None]
    assert undeclared == [], "endpoints without an access declaration (esof/access.py): " + ", ".join(undeclared)


def _requests(route: Route) -> list[tuple[str, str, bool]]:
    """(persona, url, wrong token?) for the route: the real URL as every persona, and on a token
    route the wrong token as every persona too."""
    found = [(persona, route.url, False) for persona in PERSONAS]
    if route.wrong_url is not None:
        found += [(persona, route.wrong_url, True) for persona in PERSONAS]
    return found


@pytest.mark.parametrize("route_id", ROUTES)
def test_route_answers_each_persona_as_declared(
    security: SecurityApp, route_id: str, record_property: Callable[[str, object], None]
) -> None:
    route = security.route(route_id)
    assert route.rule is not None, f"{route.endpoint} declares no access rule (esof/access.py)"
    world = security.world
    wrong: list[str] = []
    made = security.requests

    def check(persona: str, url: str, wrong_token: bool) -> None:
        status, location, body = security.answer(persona, route.method, url, endpoint=route.endpoint)
        expected = verdict(route, persona, world, status, location, wrong_token=wrong_token, body=body)
        if expected:
            wrong.append(f"{route.method} {url} as {persona}: expected {expected}, got {status} {location}".rstrip())

    if route.method == "GET":
        for persona, url, wrong_token in _requests(route):
            check(persona, url, wrong_token)
    else:
        security.reset()
        try:
            refused = [r for r in _requests(route) if r[2] or not _lets_through(route, r[0], world)]
            before = security.digest()
            for persona, url, wrong_token in refused:
                check(persona, url, wrong_token)
            written = changed_tables(before, security.digest())
            if written:
                wrong.append(f"{route.method} {route.url}: refused requests ({', '.join(p for p, _u, _w in refused)})"
                             f" changed the tables {written}")
            for persona, url, wrong_token in _requests(route):
                if not wrong_token and _lets_through(route, persona, world):
                    security.reset()
                    check(persona, url, wrong_token)
        finally:
            security.reset()
    record_property("requests", security.requests - made)
    assert wrong == [], f"{route.id} ({route.rule.kind.value}" + (
        f" {sorted(route.rule.roles)}" if route.rule.roles else "") + "):\n" + "\n".join(wrong)


def _lets_through(route: Route, persona: str, world: object) -> bool:
    """Allowed, or (a token route) someone else holding the right link: their request may act."""
    if route.rule is not None and route.rule.kind.value == "token" and persona != token_holder(route):
        return True
    return allowed(route, persona, world)  # type: ignore[arg-type]


def test_a_url_argument_without_an_entry_fails_with_its_name() -> None:
    with pytest.raises(MissingArgument, match="'conference_year' of programme.new_route"):
        value_for("programme.new_route", "conference_year")


# Public pages of objects that are not public yet: endpoint → (URL argument, SQL for the object,
# the personas who see it). Everyone else gets 404, as if it did not exist.
PENDING_EVENT = "SELECT min(id) FROM side_event WHERE state = 'submitted' AND organisation_id = (SELECT min(" \
    "organisation_id) FROM partner_membership m JOIN user_account u ON u.id = m.user_id" \
    " WHERE u.email = 'partner2@example.org')"
HIDDEN_OBJECTS: dict[str, tuple[str, str, frozenset[str]]] = {
    # A submitted event of "other partner"'s organisation: theirs and the moderators' to see.
    "side_events.event_detail": ("event_id", PENDING_EVENT, frozenset({"other partner", "organiser", "admin"})),
    "feeds.side_event_ics": ("event_id", PENDING_EVENT, frozenset()),
    "api.side_event_detail": ("event_id", PENDING_EVENT, frozenset()),
}


@pytest.mark.parametrize("endpoint", HIDDEN_OBJECTS)
def test_a_public_page_of_an_object_not_yet_public_is_404_to_others(security: SecurityApp, endpoint: str) -> None:
    argument, sql, viewers = HIDDEN_OBJECTS[endpoint]
    value = db.session.scalar(sa.text(sql))
    db.session.remove()
    assert value is not None, f"the demo has no such object: {sql}"
    with security.app.test_request_context():
        url = url_for(endpoint, **{argument: value})
    answers = {persona: security.request(persona, "GET", url)[0] for persona in PERSONAS}
    expected = {persona: 200 if persona in viewers else 404 for persona in PERSONAS}
    assert answers == expected, url
