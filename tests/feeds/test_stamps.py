"""With Redis, a polled feed reads a change token instead of the database, and every change
that feeds show replaces the token: on the same app server at once, on any other within
FEED_STAMP_MEMO_SECONDS (a process reuses a token it read from Redis that long)."""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import redis
import sqlalchemy as sa
from flask import Flask

from esof.extensions import db
from esof.feeds import stamps as feed_stamps
from esof.programme import services as programme
from esof.programme.models import SessionStatus
from esof.side_events.models import SideEvent, SideEventRevision
from tests.conftest import QueryCounter, make_app
from tests.factories import UserFactory
from tests.feeds.conftest import Programme, move_opening_and_cancel_panel
from tests.feeds.parsers import events_by_summary, parse_with_icaljs
from tests.feeds.test_side_events_feed import make_calendar
from tests.support import REDIS_TEST_URL, require_service

pytestmark = pytest.mark.redis

MEMO_SECONDS = 0.2


def after_the_memo_time() -> None:
    """Another server's change shows here once the token this process remembers has aged."""
    time.sleep(MEMO_SECONDS * 1.5)


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """Keys of this test only, removed afterwards (tests may share one Redis)."""
    require_service("Redis", REDIS_TEST_URL)
    prefix = f"esof-test-{uuid.uuid4().hex[:8]}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_TEST_URL)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


@pytest.fixture
def app_config(redis_prefix: str) -> dict[str, Any]:
    return {"REDIS_URL": REDIS_TEST_URL, "REDIS_KEY_PREFIX": redis_prefix, "FEED_STAMP_MEMO_SECONDS": MEMO_SECONDS}


@pytest.fixture
def second_server(app: Flask, app_config: dict[str, Any]) -> Flask:
    """Another app server on the same database and the same Redis."""
    return make_app(app.config["SQLALCHEMY_DATABASE_URI"], **app_config)


def test_a_polled_feed_costs_no_query_with_redis(app: Flask, published: Programme, count_queries: QueryCounter) -> None:
    client = app.test_client()
    first = client.get("/feeds/programme.ics")
    # The publication's own token served that poll; once it ages, the process reads Redis and
    # makes its first comparison with the database (then not again for a minute).
    after_the_memo_time()
    client.get("/feeds/programme.ics")
    count_queries.reset()
    again = client.get("/feeds/programme.ics")
    not_modified = client.get("/feeds/programme.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert again.data == first.data and not_modified.status_code == 304
    assert count_queries.count == 0


def test_within_the_memo_time_a_poll_does_not_ask_redis(app: Flask, published: Programme) -> None:
    client = app.test_client()
    first = client.get("/feeds/programme.ics")
    store = feed_stamps.stamps()
    asked: list[str] = []
    real = store.redis

    class Counting:
        def __getattr__(self, name: str) -> Any:
            asked.append(name)
            return getattr(real, name)

    store.redis = Counting()
    store.memo_seconds = 30  # a slow machine must not age the token in the middle of these polls
    for _ in range(5):
        assert client.get("/feeds/programme.ics", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert asked == []
    store.memo_seconds = MEMO_SECONDS
    after_the_memo_time()
    client.get("/feeds/programme.ics")
    assert "hget" in asked  # the token again (and, this once, the comparison with the database)


def test_a_publish_on_one_server_is_in_the_other_servers_feed_after_the_memo_time(
    app: Flask, second_server: Flask, published: Programme
) -> None:
    with second_server.app_context():
        before = second_server.test_client().get("/feeds/programme.ics")
        assert events_by_summary(before)["Opening ceremony"]["start"] == "2022-07-13T07:00:00.000Z"

    move_opening_and_cancel_panel(published)  # through the first server
    after_the_memo_time()

    with second_server.app_context():
        after = second_server.test_client().get("/feeds/programme.ics",
                                                headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    events = events_by_summary(after)
    assert events["Opening ceremony"]["start"] == "2022-07-13T08:00:00.000Z"
    assert events["Opening ceremony"]["sequence"] == 1
    assert events["Vaccines, trust & society"]["status"] == "CANCELLED"


def test_a_rolled_back_change_keeps_the_cached_feed(app: Flask, published: Programme,
                                                   count_queries: QueryCounter) -> None:
    client = app.test_client()
    client.get("/feeds/programme.ics")
    # The process's first comparison with the database happens once the token it remembered
    # from the fixture's commit has aged: let it happen here, not inside the counted poll
    # (a slow publish below used to outlast the memo and move it there).
    after_the_memo_time()
    client.get("/feeds/programme.ics")
    programme.set_session_status(item=published.health_panel, status=SessionStatus.CANCELLED)
    programme.publish_schedule(actor=published.organiser)
    db.session.flush()
    db.session.rollback()
    count_queries.reset()
    assert "CANCELLED" not in client.get("/feeds/programme.ics").text
    assert count_queries.statements == []


def test_a_bulk_update_through_the_session_changes_the_side_events_feed(app: Flask) -> None:
    made = make_calendar()
    client = app.test_client()
    before = client.get("/feeds/side-events.ics?lang=en")
    db.session.execute(sa.update(SideEventRevision)
                       .where(SideEventRevision.event_id == made["lecture"].id)
                       .values(title_en="Stars over Leiden, renamed"))
    db.session.commit()
    after = client.get("/feeds/side-events.ics?lang=en", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert "Stars over Leiden, renamed" in events_by_summary(after)


def outside_the_app(app: Flask, statement: str, **params: Any) -> None:
    """A write by another tool: its own connection, no app session, no session events."""
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.begin() as conn:
        conn.execute(sa.text(statement), params)
    engine.dispose()


def test_a_write_from_outside_the_app_is_caught_by_the_recheck(app: Flask) -> None:
    app.config["FEED_STAMP_RECHECK_SECONDS"] = 0  # the default is 60: caught within a minute
    made = make_calendar()
    client = app.test_client()
    before = client.get("/feeds/side-events.ics?lang=en")
    lecture: SideEvent = made["lecture"]
    outside_the_app(app, "UPDATE side_event SET state = 'withdrawn', updated_at = :now WHERE id = :id",
                    now=datetime.now() + timedelta(seconds=1), id=lecture.id)
    after_the_memo_time()
    after = client.get("/feeds/side-events.ics?lang=en", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert len(parse_with_icaljs(after.data)["events"]) == len(parse_with_icaljs(before.data)["events"]) - 1


def test_tokens_lost_by_redis_never_bring_back_an_old_feed(app: Flask, second_server: Flask, published: Programme,
                                                          redis_prefix: str) -> None:
    with second_server.app_context():
        poller = second_server.test_client()
        cached = poller.get("/feeds/programme.ics")
    # Redis restarts empty while the organiser publishes: the new token never reaches it.
    client = redis.Redis.from_url(REDIS_TEST_URL)
    programme.set_session_status(item=published.health_panel, status=SessionStatus.CANCELLED)
    programme.publish_schedule(actor=published.organiser)
    db.session.commit()
    for key in client.scan_iter(f"{redis_prefix}*"):
        client.delete(key)
    after_the_memo_time()
    with second_server.app_context():
        after = poller.get("/feeds/programme.ics", headers={"If-None-Match": cached.headers["ETag"]})
    assert after.status_code == 200
    assert events_by_summary(after)["Vaccines, trust & society"]["status"] == "CANCELLED"


def test_a_commit_that_touches_nothing_feeds_show_keeps_the_token(app: Flask, published: Programme) -> None:
    store = feed_stamps.stamps()
    token = store.current(feed_stamps.PROGRAMME)
    side_token = store.current(feed_stamps.SIDE_EVENTS)
    UserFactory()
    db.session.commit()
    assert store.current(feed_stamps.PROGRAMME) == token
    assert store.current(feed_stamps.SIDE_EVENTS) == side_token
    programme.save_track(name="Climate")
    db.session.commit()
    assert store.current(feed_stamps.PROGRAMME) != token
    assert store.current(feed_stamps.SIDE_EVENTS) == side_token
