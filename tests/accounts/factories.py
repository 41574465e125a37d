"""Helpers for account tests: links from queued mails and tokens signed in the past."""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from itsdangerous.timed import TimestampSigner

from esof.extensions import db
from esof.mail.models import OutboxMessage

LINK_PATTERN = re.compile(r"http://esof\.test(/account/(?:verify|password-reset)/[\w.\-]+)")


def outbox(to: str | None = None) -> list[OutboxMessage]:
    stmt = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if to is not None:
        stmt = stmt.where(OutboxMessage.to_address == to)
    return list(db.session.scalars(stmt))


def link_in(message: OutboxMessage) -> str:
    """The site path of the one link in a mail (ESOF_BASE_URL is http://esof.test in tests)."""
    links = LINK_PATTERN.findall(message.body_text)
    assert len(links) == 1, message.body_text
    return links[0]


def with_altered_signature(token: str) -> str:
    """The token with the first character of its signature changed.

    (Not the last one: the last base64 character carries padding bits, so changing it can
    leave the decoded signature the same.)"""
    payload, _, signature = token.rpartition(".")
    first = "B" if signature[0] == "A" else "A"
    return f"{payload}.{first}{signature[1:]}"


@contextmanager
def clock_shifted(monkeypatch: pytest.MonkeyPatch, seconds: int) -> Iterator[None]:
    """Make itsdangerous believe it is `seconds` later (or earlier) than now."""
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + seconds)
    try:
        yield
    finally:
        monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
