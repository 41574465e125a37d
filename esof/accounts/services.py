"""Account rules: sign-up, verification, log-in checks and history, password reset, roles,
and what an erasure removes from the audit log."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import parse_many

from esof.accounts.auth import check_password, hash_password, spend_password_check_time
from esof.accounts.models import (
    LOGIN_HISTORY_KEPT,
    AuditLog,
    LoginAttempt,
    Role,
    User,
    UserRole,
    new_login_nonce,
)
from esof.db import utcnow
from esof.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from esof.extensions import db, limiter
from esof.mail.services import queue_mail
from esof.tokens import InvalidToken, make_token, read_token, same_secret
from esof.urls import external_url


class EmailTaken(Conflict):
    default_message = _l("An account with this email address already exists.")


class LoginFailed(DomainError):
    status_code = 401
    default_message = _l("The email address or password is not correct.")


class OwnAdminRole(PermissionDenied):
    default_message = _l("You cannot take away your own admin role. Ask another admin to do it.")


class LastAdmin(Conflict):
    default_message = _l("This is the last admin of the site: make someone else admin first.")


class TokenRejected(DomainError):
    default_message = _l("This link is not valid. Request a new one.")


class TokenExpired(TokenRejected):
    default_message = _l("This link has expired. Request a new one.")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def record_audit(actor: User | None, action: str, target: Any, **detail: Any) -> None:
    db.session.add(
        AuditLog(
            actor_id=actor.id if actor is not None else None,
            action=action,
            target_type=type(target).__name__,
            target_id=getattr(target, "id", None),
            detail=detail,
        )
    )


def check_password_strength(password: str, email: str = "") -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise ValidationFailed(str(_l("Use at least %(n)d characters.", n=minimum)))
    if email and password.lower() == normalise_email(email):
        raise ValidationFailed(str(_l("Do not use your email address as password.")))


def create_user(
    *,
    email: str,
    password: str | None,
    display_name: str = "",
    language: str = "en",
    roles: tuple[Role, ...] = (Role.DELEGATE,),
    verified: bool = False,
) -> User:
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise EmailTaken()
    if password is not None:
        check_password_strength(password, email)
    user = User(
        email=email,
        password_hash=hash_password(password) if password else None,
        display_name=display_name.strip(),
        language=language,
        email_verified_at=utcnow() if verified else None,
    )
    for role in roles:
        user.add_role(role)
    db.session.add(user)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError as exc:  # a concurrent sign-up with the same address
        raise EmailTaken() from exc
    return user


def sign_up(*, email: str, password: str, display_name: str, language: str) -> User | None:
    """Create an account and mail a confirmation link; for a known address, mail its owner.

    Returns the new account, or None when the address already had one. The caller answers
    the same either way and logs nobody in, so the form does not tell who has an account;
    both ways hash the password and render a mail, so the time taken does not tell either.
    """
    email = normalise_email(email)
    check_password_strength(password, email)  # before the look-up: a weak password is refused alike
    may_mail_owner = may_mail_address("sign-up", email)  # counted for any address, so timing tells nothing
    owner = find_user_by_email(email)
    if owner is None:
        try:
            user = create_user(email=email, password=password, display_name=display_name, language=language)
        except EmailTaken:
            # A concurrent sign-up with this address got there first and mails the address itself.
            return None
        send_verification_mail(user)
        return user
    hash_password(password)  # the cost of the new account's hash, thrown away
    if owner.is_active and may_mail_owner:
        mail_sign_up_attempt(owner)
    return None


def may_mail_address(kind: str, email: str) -> bool:
    """Count a mail of this kind to this address; False once RATELIMIT_MAIL_PER_ADDRESS is
    reached. The per-IP limits on the forms do not stop many IPs from flooding one inbox.

    The counters live where the rate limiter keeps its own (Redis when configured), under a
    hash of the address rather than the address itself."""
    if not limiter.enabled:
        return True
    key = hashlib.sha256(email.encode()).hexdigest()[:32]
    limits = parse_many(current_app.config["RATELIMIT_MAIL_PER_ADDRESS"])
    hits = [limiter.limiter.hit(item, "mail-per-address", kind, key) for item in limits]  # every window counts
    return all(hits)


def mail_sign_up_attempt(user: User) -> None:
    """Tell an account's owner that someone signed up with their address, with a way back in."""
    queue_mail(
        to=user.email,
        template="signup_existing_account",
        language=user.language,
        user=user,
        login_link=external_url("accounts.login"),
        reset_link=password_reset_link(user),
        minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
    )


def send_verification_mail(user: User) -> None:
    token = make_token("verify-email", {"id": user.id, "email": user.email})
    queue_mail(
        to=user.email,
        template="verify_email",
        language=user.language,
        user=user,
        link=external_url("accounts.verify_email", token=token),
        hours=current_app.config["EMAIL_VERIFY_MAX_AGE"] // 3600,
    )


def verify_email(token: str) -> User:
    try:
        payload = read_token("verify-email", token, current_app.config["EMAIL_VERIFY_MAX_AGE"])
    except InvalidToken as exc:
        raise (TokenExpired() if exc.expired else TokenRejected()) from exc
    user = db.session.get(User, payload.get("id")) if isinstance(payload, dict) else None
    # A changed address makes old links worthless.
    if user is None or not same_secret(payload.get("email"), user.email) or not user.is_active:
        raise TokenRejected()
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


def authenticate(*, email: str, password: str, ip_address: str = "", user_agent: str = "") -> User:
    """The account for this address and password, or LoginFailed.

    Every attempt on an existing account goes into its log-in history, failed ones too: the
    caller commits after a refusal as well (the history is the one thing a refusal writes)."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        spend_password_check_time(password)
        raise LoginFailed()
    if not check_password(user, password):
        record_login_attempt(user=user, succeeded=False, ip_address=ip_address, user_agent=user_agent)
        raise LoginFailed()
    user.last_login_at = utcnow()
    record_login_attempt(user=user, succeeded=True, ip_address=ip_address, user_agent=user_agent)
    return user


def record_login_attempt(*, user: User, succeeded: bool, ip_address: str, user_agent: str) -> None:
    """Add one attempt and drop the person's attempts beyond the last LOGIN_HISTORY_KEPT, so
    the table stays bounded however often someone guesses at an account."""
    db.session.add(
        LoginAttempt(
            user_id=user.id, succeeded=succeeded, ip_address=(ip_address or "")[:45],
            user_agent=(user_agent or "")[:300], attempted_at=utcnow(),
        )
    )
    db.session.flush()
    kept = (
        sa.select(LoginAttempt.id).where(LoginAttempt.user_id == user.id)
        .order_by(LoginAttempt.id.desc()).limit(LOGIN_HISTORY_KEPT)
    )
    db.session.execute(
        sa.delete(LoginAttempt)
        .where(LoginAttempt.user_id == user.id, LoginAttempt.id.not_in(kept.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )


def login_history(user: User, *, limit: int = LOGIN_HISTORY_KEPT) -> list[LoginAttempt]:
    return list(
        db.session.scalars(
            sa.select(LoginAttempt).where(LoginAttempt.user_id == user.id)
            .order_by(LoginAttempt.id.desc()).limit(limit)
        )
    )


def request_password_reset(*, email: str) -> None:
    """Mail a reset link if the account exists; the caller says the same thing either way."""
    may_mail = may_mail_address("password-reset", normalise_email(email))
    user = find_user_by_email(email)
    if user is None or not user.is_active or not may_mail:
        return
    queue_mail(
        to=user.email,
        template="reset_password",
        language=user.language,
        user=user,
        link=password_reset_link(user),
        minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
    )


def password_reset_link(user: User) -> str:
    """A new link, which voids the user's older ones: the reset nonce in it is new. The
    login nonce in it makes it void after a reset or a log-out everywhere as well."""
    user.password_reset_nonce = new_login_nonce()
    token = make_token(
        "reset-password", {"id": user.id, "nonce": user.login_nonce, "reset": user.password_reset_nonce}
    )
    return external_url("accounts.reset_password", token=token)


def user_for_reset_token(token: str) -> User:
    try:
        payload = read_token("reset-password", token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    except InvalidToken as exc:
        raise (TokenExpired() if exc.expired else TokenRejected()) from exc
    user = db.session.get(User, payload.get("id")) if isinstance(payload, dict) else None
    # The login nonce changes with every reset, so a link works once; the reset nonce with
    # every new link and every password change, so only the newest link works.
    if (
        user is None
        or not user.is_active
        or not same_secret(payload.get("nonce"), user.login_nonce)
        or not same_secret(payload.get("reset"), user.password_reset_nonce)
    ):
        raise TokenRejected()
    return user


def reset_password(*, token: str, password: str) -> User:
    user = user_for_reset_token(token)
    check_password_strength(password, user.email)
    user.password_hash = hash_password(password)
    user.login_nonce = new_login_nonce()  # ends every other session of this user
    user.password_reset_nonce = new_login_nonce()  # and voids every reset link still in a mailbox
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()  # the link proved the address
    record_audit(user, "password-reset", user)
    return user


@dataclass(frozen=True)
class RoleChange:
    user: User
    added: bool


def grant_role(*, user: User, role: Role, actor: User | None) -> RoleChange:
    if role in user.roles:
        return RoleChange(user, added=False)
    user.add_role(role)
    record_audit(actor, "grant-role", user, role=role.value)
    return RoleChange(user, added=True)


def revoke_role(*, user: User, role: Role, actor: User | None) -> bool:
    """Take a role away; False when the user did not hold it. An admin keeps their own admin
    role (another admin must take it), and the site keeps at least one admin.

    The admins' role rows are locked before they are counted, so two admins revoking each
    other at the same moment cannot leave the site without one (PostgreSQL waits on the lock;
    SQLite refuses the second writer, whose snapshot is stale, as busy)."""
    if role not in user.roles:
        return False
    if role is Role.ADMIN:
        if actor is not None and actor.id == user.id:
            raise OwnAdminRole()
        admins = db.session.scalars(
            sa.select(UserRole.user_id).where(UserRole.role == Role.ADMIN)
            .order_by(UserRole.user_id).with_for_update()
        ).all()
        if not set(admins) - {user.id}:
            raise LastAdmin()
    user.role_rows[:] = [row for row in user.role_rows if row.role is not role]
    record_audit(actor, "revoke-role", user, role=role.value)
    db.session.flush()
    return True


def admin_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(UserRole.role == Role.ADMIN)) or 0


def set_language(user: User, language: str) -> None:
    if language in current_app.config["LANGUAGES"]:
        user.language = language


def update_profile(*, user: User, display_name: str, language: str) -> User:
    name = display_name.strip()
    if not name:
        raise ValidationFailed(str(_l("Give your name.")))
    if language not in current_app.config["LANGUAGES"]:
        raise ValidationFailed(str(_l("Choose English or Dutch.")))
    user.display_name = name
    user.language = language
    return user


def log_out_everywhere(*, user: User, actor: User | None = None) -> User:
    """End every session of the user, remembered ones on other devices included: both carry
    the login nonce in the user id they store (User.get_id), and load_user refuses an old one.

    `actor` is the admin who did it for the user; by default the user themselves."""
    user.login_nonce = new_login_nonce()
    record_audit(actor if actor is not None else user, "log-out-everywhere", user)
    return user


ERASED = "[erased]"


def forget_user_in_audit_log(*, user: User, names: tuple[str, ...] = ()) -> int:
    """For an erasure: the audit rows stay (who did what, when), the person's data in them
    goes. Every address and name of the user found in a row's detail becomes ERASED; their
    log-in history (addresses, browsers) is deleted. Called before the account's own email
    and name are overwritten. Returns the number of audit rows changed."""
    email = normalise_email(user.email)
    wanted_names = {n.strip().casefold() for n in (user.display_name, *names) if n and n.strip()}
    db.session.execute(
        sa.delete(LoginAttempt).where(LoginAttempt.user_id == user.id).execution_options(synchronize_session=False)
    )
    # The detail is JSON text in both databases, written with non-ASCII letters escaped, so
    # the texts are searched for in that form; rows about the user or by them are read anyway.
    detail_text = sa.func.lower(sa.cast(AuditLog.detail, sa.Text))
    candidates = {json.dumps(text)[1:-1].lower() for text in (email, *wanted_names)}
    rows = db.session.scalars(
        sa.select(AuditLog).where(
            sa.or_(
                AuditLog.actor_id == user.id,
                sa.and_(AuditLog.target_type == "User", AuditLog.target_id == user.id),
                *(detail_text.contains(text, autoescape=True) for text in sorted(candidates)),
            )
        )
    ).all()
    changed = 0
    for row in rows:
        scrubbed = _scrubbed(row.detail, email, wanted_names)
        if scrubbed != row.detail:
            row.detail = scrubbed
            changed += 1
    return changed


def _scrubbed(value: Any, email: str, names: set[str]) -> Any:
    if isinstance(value, dict):
        return {key: _scrubbed(item, email, names) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrubbed(item, email, names) for item in value]
    if isinstance(value, str):
        folded = value.strip().casefold()
        # An address anywhere in the text; a name only as the whole value (a short name like
        # "Ada" inside a sentence is more likely someone else's word than this person).
        if email in folded or folded in names:
            return ERASED
    return value
