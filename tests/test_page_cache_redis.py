"""With REDIS_URL the page cache is shared by every app server (a key prefix per test); a
booking shows on every server within PAGE_CACHE_LIVE_SECONDS, a publication within the
token's memo time; with Redis gone the pages are still served, never a 5xx."""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from flask import Flask

from esof import page_cache
from esof.bookings import services as bookings
from esof.extensions import db
from esof.programme import services as programme
from tests.api.factories import Programme, build_programme, confirmed_delegate
from tests.conftest import make_app
from tests.support import REDIS_TEST_URL, require_service

pytestmark = pytest.mark.redis

MEMO_SECONDS = 0.2  # a change token read from Redis is reused this long
LIVE_SECONDS = 0.2  # live seat numbers are reused this long


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    require_service("Redis", REDIS_TEST_URL)
    prefix = f"esof-test-{uuid.uuid4().hex[:8]}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_TEST_URL)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


@pytest.fixture
def app_config(redis_prefix: str) -> dict[str, Any]:
    return {"REDIS_URL": REDIS_TEST_URL, "REDIS_KEY_PREFIX": redis_prefix, "FEED_STAMP_MEMO_SECONDS": MEMO_SECONDS,
            "PAGE_CACHE_ENABLED": True, "PAGE_CACHE_LIVE_SECONDS": LIVE_SECONDS}


@pytest.fixture
def published(pg_app: Flask) -> Programme:
    return build_programme()


@pytest.fixture
def second_server(pg_app: Flask, app_config: dict[str, Any]) -> Flask:
    """Another app server on the same PostgreSQL database and the same Redis."""
    return make_app(pg_app.config["SQLALCHEMY_DATABASE_URI"], **app_config)


def page_keys(prefix: str) -> list[bytes]:
    return sorted(redis.Redis.from_url(REDIS_TEST_URL).scan_iter(f"{prefix}page:*"))


def test_pages_are_kept_in_redis_and_served_to_another_server(
        pg_app: Flask, second_server: Flask, published: Programme, redis_prefix: str) -> None:
    # Each server's first token read compares the token with the database once (it may
    # start a new token); after that both read the same token from Redis.
    for server in (pg_app, second_server):
        server.test_client().get("/programme/changes")
    time.sleep(MEMO_SECONDS * 1.5)
    url = "/programme/?day=2022-07-13"
    before = page_keys(redis_prefix)
    first = pg_app.test_client().get(url)
    keys = page_keys(redis_prefix)
    assert first.status_code == 200 and len(keys) == len(before) + 1

    other = second_server.test_client().get(url)

    assert other.data == first.data and other.headers["ETag"] == first.headers["ETag"]
    assert page_keys(redis_prefix) == keys  # found in Redis, not rendered and stored again
    (new_key,) = set(keys) - set(before)
    with second_server.app_context():  # and kept in its own process cache from now on
        assert page_cache.page_cache().local.get(new_key.decode().split("page:", 1)[1]) is not None


def test_a_booking_shows_on_every_server_within_the_live_time(
        pg_app: Flask, second_server: Flask, published: Programme) -> None:
    url = f"/programme/sessions/{published.workshop.id}"
    api = f"/api/v1/sessions/{published.workshop.id}"
    here, there = pg_app.test_client(), second_server.test_client()
    for client in (here, there):
        assert "1 on the waiting list." in client.get(url).get_data(as_text=True)
        assert client.get(api).json["waitlisted"] == 1

    bookings.book_seat(item=published.workshop, delegate=confirmed_delegate("late@example.org"))
    db.session.commit()
    time.sleep(LIVE_SECONDS * 1.5)

    for client in (there, here):
        assert "2 on the waiting list." in client.get(url).get_data(as_text=True)
        assert client.get(api).json["waitlisted"] == 2


def test_a_publication_shows_on_another_server_within_the_memo_time(
        pg_app: Flask, second_server: Flask, published: Programme) -> None:
    url = "/programme/?day=2022-07-13"
    there = second_server.test_client()
    assert "Opening ceremony" in there.get(url).get_data(as_text=True)
    programme.save_session(item=published.opening, title="Grand opening", format=published.opening.format)
    programme.publish_schedule(actor=published.organiser, note="Renamed")
    db.session.commit()
    assert "Grand opening" in pg_app.test_client().get(url).get_data(as_text=True)  # this server: at once
    time.sleep(MEMO_SECONDS * 1.5)
    assert "Grand opening" in there.get(url).get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"REDIS_URL": "redis://127.0.0.1:1/0", "PAGE_CACHE_ENABLED": True}])
def test_with_redis_down_pages_are_still_served(app: Flask, app_config: dict[str, Any]) -> None:
    found = build_programme()
    client = app.test_client()
    urls = ["/programme/?day=2022-07-13", f"/programme/sessions/{found.workshop.id}", "/calendar/month/2022-07",
            "/api/v1/sessions"]
    for url in urls:
        first, again = client.get(url), client.get(url)
        assert first.status_code == again.status_code == 200, url
        assert again.data == first.data, url
    programme.save_session(item=found.opening, title="Grand opening", format=found.opening.format)
    programme.publish_schedule(actor=found.organiser, note="Renamed")
    db.session.commit()
    assert "Grand opening" in client.get("/programme/?day=2022-07-13").get_data(as_text=True)


def test_a_search_is_kept_ten_minutes_other_pages_a_day(
        pg_app: Flask, published: Programme, redis_prefix: str) -> None:
    client = pg_app.test_client()
    before = set(page_keys(redis_prefix))
    client.get("/programme/?q=vaccines")
    (search,) = set(page_keys(redis_prefix)) - before
    before = set(page_keys(redis_prefix))
    client.get("/programme/?day=2022-07-14")
    (day,) = set(page_keys(redis_prefix)) - before
    store = redis.Redis.from_url(REDIS_TEST_URL)
    assert 0 < store.ttl(search) <= page_cache.SEARCH_TTL_SECONDS < 3600 < store.ttl(day)
