"""Who may use each route, declared next to its view.

Every endpoint of the URL map carries one `Rule` (tests/security/test_access_matrix.py walks the
map, fails on an endpoint without one, and requests each endpoint as every persona to check that
the answer is the declared one; tests/security/test_declarations.py runs `undeclared_endpoints`
and `rule_problems` on the app, and checks every CSRF exemption against its declared reason).
The decorators only record the rule; the view keeps enforcing
it as before (`flask_login.login_required`, `esof.accounts.auth.roles_required`, an ownership
query that answers 404), so the declaration is a claim the matrix test proves, not a second
guard that could hide a missing first one.

    @bp.get("/registration/<int:registration_id>")
    @login_required
    @access.owner("registration", check="Registration.user_id is the current user, else 404")
    def registration_detail(registration_id: int): ...

A blueprint whose every page is guarded by one before_request hook declares that once with
`declare_blueprint(bp, rule)` (a view's own declaration wins).

Role names are plain strings here (this is a rank-0 module: it cannot know accounts' `Role`);
`roles_required` records its rule itself, so a role-guarded view needs nothing more.
"""
from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint

F = TypeVar("F", bound=Callable[..., Any])

ATTRIBUTE = "esof_access_rule"


class Kind(enum.StrEnum):
    PUBLIC = "public"  # anyone, logged in or not
    LOGIN = "login"  # any logged-in user, on their own data only (no id in the URL names another's)
    ROLE = "role"  # users holding one of `roles` (admins always)
    OWNER = "owner"  # the owner of the object named in the URL (and `roles`, if any)
    TOKEN = "token"  # whoever holds the secret token in the URL (`login`: and is logged in)


@dataclass(frozen=True)
class Rule:
    kind: Kind
    roles: frozenset[str] = frozenset()
    # OWNER: what is owned ("registration", "proposal", "side event" ...); TOKEN: which token.
    subject: str = ""
    # How ownership or the token is checked, in words (docs/SECURITY.md quotes these).
    check: str = ""
    # TOKEN routes that also want a logged-in user.
    login: bool = False
    # Why a state-changing route is exempt from CSRF (its own authentication), or "".
    csrf_exempt: str = ""

    def allows_role(self, held: Iterable[str]) -> bool:
        held = set(held)
        return "admin" in held or bool(self.roles & held)


def declare(rule: Rule) -> Callable[[F], F]:
    """Record `rule` on the view and hand the view back unchanged. functools.wraps copies the
    attribute onto wrappers, so the decorator may sit above or below the others."""

    def decorator(view: F) -> F:
        setattr(view, ATTRIBUTE, rule)
        return view

    return decorator


def public(view: F) -> F:
    return declare(Rule(Kind.PUBLIC))(view)


def login(view: F) -> F:
    return declare(Rule(Kind.LOGIN))(view)


def roles(*names: str) -> Rule:
    return Rule(Kind.ROLE, roles=frozenset(str(name) for name in names))


def owner(subject: str, *, check: str, also: Iterable[str] = ()) -> Callable[[F], F]:
    """The owner of `subject` (and holders of the roles in `also`); anyone else 403 or 404."""
    return declare(Rule(Kind.OWNER, roles=frozenset(str(name) for name in also), subject=subject, check=check))


def token(subject: str, *, check: str, login: bool = False) -> Callable[[F], F]:
    return declare(Rule(Kind.TOKEN, subject=subject, check=check, login=login))


def csrf_exempt(reason: str) -> Callable[[F], F]:
    """Add the reason a route is exempt from CSRF to the rule already declared below it."""

    def decorator(view: F) -> F:
        rule = rule_of(view)
        if rule is None:
            raise TypeError(f"declare the access rule of {view.__name__} before its CSRF exemption")
        setattr(view, ATTRIBUTE, Rule(rule.kind, rule.roles, rule.subject, rule.check, rule.login, reason))
        return view

    return decorator


def declare_blueprint(bp: Blueprint, rule: Rule) -> None:
    setattr(bp, ATTRIBUTE, rule)


def rule_of(view: Callable[..., Any], blueprint: Blueprint | None = None) -> Rule | None:
    """The view's declaration, else its blueprint's, else None."""
    found = getattr(view, ATTRIBUTE, None)
    if found is None and blueprint is not None:
        found = getattr(blueprint, ATTRIBUTE, None)
    return found


# Endpoints that no view of ours defines: Flask's own static files.
BUILT_IN_RULES: dict[str, Rule] = {"static": Rule(Kind.PUBLIC)}


def rules_by_endpoint(app: Any) -> dict[str, Rule | None]:
    """Every endpoint of `app` and its declared rule (None: undeclared, which the suite refuses)."""
    found: dict[str, Rule | None] = {}
    for endpoint, view in app.view_functions.items():
        blueprint = app.blueprints.get(endpoint.rpartition(".")[0]) if "." in endpoint else None
        found[endpoint] = rule_of(view, blueprint) or BUILT_IN_RULES.get(endpoint)
    return dict(sorted(found.items()))


def undeclared_endpoints(app: Any) -> list[str]:
    """The endpoints of `app` that declare no rule: the suite refuses any (tests/security)."""
    return [endpoint for endpoint, rule in rules_by_endpoint(app).items() if rule is None]


def rule_problems(app: Any, known_roles: Iterable[str]) -> list[str]:
    """What makes a declared rule meaningless: an owner or token rule that does not say how it
    checks, a role rule without roles or with a role the product does not have, a flag that
    only another kind uses."""
    known = {str(name) for name in known_roles}
    problems: list[str] = []
    for endpoint, rule in rules_by_endpoint(app).items():
        if rule is None:
            continue
        unknown = sorted(rule.roles - known)
        if unknown:
            problems.append(f"{endpoint}: unknown roles {unknown}")
        if rule.kind in (Kind.OWNER, Kind.TOKEN) and not (rule.subject.strip() and rule.check.strip()):
            problems.append(f"{endpoint}: a {rule.kind} rule names what it checks and how")
        if rule.kind is Kind.ROLE and not rule.roles:
            problems.append(f"{endpoint}: a role rule without roles")
        if rule.kind in (Kind.PUBLIC, Kind.LOGIN) and (rule.roles or rule.subject or rule.check):
            problems.append(f"{endpoint}: a {rule.kind} rule with roles, subject or check")
        if rule.login and rule.kind is not Kind.TOKEN:
            problems.append(f"{endpoint}: login=True is for token rules")
    return problems
