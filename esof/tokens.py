"""Signed, expiring tokens for links in mails (verification, password reset, invitations)."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class InvalidToken(Exception):
    """The token was forged, altered, meant for something else, or expired."""

    def __init__(self, expired: bool = False) -> None:
        self.expired = expired
        super().__init__("expired" if expired else "invalid")


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"esof.{purpose}")


def make_token(purpose: str, payload: Any) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: int) -> Any:
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise InvalidToken(expired=True) from exc
    except BadSignature as exc:
        raise InvalidToken() from exc


def random_token() -> str:
    """An unguessable token for secret URLs; store only its hash."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same_secret(given: object, expected: str | None) -> bool:
    """True when a token, hash or nonce from a URL, form or signed payload equals the stored
    one, compared in constant time: `==` stops at the first differing character, and the
    time it takes tells an attacker how much of a guess was right. Anything that is not a
    string (a payload with a missing or forged field) and an empty stored value never match."""
    if not isinstance(given, str) or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())
