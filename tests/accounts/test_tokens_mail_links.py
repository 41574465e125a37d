"""Links in account mails are built on ESOF_BASE_URL, whatever Host and X-Forwarded-Host the
request that caused the mail said: a forged header must not put an attacker's site in a
password-reset link. The app trusts one proxy here, so X-Forwarded-Host would take effect on
anything built from the request."""
from __future__ import annotations

import re

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from esof.accounts.models import User
from esof.extensions import db
from esof.ops import trust_proxies
from tests.accounts.factories import outbox
from tests.factories import UserFactory
from tests.support import DEMO_PASSWORD, csrf_token_from

BASE = "http://esof.test"
# The attacker sends the whole request, so the Referer matches the forged host (Flask-WTF's
# check of it over https passes).
HOSTILE = {"Host": "evil.example", "X-Forwarded-Host": "phish.example", "X-Forwarded-Proto": "https",
           "Referer": "https://phish.example/account/"}
LINK = re.compile(r"""(?:https?:)?//[^\s"'<>)]+""")


@pytest.fixture
def behind_proxy(app: Flask) -> Flask:
    trust_proxies(app, {"ESOF_PROXY_HOPS": "1"})
    return app


def hostile_post(app: Flask, path: str, data: dict[str, str], client: FlaskClient | None = None) -> TestResponse:
    client = client or app.test_client()
    page = client.get(path, headers=HOSTILE)
    assert page.status_code == 200
    return client.post(path, data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), **data},
                       headers=HOSTILE)


def links_of(to: str) -> list[str]:
    messages = outbox(to)
    assert messages, f"no mail to {to}"
    found = []
    for message in messages:
        for body in (message.body_text, message.body_html or ""):
            found += LINK.findall(body)
    assert found, "the mails hold no links"
    return found


def assert_on_base(links: list[str]) -> None:
    # Links to other sites a template may name on purpose would show up here too; today the
    # account mails have none, and a link to evil.example or phish.example must never appear.
    assert [link for link in links if not link.startswith(f"{BASE}/")] == []


def test_sign_up_mail_links_use_the_base_url(behind_proxy: Flask) -> None:
    hostile_post(behind_proxy, "/account/signup", {
        "display_name": "Ada", "email": "ada@example.org", "password": "a long enough secret", "language": "en",
    })
    links = links_of("ada@example.org")
    assert any("/account/verify/" in link for link in links)
    assert_on_base(links)


def test_sign_up_with_a_known_address_mail_links_use_the_base_url(behind_proxy: Flask) -> None:
    UserFactory(email="grace@example.org")
    db.session.commit()
    hostile_post(behind_proxy, "/account/signup", {
        "display_name": "Someone", "email": "grace@example.org", "password": "a long enough secret",
        "language": "en",
    })
    links = links_of("grace@example.org")
    assert any("/account/password-reset/" in link for link in links)
    assert_on_base(links)


def test_password_reset_mail_links_use_the_base_url(behind_proxy: Flask) -> None:
    UserFactory(email="grace@example.org")
    db.session.commit()
    hostile_post(behind_proxy, "/account/password-reset", {"email": "grace@example.org"})
    links = links_of("grace@example.org")
    assert any("/account/password-reset/" in link for link in links)
    assert_on_base(links)


def test_resent_verification_mail_links_use_the_base_url(behind_proxy: Flask) -> None:
    UserFactory(email="grace@example.org", email_verified_at=None)
    db.session.commit()
    client = behind_proxy.test_client()
    hostile_post(behind_proxy, "/account/login", {"email": "grace@example.org", "password": DEMO_PASSWORD}, client)
    page = client.get("/account/", headers=HOSTILE).get_data(as_text=True)
    client.post("/account/verify/resend", data={"csrf_token": csrf_token_from(page)}, headers=HOSTILE)
    links = links_of("grace@example.org")
    assert any("/account/verify/" in link for link in links)
    assert_on_base(links)


def test_the_hostile_headers_do_reach_the_app(behind_proxy: Flask) -> None:
    """The check above means something: the request itself does see the forged host."""
    seen: dict[str, str] = {}

    @behind_proxy.before_request
    def note_host() -> None:
        seen.setdefault("host", request.host)

    behind_proxy.test_client().get("/account/login", headers=HOSTILE)
    assert seen["host"] == "phish.example"
    assert db.session.query(User).count() == 0
