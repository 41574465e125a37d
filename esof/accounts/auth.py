"""Password hashing, the user loader and the one decorator for role checks."""
from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy.orm import joinedload

from esof import access
from esof.accounts.models import Role, User
from esof.extensions import db, login_manager
from esof.tokens import same_secret

F = TypeVar("F", bound=Callable[..., Any])


def password_hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=current_app.config["PASSWORD_HASH_TIME_COST"],
        memory_cost=current_app.config["PASSWORD_HASH_MEMORY_COST"],
    )


def hash_password(password: str) -> str:
    return password_hasher().hash(password)


def check_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    hasher = password_hasher()
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


# A hash of a random password: checking against it when no account exists costs the same
# time as a real check, so the log-in form does not reveal which addresses are registered.
_DUMMY_HASH: dict[tuple[int, int], str] = {}


def spend_password_check_time(password: str) -> None:
    hasher = password_hasher()
    key = (hasher.time_cost, hasher.memory_cost)
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hasher.hash("no such account, no such password")
    with contextlib.suppress(VerificationError):
        hasher.verify(_DUMMY_HASH[key], password)


# Built once: SQLAlchemy memoises a statement's cache key on the object, so reusing it spares
# every request the building and the key (a sixth of a booking's time went into this load).
# Roles come in the same query: this runs on every request of a logged-in user.
_USER_WITH_ROLES = (
    sa.select(User).options(joinedload(User.role_rows)).where(User.id == sa.bindparam("user_id"))
)


def load_user(session_id: str) -> User | None:
    user_id, _, nonce = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.execute(_USER_WITH_ROLES, {"user_id": int(user_id)}).unique().scalar_one_or_none()
    if user is None or not same_secret(nonce, user.login_nonce) or not user.is_active:
        return None
    return user


def is_safe_redirect(target: str | None) -> bool:
    r"""True for a path on this site. Refuses other hosts, also the tricks browsers accept:
    '//evil.example', '/\evil.example' (a backslash counts as a slash) and control characters
    (browsers drop tabs and newlines, so '/\t/evil.example' becomes '//evil.example')."""
    if not target or not target.startswith("/") or "\\" in target:
        return False
    if any(ord(char) < 32 or ord(char) == 127 for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and not target.startswith("//")


# What a browser keeps of its session across a log-in: only the language it chose.
SESSION_KEPT_AT_LOGIN = ("lang",)


def start_session(user: User, *, remember: bool = False) -> None:
    """Log the user in on a new session: everything the browser's session held before (the
    CSRF token, the sign-up digest, anything planted by whoever set the cookie) is dropped,
    so a cookie fixed in the browser before log-in is not the one after, and a pre-login
    CSRF token someone else saw stops working. The language choice survives."""
    kept = {key: session[key] for key in SESSION_KEPT_AT_LOGIN if key in session}
    session.clear()
    session.update(kept)
    login_user(user, remember=remember)


# Where staff land after log-in when no page was asked for; the first role held wins.
LANDING_BY_ROLE: tuple[tuple[Role, str], ...] = (
    (Role.ADMIN, "organiser.home"),
    (Role.ORGANISER, "organiser.home"),
    (Role.CHECKIN, "checkin.checkin_index"),
    (Role.PARTNER, "side_events.events_mine"),
)


def landing_page(user: User) -> str:
    """The tool a user works with: the organiser pages, the door, the partner's events; for
    everyone else (delegates, speakers, reviewers) their account page."""
    roles = user.roles
    for role, endpoint in LANDING_BY_ROLE:
        if role in roles:
            return url_for(endpoint)
    return url_for("accounts.account_detail")


def handle_unauthorized() -> ResponseReturnValue:
    """Flask-Login's answer for anonymous visitors of protected pages, in their language."""
    flash(_("Please log in to see this page."), "info")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("accounts.login", next=target if is_safe_redirect(target) else None))


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Let in users holding any of the roles (admins always); anonymous visitors are sent
    to the log-in page, other users get 403. Used on a view it also declares the view's
    access rule; used on a blueprint's before_request hook, declare it with
    access.declare_blueprint."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        # The rule is recorded on the view too, for the access matrix (esof/access.py),
        # unless the view declared a narrower one itself (an owner rule that roles widen).
        if access.rule_of(wrapped) is None:
            access.declare(access.roles(*roles))(wrapped)
        return wrapped  # type: ignore[return-value]

    return decorator
