"""Password-reset links: only the newest works, once, and none survives a password change or
a log-out everywhere; and the constant-time comparison every token check goes through."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from esof.accounts import services
from esof.accounts.models import User
from esof.extensions import db
from esof.tokens import make_token, same_secret
from tests.accounts.factories import link_in, outbox
from tests.factories import UserFactory
from tests.support import log_in, submit_form

INVALID = "This link is not valid. Request a new one."
NEW_PASSWORD = {"password": "brand new secret", "confirm": "brand new secret"}


@pytest.fixture
def user(app: Flask) -> User:
    created = UserFactory(email="ada@example.org", display_name="Ada")
    db.session.commit()
    return created


def request_link(app: Flask) -> str:
    submit_form(app.test_client(), "/account/password-reset", {"email": "ada@example.org"})
    return link_in(outbox("ada@example.org")[-1])


def refused(app: Flask, link: str) -> bool:
    response = app.test_client().get(link)
    return response.status_code == 400 and INVALID in response.get_data(as_text=True)


def test_a_newer_link_voids_the_older_one(app: Flask, user: User) -> None:
    older = request_link(app)
    newer = request_link(app)

    assert refused(app, older)
    response = submit_form(app.test_client(), older, NEW_PASSWORD, page="/account/password-reset")
    assert response.status_code == 400  # the form cannot be posted through the old link either
    assert app.test_client().get(newer).status_code == 200
    response = submit_form(app.test_client(), newer, NEW_PASSWORD)
    assert response.headers["Location"] == "/account/login"
    log_in(app.test_client(), "ada@example.org", "brand new secret")


def test_a_used_link_is_void_and_cannot_set_the_password_again(app: Flask, user: User) -> None:
    link = request_link(app)
    submit_form(app.test_client(), link, NEW_PASSWORD)

    assert refused(app, link)
    response = submit_form(
        app.test_client(), link, {"password": "the attacker's pick", "confirm": "the attacker's pick"},
        page="/account/password-reset",
    )
    assert response.status_code == 400
    log_in(app.test_client(), "ada@example.org", "brand new secret")


def test_the_reset_nonce_changes_with_the_password(app: Flask, user: User) -> None:
    """Even with the login nonce unchanged, a token with the old reset nonce is refused."""
    before = user.password_reset_nonce
    token = make_token("reset-password", {"id": user.id, "nonce": user.login_nonce, "reset": before})
    services.reset_password(token=token, password="brand new secret")
    stale = make_token("reset-password", {"id": user.id, "nonce": user.login_nonce, "reset": before})

    assert user.password_reset_nonce != before
    with pytest.raises(services.TokenRejected):
        services.user_for_reset_token(stale)


def test_log_out_everywhere_voids_reset_links(app: Flask, user: User) -> None:
    link = request_link(app)
    services.log_out_everywhere(user=db.session.get(User, user.id))
    db.session.commit()

    assert refused(app, link)


def test_the_mail_to_a_known_address_at_sign_up_voids_older_reset_links(app: Flask, user: User) -> None:
    older = request_link(app)
    submit_form(app.test_client(), "/account/signup", {
        "display_name": "Someone", "email": "ada@example.org", "password": "a long enough secret", "language": "en",
    })
    newer = link_in(outbox("ada@example.org")[-1])

    assert newer != older
    assert refused(app, older)
    assert app.test_client().get(newer).status_code == 200


def test_an_account_from_before_the_reset_nonce_needs_a_new_link(app: Flask, user: User) -> None:
    """Migrated accounts have an empty reset nonce: a link claiming "" (or none) is refused."""
    db.session.execute(sa.update(User).where(User.id == user.id).values(password_reset_nonce=""))
    db.session.commit()
    db.session.expire_all()
    for payload in ({"id": user.id, "nonce": user.login_nonce, "reset": ""},
                    {"id": user.id, "nonce": user.login_nonce}):
        assert refused(app, f"/account/password-reset/{make_token('reset-password', payload)}")
    assert app.test_client().get(request_link(app)).status_code == 200


# --- the comparison --------------------------------------------------------------------------


def test_same_secret_matches_only_the_same_text() -> None:
    assert same_secret("a1b2c3", "a1b2c3") is True
    assert same_secret("a1b2c4", "a1b2c3") is False
    assert same_secret("a1b2c", "a1b2c3") is False  # a prefix is not the secret
    assert same_secret("ü-nicode", "ü-nicode") is True  # compare_digest refuses non-ASCII str; bytes work
    assert same_secret("ü-nicode", "u-nicode") is False


@pytest.mark.parametrize("given", [None, 123, ["a1b2c3"], b"a1b2c3", {"a": 1}])
def test_same_secret_refuses_what_is_not_text(given: object) -> None:
    assert same_secret(given, "a1b2c3") is False


def test_an_empty_stored_secret_matches_nothing() -> None:
    assert same_secret("", "") is False
    assert same_secret("x", None) is False
