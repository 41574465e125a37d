"""Fixtures of the ops suite: real gunicorn, PostgreSQL, Redis and worker processes."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.ops.processes import RedisServer, fresh_database, migrate, redis_server
from tests.support import POSTGRES_ADMIN_URL, require_service


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, migrated database of our own on the shared PostgreSQL server."""
    require_service("postgres", POSTGRES_ADMIN_URL)
    with fresh_database() as url:
        migrate(url)
        yield url


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    """Our own redis-server on a free port (never the system one)."""
    with redis_server() as server:
        yield server
