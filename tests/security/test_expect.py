"""The access matrix's reading of a declared rule (tests/security/expect.py), table-driven: the
answers it must refuse to take as right, so that a view open to the wrong persona fails."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from esof import access
from esof.access import Kind, Rule
from tests.security.expect import verdict
from tests.security.urls import Route
from tests.security.world import World

WORLD = World(
    database=Path("unused"), user_ids={}, registered=frozenset({"delegate", "other delegate"}),
    billed=frozenset({"delegate"}),
    roles={"delegate": frozenset({"delegate"}), "other delegate": frozenset({"delegate"}),
           "partner": frozenset({"partner"}), "other partner": frozenset({"partner"}),
           "organiser": frozenset({"organiser"}), "admin": frozenset({"admin"})},
    cookies={}, csrf={}, tokens={},
)
OWNED = Rule(Kind.OWNER, subject="registration")
PARTNERS_EVENT = Rule(Kind.OWNER, roles=frozenset({"organiser"}), subject="side event")


def route(rule: Rule, *, method: str = "GET", owner: str | None = "delegate", endpoint: str = "area.page") -> Route:
    return Route(endpoint, method, "/page/<int:id>", "/page/1", owner, rule, "/page/wrong")


CASES = [
    # (rule, owner, persona, status, location, expected to pass)
    (access.roles("organiser"), None, "delegate", 200, "", False),
    (access.roles("organiser"), None, "delegate", 403, "", True),
    (access.roles("organiser"), None, "delegate", 404, "", False),
    (access.roles("organiser"), None, "admin", 200, "", True),
    (access.roles("organiser"), None, "organiser", 403, "", False),
    (access.roles("organiser"), None, "anonymous", 302, "/account/login?next=/page/1", True),
    (access.roles("organiser"), None, "anonymous", 200, "", False),
    (OWNED, "delegate", "delegate", 200, "", True),
    (OWNED, "delegate", "other delegate", 200, "", False),
    (OWNED, "delegate", "other delegate", 404, "", True),
    (OWNED, "delegate", "admin", 404, "", True),  # no roles in the rule: the owner's alone
    (OWNED, "delegate", "admin", 200, "", False),
    (PARTNERS_EVENT, "partner", "other partner", 200, "", False),
    (PARTNERS_EVENT, "partner", "other partner", 403, "", True),
    (PARTNERS_EVENT, "partner", "organiser", 200, "", True),
    (PARTNERS_EVENT, "partner", "organiser", 404, "", False),
    (Rule(Kind.PUBLIC), None, "anonymous", 302, "/account/login", False),
    (Rule(Kind.PUBLIC), None, "delegate", 500, "", False),
    (Rule(Kind.LOGIN), None, "anonymous", 302, "/account/login", True),
    (Rule(Kind.LOGIN), None, "anonymous", 200, "", False),
    (Rule(Kind.LOGIN), None, "partner", 403, "", False),
]


@pytest.mark.parametrize(("rule", "owner", "persona", "status", "location", "passes"), CASES)
def test_verdict_takes_only_the_declared_answer(
    rule: Rule, owner: str | None, persona: str, status: int, location: str, passes: bool
) -> None:
    found = verdict(route(rule, owner=owner), persona, WORLD, status, location)
    assert (found == "") is passes, found


@pytest.mark.parametrize(("persona", "status", "passes"), [
    ("delegate", 200, True), ("delegate", 404, False),  # billed: the document must be there
    ("other delegate", 404, True), ("other delegate", 200, True), ("other delegate", 403, False),
])
def test_own_documents_may_be_missing_only_for_a_persona_without_them(persona: str, status: int, passes: bool) -> None:
    document = route(Rule(Kind.LOGIN), owner=None, endpoint="registration.invoice_pdf")
    found = verdict(document, persona, WORLD, status, "")
    assert (found == "") is passes, found


def test_a_wrong_token_that_works_fails() -> None:
    rule = Rule(Kind.TOKEN, subject="reset link")
    assert verdict(route(rule, owner="delegate"), "delegate", WORLD, 200, "", wrong_token=True) != ""
    assert verdict(route(rule, owner="delegate"), "delegate", WORLD, 404, "", wrong_token=True) == ""
    assert verdict(route(rule, owner="delegate"), "delegate", WORLD, 403, "") != ""  # the right token refused


def test_an_allowed_post_refused_for_its_csrf_token_fails(app: Flask) -> None:
    body = "<p>The form has expired or is missing its security token. Please try again.</p>"
    assert verdict(route(Rule(Kind.LOGIN), method="POST"), "delegate", WORLD, 400, "", body=body) != ""
    assert verdict(route(Rule(Kind.LOGIN), method="POST"), "delegate", WORLD, 400, "", body="<p>Fix the form</p>") == ""
