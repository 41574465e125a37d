"""What a declared access rule means for one persona's request, in the words of docs/SECURITY.md:
who is let through, and what everyone else must get."""
from __future__ import annotations

import json
from functools import cache
from urllib.parse import urlsplit

from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _

from esof.access import Kind
from tests.conftest import make_app
from tests.demo_world import PERSONA_LOGINS
from tests.security.urls import Route
from tests.security.world import World

PERSONAS = tuple(PERSONA_LOGINS)
LOGIN_PATH = "/account/login"

# Answers that let the persona through on these routes although they are not 2xx/3xx, and why.
ALSO_LET_THROUGH: dict[str, tuple[frozenset[int], str]] = {
    "cfp.review_edit": (frozenset({409}), "the demo's proposals are decided: the page says the review is closed"),
}
# A delegate's own invoice, receipt and credit note: a registered persona with none (a waived
# fee) is told 404; the delegate persona has all three (world._arrange_billing) and must get them.
OWN_DOCUMENTS = frozenset({"registration.invoice_pdf", "registration.receipt_pdf", "registration.credit_note_pdf"})
# Success on these is the log-in page: the persona logged out.
LANDS_ON_LOGIN = frozenset({"accounts.logout", "accounts.logout_everywhere"})
# A persona who may see the proposal (organiser, reviewer) but not change it is sent to its page
# with the reason, not given a 403.
SENT_TO_PROPOSAL_PAGE = frozenset({"cfp.proposal_edit", "cfp.proposal_withdraw", "cfp.speaker_resend"})
# Wrong tokens in links from mails: the page says the link is not valid (400), or 404.
WRONG_TOKEN_ANSWERS = frozenset({400, 404})


def url_map_app() -> Flask:
    """An app for reading the URL map at collection time (no database is opened)."""
    return make_app("sqlite://")


def route_ids(app: Flask, *, methods: frozenset[str] | None = None) -> list[str]:
    """`endpoint METHOD /rule` for every rule × method of the map, as urls.routes names them."""
    found = []
    for url_rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        for method in sorted(url_rule.methods - {"HEAD", "OPTIONS"}):
            if methods is None or method in methods:
                found.append(f"{url_rule.endpoint} {method} {url_rule.rule}")
    return found


def to_log_in(status: int, location: str) -> bool:
    """Sent to the log-in page (or, for JSON, told to authenticate)."""
    return status == 401 or (status in (301, 302, 303, 307) and urlsplit(location).path.startswith(LOGIN_PATH))


def allowed(route: Route, persona: str, world: World) -> bool:
    """Whether the rule lets `persona` use the route with the URL's real ids (or right token)."""
    rule = route.rule
    assert rule is not None, f"{route.endpoint} declares no access rule (esof/access.py)"
    if rule.kind is Kind.PUBLIC:
        return True
    if rule.kind is Kind.TOKEN:
        return persona == token_holder(route)
    if persona == "anonymous":
        return False
    if rule.kind is Kind.LOGIN:
        return True
    if rule.kind is Kind.OWNER:
        # Admins count only where the rule names roles: an owner rule without them is the owner's.
        return persona == route.owner or (bool(rule.roles) and rule.allows_role(world.roles[persona]))
    return rule.allows_role(world.roles[persona])


def token_holder(route: Route) -> str:
    """Who the right token is tried as: the persona it was made for, else (an address with no
    account yet) a visitor who is not logged in."""
    assert route.rule is not None
    return route.owner or "anonymous"


CSRF_MESSAGE = "The form has expired or is missing its security token. Please try again."


@cache
def csrf_messages() -> frozenset[str]:
    """The CSRF refusal's message in English and Dutch (the persona's language decides)."""
    found = set()
    for language in ("en", "nl"):
        with force_locale(language):
            found.add(_(CSRF_MESSAGE))
    return frozenset(found)


def refused_for_csrf(status: int, body: str, messages: frozenset[str]) -> bool:
    if status != 400:
        return False
    if body.lstrip().startswith("{"):
        answer = json.loads(body)
        return answer.get("error") == "CSRFError" and bool(answer.get("reason"))
    return any(message in body for message in messages)


def verdict(route: Route, persona: str, world: World, status: int, location: str, *, wrong_token: bool = False,
            body: str = "") -> str:
    """'' if the answer is the declared one, else what was expected."""
    rule = route.rule
    assert rule is not None
    if status >= 500:
        return "no 5xx"
    if route.method != "GET" and refused_for_csrf(status, body, csrf_messages()):
        return "no CSRF refusal: the request carries the session's valid token"
    if wrong_token:
        if rule.login and persona == "anonymous" and to_log_in(status, location):
            return ""
        return "" if status in WRONG_TOKEN_ANSWERS else "404 (or the invalid-link page, 400) for a wrong token"
    if allowed(route, persona, world):
        if status in ALSO_LET_THROUGH.get(route.endpoint, ((),))[0]:
            return ""
        if (rule.kind is Kind.LOGIN and status == 404 and route.endpoint.startswith("registration.")
                and persona not in world.registered):
            return ""  # the delegate's own pages, for a persona who has not registered: nothing to show
        if route.endpoint in OWN_DOCUMENTS and status == 404 and persona not in world.billed:
            return ""
        if route.endpoint in LANDS_ON_LOGIN and to_log_in(status, location):
            return ""
        if to_log_in(status, location) or status in (401, 403):
            return "let through (not refused, not sent to log in)"
        if route.method == "GET" and not 200 <= status < 400:
            return "2xx or 3xx"
        if route.method != "GET" and status in (404, 405):
            return "let through (no 404/405 with the real ids)"
        return ""
    if persona == "anonymous" and to_log_in(status, location):
        return ""
    if route.endpoint in SENT_TO_PROPOSAL_PAGE and status in (302, 303) and \
            urlsplit(location).path == f"/cfp/proposals/{route.arguments.get('proposal_id')}":
        return ""
    if rule.kind is Kind.ROLE:
        return "" if status == 403 else ("sent to log in" if persona == "anonymous" else "403")
    if rule.kind is Kind.OWNER:
        return "" if status in (403, 404) else "403 or 404 (not the owner)"
    if rule.kind is Kind.TOKEN:
        return ""  # someone else holding the link: the token is the authentication, whoever sends it
    return "sent to log in"
