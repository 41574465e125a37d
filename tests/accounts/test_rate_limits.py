"""Rate limits on log-in and sign-up, in memory and shared through Redis."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
import sqlalchemy as sa
from flask import Flask

from esof.accounts.models import User
from esof.extensions import db
from esof.mail.models import OutboxMessage
from tests.conftest import make_app
from tests.factories import UserFactory
from tests.support import DEMO_PASSWORD, REDIS_TEST_URL, IsolatedClient, require_service, submit_form

LOW_LIMITS = {
    "RATELIMIT_LOGIN": "3 per minute",
    "RATELIMIT_SIGNUP": "2 per minute",
    "RATELIMIT_PASSWORD_RESET": "2 per minute",
    "RATELIMIT_MAIL_PER_ADDRESS": "2 per hour",
}


@pytest.fixture
def app_config() -> dict[str, Any]:
    return dict(LOW_LIMITS)


def failed_login(client: Any, address: str = "127.0.0.1") -> int:
    client.environ_base["REMOTE_ADDR"] = address
    return submit_form(client, "/account/login", {"email": "ada@example.org", "password": "wrong"}).status_code


def test_login_attempts_over_limit_get_429(app: Flask) -> None:
    UserFactory(email="ada@example.org")
    db.session.commit()
    client = app.test_client()

    statuses = [failed_login(client) for _ in range(3)]
    blocked = submit_form(client, "/account/login", {"email": "ada@example.org", "password": DEMO_PASSWORD})

    assert statuses == [422, 422, 422]
    assert blocked.status_code == 429
    assert "Too many attempts. Please wait a moment and try again." in blocked.get_data(as_text=True)
    assert blocked.headers["Retry-After"].isdigit()
    # Even the right password is refused while the limit holds: guessing gains nothing.
    assert db.session.scalar(sa.select(User.last_login_at).where(User.email == "ada@example.org")) is None


def test_login_page_views_do_not_count(app: Flask) -> None:
    client = app.test_client()

    statuses = [client.get("/account/login").status_code for _ in range(10)]

    assert statuses == [200] * 10
    assert failed_login(client) == 422


def test_signup_attempts_over_limit_get_429(app: Flask) -> None:
    def sign_up(n: int) -> int:
        data = {"display_name": "A", "email": f"a{n}@example.org", "password": "long enough pw", "language": "en"}
        return submit_form(app.test_client(), "/account/signup", data).status_code  # same address, new browser

    statuses = [sign_up(n) for n in range(3)]

    assert statuses == [302, 302, 429]
    assert db.session.scalars(sa.select(User.email).order_by(User.email)).all() == ["a0@example.org", "a1@example.org"]


def test_signup_attempts_with_a_known_address_count_toward_the_limit(app: Flask) -> None:
    """Probing addresses through the sign-up form costs the same limited attempts."""
    UserFactory(email="ada@example.org")
    db.session.commit()

    def sign_up(email: str) -> int:
        data = {"display_name": "A", "email": email, "password": "long enough pw", "language": "en"}
        return submit_form(app.test_client(), "/account/signup", data).status_code

    statuses = [sign_up(email) for email in ("ada@example.org", "new@example.org", "ada@example.org")]

    assert statuses == [302, 302, 429]
    assert db.session.scalars(sa.select(User.email).order_by(User.email)).all() == [
        "ada@example.org", "new@example.org"]


def test_password_reset_requests_over_limit_get_429(app: Flask) -> None:
    client = app.test_client()

    statuses = [
        submit_form(client, "/account/password-reset", {"email": f"x{n}@example.org"}).status_code for n in range(3)
    ]

    assert statuses == [302, 302, 429]


def test_mails_to_one_address_are_capped_however_many_addresses_ask(app: Flask) -> None:
    """Sign-ups with a known address and reset requests each send its owner a mail; from
    many IPs they would flood the inbox, so only the first two of each kind go out."""
    UserFactory(email="ada@example.org")
    db.session.commit()

    def from_address(n: int) -> Any:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{n}"
        return client

    sign_ups = [submit_form(from_address(n), "/account/signup", {
        "display_name": "A", "email": "Ada@example.org", "password": "long enough pw", "language": "en"}).status_code
        for n in range(4)]
    resets = [submit_form(from_address(10 + n), "/account/password-reset", {"email": "ada@example.org"}).status_code
              for n in range(4)]

    assert sign_ups == [302] * 4 and resets == [302] * 4  # the answer does not change
    subjects = db.session.scalars(sa.select(OutboxMessage.subject).where(OutboxMessage.to_address == "ada@example.org")
                                  .order_by(OutboxMessage.id)).all()
    assert len(subjects) == 4 and subjects[0] == subjects[1] != subjects[2] == subjects[3]
    # Another address has counters of its own.
    UserFactory(email="bob@example.org")
    db.session.commit()
    submit_form(from_address(20), "/account/password-reset", {"email": "bob@example.org"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.to_address == "bob@example.org")) == 1


# --- Redis: several app servers share one counter ------------------------------------------------


@pytest.fixture
def client_address() -> Iterator[str]:
    """A remote address of its own, so this test's counters in Redis are its alone.

    (Not RATELIMIT_KEY_PREFIX: the one Flask-Limiter object keeps the prefix of the first app
    it was bound to in this process.)"""
    require_service("redis", REDIS_TEST_URL)
    number = uuid.uuid4().int
    address = f"10.{number % 250}.{number // 250 % 250}.{number // 62500 % 250 + 1}"
    yield address
    connection = redis.Redis.from_url(REDIS_TEST_URL)
    for key in connection.scan_iter(match=f"*/{address}/*"):
        connection.delete(key)
    connection.close()


def second_server(first: Flask, **overrides: Any) -> Flask:
    """Another app instance on the same database, as a second gunicorn host would be."""
    other = make_app(first.config["SQLALCHEMY_DATABASE_URI"], **LOW_LIMITS, **overrides)
    other.instance_path = first.instance_path
    other.test_client_class = IsolatedClient
    return other


REDIS_SETTINGS = {"REDIS_URL": REDIS_TEST_URL, "RATELIMIT_STORAGE_URI": None}


@pytest.mark.redis
def test_limiter_uses_redis_when_redis_url_is_set(app: Flask, client_address: str) -> None:
    server = second_server(app, **REDIS_SETTINGS)

    assert server.config["RATELIMIT_STORAGE_URI"] == REDIS_TEST_URL
    with server.app_context():
        db.engine.dispose()


@pytest.mark.redis
def test_login_limit_is_shared_by_app_servers_through_redis(app: Flask, client_address: str) -> None:
    UserFactory(email="ada@example.org")
    db.session.commit()
    first = second_server(app, **REDIS_SETTINGS)
    statuses = [failed_login(first.test_client(), address=client_address) for _ in range(3)]

    # A new app instance gets a new limiter storage object: only Redis can remember the attempts.
    second = second_server(app, **REDIS_SETTINGS)
    blocked = failed_login(second.test_client(), address=client_address)

    assert statuses == [422, 422, 422]
    assert blocked == 429
    connection = redis.Redis.from_url(REDIS_TEST_URL)
    assert len(list(connection.scan_iter(match=f"*/{client_address}/accounts.login/*"))) == 1
    connection.close()
    for server in (first, second):
        with server.app_context():
            db.engine.dispose()


def test_login_limit_in_memory_is_per_app_server(app: Flask) -> None:
    """The control for the Redis test: without Redis a second server starts counting afresh."""
    UserFactory(email="ada@example.org")
    db.session.commit()
    first = second_server(app, RATELIMIT_STORAGE_URI="memory://")
    statuses = [failed_login(first.test_client()) for _ in range(3)]

    second = second_server(app, RATELIMIT_STORAGE_URI="memory://")
    not_blocked = failed_login(second.test_client())

    assert statuses == [422, 422, 422]
    assert not_blocked == 422
    for server in (first, second):
        with server.app_context():
            db.engine.dispose()
