"""Every endpoint declares who may use it (esof/access.py), and the declarations are sane.

The checks are functions called on an app, so the same check that passes on the product fails
on an app to which a test adds a route without a declaration, or a CSRF exemption without a
reason. The access matrix (test_access_matrix.py) then proves each declared answer.
"""
from __future__ import annotations

from collections import Counter

import pytest
from flask import Blueprint, Flask
from flask_wtf.csrf import CSRFError
from werkzeug.routing import AnyConverter, BaseConverter

from esof import access
from esof.accounts.models import Role
from esof.extensions import csrf

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def sample_value(converter: BaseConverter) -> object:
    """A value the converter builds a path with (the route's answer does not matter here)."""
    return sorted(converter.items)[0] if isinstance(converter, AnyConverter) else 1


def unsafe_endpoints(app: Flask) -> dict[str, str]:
    """Each endpoint that accepts a state-changing method, with a path that reaches it."""
    adapter = app.url_map.bind("esof.test")
    found: dict[str, str] = {}
    for url_rule in app.url_map.iter_rules():
        methods = (url_rule.methods or set()) - SAFE_METHODS
        if methods and url_rule.endpoint not in found:
            method = sorted(methods)[0]
            values = {name: sample_value(converter) for name, converter in url_rule._converters.items()}
            path = adapter.build(url_rule.endpoint, values, method=method)
            found[url_rule.endpoint] = path
    return found


def csrf_refuses(app: Flask, path: str) -> bool:
    """Whether the app's CSRF guard refuses a POST to `path` without a token."""
    with app.test_request_context(path, method="POST"):
        try:
            csrf.protect(apply_exemptions=True)
        except CSRFError:
            return True
    return False


def csrf_problems(app: Flask) -> list[str]:
    """A state-changing route exempt from CSRF must say why; a declared exemption must be real."""
    rules = access.rules_by_endpoint(app)
    problems = []
    for endpoint, path in sorted(unsafe_endpoints(app).items()):
        rule = rules.get(endpoint)
        declared = bool(rule and rule.csrf_exempt.strip())
        refused = csrf_refuses(app, path)
        if not refused and not declared:
            problems.append(f"{endpoint}: exempt from CSRF without a declared reason")
        if refused and declared:
            problems.append(f"{endpoint}: declares a CSRF exemption it does not have")
    for endpoint, rule in rules.items():
        if rule is not None and rule.csrf_exempt and endpoint not in unsafe_endpoints(app):
            problems.append(f"{endpoint}: declares a CSRF exemption but changes nothing (no POST)")
    return problems


# ---------------------------------------------------------------------------------- the product


def test_every_endpoint_declares_its_rule(app: Flask) -> None:
    rules = access.rules_by_endpoint(app)
    assert access.undeclared_endpoints(app) == []
    assert len(rules) == len(app.view_functions)
    assert len(rules) > 150  # the whole product, not an empty app


def test_rules_by_kind_are_the_ones_docs_security_summarises(app: Flask) -> None:
    counts = Counter(str(rule.kind) for rule in access.rules_by_endpoint(app).values() if rule)
    # Every kind is in use; a change here is a change to docs/SECURITY.md's summary too.
    assert set(counts) == {kind.value for kind in access.Kind}
    assert sum(counts.values()) == len(app.view_functions)


def test_declared_rules_are_sane(app: Flask) -> None:
    assert access.rule_problems(app, [role.value for role in Role]) == []


def test_csrf_exemptions_are_declared_and_real(app: Flask) -> None:
    assert csrf_problems(app) == []
    exempt = {endpoint for endpoint, rule in access.rules_by_endpoint(app).items() if rule and rule.csrf_exempt}
    assert exempt == {"announcements.unsubscribe"}  # RFC 8058 one-click unsubscribe, and nothing else


def test_unsafe_routes_without_exemption_are_refused_without_a_token(app: Flask) -> None:
    paths = unsafe_endpoints(app)
    assert len(paths) > 60
    assert csrf_refuses(app, paths["registration.registration_cancel"]) is True
    assert csrf_refuses(app, paths["announcements.unsubscribe"]) is False


# ---------------------------------------------------------------- the same checks catch mistakes


def test_a_new_route_without_a_declaration_fails_the_check(app: Flask) -> None:
    app.add_url_rule("/probe/undeclared", "probe_undeclared", lambda: "hello")

    @access.public
    def probe_declared() -> str:
        return "hello"

    app.add_url_rule("/probe/declared", "probe_declared", probe_declared)
    probe = Blueprint("probe", __name__)
    probe.add_url_rule("/probe/in-blueprint", "page", lambda: "hello")
    app.register_blueprint(probe)

    assert access.undeclared_endpoints(app) == ["probe.page", "probe_undeclared"]
    assert access.rules_by_endpoint(app)["probe_declared"] == access.Rule(access.Kind.PUBLIC)


def test_a_blueprint_declaration_covers_its_routes_and_a_view_declaration_wins(app: Flask) -> None:
    probe = Blueprint("probe", __name__)
    access.declare_blueprint(probe, access.roles("organiser"))
    probe.add_url_rule("/probe/organisers", "page", lambda: "hello")
    probe.add_url_rule("/probe/open", "open_page", access.public(lambda: "hello"))
    app.register_blueprint(probe)

    rules = access.rules_by_endpoint(app)
    assert rules["probe.page"] == access.roles("organiser")
    assert rules["probe.open_page"] == access.Rule(access.Kind.PUBLIC)
    assert access.undeclared_endpoints(app) == []


def test_a_csrf_exempt_route_without_a_reason_fails_the_check(app: Flask) -> None:
    @access.login
    def probe_hook() -> str:
        return "ok"

    app.add_url_rule("/probe/hook", "probe_hook", probe_hook, methods=["POST"])
    csrf.exempt(probe_hook)
    try:
        assert csrf_problems(app) == ["probe_hook: exempt from CSRF without a declared reason"]
    finally:
        csrf._exempt_views.discard(f"{probe_hook.__module__}.{probe_hook.__name__}")
    assert csrf_problems(app) == []


def test_a_declared_exemption_that_is_not_real_fails_the_check(app: Flask) -> None:
    @access.csrf_exempt("a webhook signed by its sender")
    @access.public
    def probe_webhook() -> str:
        return "ok"

    app.add_url_rule("/probe/webhook", "probe_webhook", probe_webhook, methods=["POST"])
    assert csrf_problems(app) == ["probe_webhook: declares a CSRF exemption it does not have"]


def test_an_exemption_on_a_read_only_route_fails_the_check(app: Flask) -> None:
    @access.csrf_exempt("nothing to protect")
    @access.public
    def probe_page() -> str:
        return "ok"

    app.add_url_rule("/probe/page", "probe_page", probe_page)
    assert csrf_problems(app) == ["probe_page: declares a CSRF exemption but changes nothing (no POST)"]


def test_a_new_post_route_in_the_read_only_api_needs_a_reason(app: Flask) -> None:
    """The API blueprint is exempt as a whole (it only reads): a route that writes would be too."""
    api = app.blueprints["api"]
    assert csrf_refuses(app, "/api/v1/sessions") is False  # a GET: nothing to refuse anyway
    app.add_url_rule("/api/v1/probe", "api.probe", access.public(lambda: "ok"), methods=["POST"])
    assert app.blueprints["api"] is api
    assert csrf_problems(app) == ["api.probe: exempt from CSRF without a declared reason"]


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        (access.Rule(access.Kind.OWNER, subject="registration"), "a owner rule names what it checks and how"),
        (access.Rule(access.Kind.TOKEN, subject="agenda feed", check=" "), "a token rule names what it checks and how"),
        (access.Rule(access.Kind.ROLE), "a role rule without roles"),
        (access.roles("organizer"), "unknown roles ['organizer']"),
        (access.Rule(access.Kind.OWNER, roles=frozenset({"reviewers"}), subject="proposal", check="its submitter"),
         "unknown roles ['reviewers']"),
        (access.Rule(access.Kind.PUBLIC, roles=frozenset({"admin"})), "a public rule with roles, subject or check"),
        (access.Rule(access.Kind.LOGIN, login=True), "login=True is for token rules"),
    ],
)
def test_a_meaningless_rule_fails_the_sanity_check(app: Flask, rule: access.Rule, problem: str) -> None:
    app.add_url_rule("/probe/rule", "probe_rule", access.declare(rule)(lambda: "ok"))
    assert access.rule_problems(app, [role.value for role in Role]) == [f"probe_rule: {problem}"]


def test_roles_required_records_its_rule(app: Flask) -> None:
    rules = access.rules_by_endpoint(app)
    assert rules["admin.user_list"] == access.roles("admin")
    assert rules["checkin.checkin_index"] == access.roles("checkin", "organiser")
