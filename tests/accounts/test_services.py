"""Account rules without HTTP: sign-up, verification, log-in checks, reset, roles, profile."""
from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from flask import Flask

from esof.accounts import services
from esof.accounts.auth import check_password, is_safe_redirect
from esof.accounts.models import AuditLog, Role, User
from esof.errors import ValidationFailed
from esof.extensions import db
from esof.tokens import make_token
from tests.accounts.factories import clock_shifted, link_in, outbox, with_altered_signature
from tests.factories import UserFactory
from tests.support import DEMO_PASSWORD

PASSWORD = "a long enough secret"


def users_with_email(email: str) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(sa.func.lower(User.email) == email.lower())))


def token_from_link(path: str) -> str:
    return path.rsplit("/", 1)[1]


# --- sign-up -------------------------------------------------------------------------------


def test_sign_up_creates_unverified_delegate_with_argon2id_hash(app: Flask) -> None:
    user = services.sign_up(
        email="  Ada.Lovelace@Example.ORG ", password=PASSWORD, display_name=" Ada ", language="nl"
    )
    db.session.commit()

    stored = db.session.get(User, user.id)
    assert stored.email == "ada.lovelace@example.org"
    assert stored.display_name == "Ada"
    assert stored.language == "nl"
    assert stored.roles == {Role.DELEGATE}
    assert stored.email_verified_at is None
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    assert check_password(stored, PASSWORD) is True
    assert check_password(stored, PASSWORD + "x") is False


def test_sign_up_queues_verification_mail_with_link(app: Flask) -> None:
    user = services.sign_up(email="ada@example.org", password=PASSWORD, display_name="Ada", language="en")
    db.session.commit()

    [message] = outbox()
    assert message.to_address == "ada@example.org"
    assert message.subject == "Confirm your email address for ESOF 2022"
    assert message.sent_at is None
    path = link_in(message)
    assert path.startswith("/account/verify/")
    assert services.verify_email(token_from_link(path)) is user


def test_sign_up_mail_is_in_the_users_language(app: Flask) -> None:
    services.sign_up(email="piet@example.org", password=PASSWORD, display_name="Piet", language="nl")

    [message] = outbox()
    assert message.language == "nl"


def test_sign_up_known_address_in_other_case_creates_nothing_and_mails_the_owner(app: Flask) -> None:
    first = UserFactory(email="ada@example.org", display_name="First Ada")
    db.session.commit()

    outcome = services.sign_up(email="ADA@Example.org", password=PASSWORD, display_name="Other", language="nl")
    db.session.commit()

    assert outcome is None
    assert [(u.id, u.display_name) for u in users_with_email("ada@example.org")] == [(first.id, "First Ada")]
    assert check_password(first, PASSWORD) is False
    [message] = outbox()
    assert (message.to_address, message.language, message.subject) == (
        "ada@example.org", "en", "Someone tried to create an ESOF 2022 account with your address",
    )
    assert services.user_for_reset_token(token_from_link(link_in(message))) is first


def test_sign_up_takes_as_long_for_a_known_address_as_for_a_new_one(app: Flask) -> None:
    """The time of the answer must not tell a known address either: both hash the password."""
    app.config.update(PASSWORD_HASH_TIME_COST=3, PASSWORD_HASH_MEMORY_COST=65536)  # production cost
    UserFactory(email="ada@example.org")
    db.session.commit()

    def seconds(email: str) -> float:
        started = time.perf_counter()
        services.sign_up(email=email, password=PASSWORD, display_name="Someone", language="en")
        elapsed = time.perf_counter() - started
        db.session.rollback()
        return elapsed

    known = min(seconds("ada@example.org") for _ in range(3))
    new = min(seconds(f"new{n}@example.org") for n in range(3))

    # Without the hash a known address answered in a few ms against ~50+ ms for a new one.
    assert known > 0.6 * new, (known, new)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "Use at least 10 characters."),
        ("ada@example.org", "Do not use your email address as password."),
        ("ADA@EXAMPLE.ORG", "Do not use your email address as password."),
    ],
)
def test_sign_up_weak_password_is_refused(app: Flask, password: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.sign_up(email="ada@example.org", password=password, display_name="Ada", language="en")

    assert caught.value.message == message
    db.session.rollback()
    assert users_with_email("ada@example.org") == []


def test_sign_up_weak_password_is_refused_for_a_known_address_too(app: Flask) -> None:
    UserFactory(email="ada@example.org")
    db.session.commit()

    with pytest.raises(ValidationFailed) as caught:
        services.sign_up(email="ada@example.org", password="short", display_name="Ada", language="en")

    assert caught.value.message == "Use at least 10 characters."
    assert outbox() == []


# --- email verification ----------------------------------------------------------------------


def test_verify_email_with_valid_token_marks_address_verified(app: Flask) -> None:
    user = UserFactory(email="ada@example.org", email_verified_at=None)
    token = make_token("verify-email", {"id": user.id, "email": user.email})

    assert services.verify_email(token) is user
    assert user.email_verified_at is not None


def test_verify_email_token_just_inside_max_age_works(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    user = UserFactory(email_verified_at=None)
    token = make_token("verify-email", {"id": user.id, "email": user.email})

    with clock_shifted(monkeypatch, app.config["EMAIL_VERIFY_MAX_AGE"] - 60):
        services.verify_email(token)

    assert user.is_verified is True


def test_verify_email_with_expired_token_is_refused(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    user = UserFactory(email_verified_at=None)
    token = make_token("verify-email", {"id": user.id, "email": user.email})

    with clock_shifted(monkeypatch, app.config["EMAIL_VERIFY_MAX_AGE"] + 1), pytest.raises(
        services.TokenExpired
    ) as caught:
        services.verify_email(token)

    assert caught.value.message == "This link has expired. Request a new one."
    assert user.email_verified_at is None


def test_verify_email_signed_in_the_past_is_refused(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    user = UserFactory(email_verified_at=None)
    with clock_shifted(monkeypatch, -(app.config["EMAIL_VERIFY_MAX_AGE"] + 60)):
        token = make_token("verify-email", {"id": user.id, "email": user.email})

    with pytest.raises(services.TokenExpired):
        services.verify_email(token)
    assert user.email_verified_at is None


@pytest.mark.parametrize("tamper", ["altered-signature", "other-secret", "other-purpose", "garbage"])
def test_verify_email_with_forged_token_is_refused(app: Flask, tamper: str) -> None:
    user = UserFactory(email_verified_at=None)
    token = make_token("verify-email", {"id": user.id, "email": user.email})
    if tamper == "altered-signature":
        token = with_altered_signature(token)
    elif tamper == "other-secret":
        secret = app.config["SECRET_KEY"]
        app.config["SECRET_KEY"] = "somebody else's key"
        token = make_token("verify-email", {"id": user.id, "email": user.email})
        app.config["SECRET_KEY"] = secret
    elif tamper == "other-purpose":
        token = make_token("reset-password", {"id": user.id, "email": user.email})
    else:
        token = "not-a-token"

    with pytest.raises(services.TokenRejected) as caught:
        services.verify_email(token)

    assert type(caught.value) is services.TokenRejected
    assert caught.value.message == "This link is not valid. Request a new one."
    assert user.email_verified_at is None


def test_verify_email_with_altered_payload_is_refused(app: Flask) -> None:
    victim = UserFactory(email_verified_at=None)
    attacker = UserFactory(email_verified_at=None)
    attackers_token = make_token("verify-email", {"id": attacker.id, "email": attacker.email})
    victims_payload = make_token("verify-email", {"id": victim.id, "email": victim.email}).split(".")[0]
    # The victim's payload with the timestamp and signature of the attacker's own token.
    forged = ".".join([victims_payload, *attackers_token.split(".")[1:]])

    with pytest.raises(services.TokenRejected):
        services.verify_email(forged)
    assert victim.email_verified_at is None


def test_verify_email_token_for_changed_address_is_refused(app: Flask) -> None:
    user = UserFactory(email="old@example.org", email_verified_at=None)
    token = make_token("verify-email", {"id": user.id, "email": user.email})
    user.email = "new@example.org"

    with pytest.raises(services.TokenRejected):
        services.verify_email(token)
    assert user.email_verified_at is None


# --- log-in checks --------------------------------------------------------------------------


def test_authenticate_with_right_password_records_login(app: Flask) -> None:
    user = UserFactory(email="ada@example.org")

    assert services.authenticate(email="ADA@example.org ", password=DEMO_PASSWORD) is user
    assert user.last_login_at is not None


def test_authenticate_wrong_password_and_unknown_address_fail_alike(app: Flask) -> None:
    UserFactory(email="ada@example.org")

    with pytest.raises(services.LoginFailed) as wrong:
        services.authenticate(email="ada@example.org", password="not the password")
    with pytest.raises(services.LoginFailed) as unknown:
        services.authenticate(email="nobody@example.org", password="not the password")

    assert wrong.value.message == unknown.value.message == "The email address or password is not correct."


def test_authenticate_deactivated_account_fails(app: Flask) -> None:
    UserFactory(email="gone@example.org", is_active_account=False)

    with pytest.raises(services.LoginFailed):
        services.authenticate(email="gone@example.org", password=DEMO_PASSWORD)


def test_authenticate_rehashes_an_outdated_hash(app: Flask) -> None:
    user = UserFactory()
    app.config["PASSWORD_HASH_TIME_COST"] = 2
    old_hash = user.password_hash

    services.authenticate(email=user.email, password=DEMO_PASSWORD)

    assert user.password_hash != old_hash
    assert "t=2" in user.password_hash


# --- password reset -------------------------------------------------------------------------


def test_request_password_reset_mails_known_address_only(app: Flask) -> None:
    UserFactory(email="ada@example.org")

    services.request_password_reset(email="Ada@Example.org")
    services.request_password_reset(email="nobody@example.org")

    [message] = outbox()
    assert message.to_address == "ada@example.org"
    assert message.subject == "Set a new password for ESOF 2022"
    assert link_in(message).startswith("/account/password-reset/")


def test_reset_password_works_once_and_ends_sessions(app: Flask) -> None:
    user = UserFactory(email="ada@example.org", email_verified_at=None)
    services.request_password_reset(email="ada@example.org")
    token = token_from_link(link_in(outbox()[0]))
    nonce_before = user.login_nonce

    services.reset_password(token=token, password="the new password")

    assert user.login_nonce != nonce_before
    assert check_password(user, "the new password") is True
    assert user.email_verified_at is not None  # the link proved the address
    with pytest.raises(services.TokenRejected):
        services.reset_password(token=token, password="another new one")
    assert check_password(user, "the new password") is True
    actions = db.session.scalars(sa.select(AuditLog.action).where(AuditLog.target_id == user.id)).all()
    assert actions == ["password-reset"]


def test_reset_password_with_expired_token_is_refused(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    user = UserFactory()
    token = make_token("reset-password", {"id": user.id, "nonce": user.login_nonce})

    with clock_shifted(monkeypatch, app.config["PASSWORD_RESET_MAX_AGE"] + 1), pytest.raises(
        services.TokenExpired
    ):
        services.reset_password(token=token, password="the new password")


def test_reset_password_too_short_is_refused_and_token_stays_usable(app: Flask) -> None:
    user = UserFactory()
    token = make_token("reset-password", {"id": user.id, "nonce": user.login_nonce, "reset": user.password_reset_nonce})

    with pytest.raises(ValidationFailed):
        services.reset_password(token=token, password="short")

    assert services.user_for_reset_token(token) is user


# --- roles, profile, sessions -----------------------------------------------------------------


def test_grant_role_adds_once_and_audits(app: Flask) -> None:
    admin = UserFactory(roles=[Role.ADMIN])
    user = UserFactory()

    first = services.grant_role(user=user, role=Role.ORGANISER, actor=admin)
    second = services.grant_role(user=user, role=Role.ORGANISER, actor=admin)
    db.session.flush()

    assert (first.added, second.added) == (True, False)
    assert user.roles == {Role.DELEGATE, Role.ORGANISER}
    audit = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "grant-role")).all()
    assert [(a.actor_id, a.target_id, a.detail) for a in audit] == [(admin.id, user.id, {"role": "organiser"})]


@pytest.mark.parametrize(
    ("held", "asked", "expected"),
    [
        ([Role.DELEGATE], (Role.ORGANISER,), False),
        ([Role.ORGANISER], (Role.ORGANISER,), True),
        ([Role.ADMIN], (Role.ORGANISER,), True),
        ([Role.CHECKIN], (Role.ORGANISER, Role.CHECKIN), True),
        ([Role.PARTNER, Role.SPEAKER], (Role.ORGANISER,), False),
    ],
)
def test_has_role(app: Flask, held: list[Role], asked: tuple[Role, ...], expected: bool) -> None:
    assert UserFactory(roles=held).has_role(*asked) is expected


def test_update_profile_changes_name_and_language(app: Flask) -> None:
    user = UserFactory(display_name="Ada", language="en")

    services.update_profile(user=user, display_name="  Ada Lovelace ", language="nl")

    assert (user.display_name, user.language) == ("Ada Lovelace", "nl")


@pytest.mark.parametrize(
    ("name", "language", "message"),
    [("   ", "en", "Give your name."), ("Ada", "de", "Choose English or Dutch.")],
)
def test_update_profile_bad_input_is_refused(app: Flask, name: str, language: str, message: str) -> None:
    user = UserFactory(display_name="Ada", language="en")

    with pytest.raises(ValidationFailed) as caught:
        services.update_profile(user=user, display_name=name, language=language)

    assert caught.value.message == message
    assert (user.display_name, user.language) == ("Ada", "en")


def test_log_out_everywhere_rotates_nonce(app: Flask) -> None:
    user = UserFactory()
    old_id = user.get_id()

    services.log_out_everywhere(user=user)

    assert user.get_id() != old_id
    assert user.get_id() == f"{user.id}:{user.login_nonce}"


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/programme/", True),
        ("/account/?tab=1", True),
        ("//evil.example", False),
        ("///evil.example", False),
        ("/\\evil.example", False),
        ("/\t/evil.example", False),
        ("https://evil.example/", False),
        ("javascript:alert(1)", False),
        ("evil.example", False),
        ("", False),
        (None, False),
    ],
)
def test_is_safe_redirect(target: str | None, safe: bool) -> None:
    assert is_safe_redirect(target) is safe
