"""Without Redis (one machine), a polled feed reads its change token from a small file in the
instance folder, shared by the machine's worker processes, instead of asking the database;
a change made through any worker replaces the token, and writes from outside are caught by
the periodic comparison with the database."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask import Flask

from esof.extensions import db
from esof.feeds import stamps as feed_stamps
from esof.programme import services as programme
from esof.programme.models import SessionStatus
from tests.conftest import QueryCounter, make_app
from tests.feeds.conftest import Programme, move_opening_and_cancel_panel
from tests.feeds.parsers import events_by_summary
from tests.feeds.test_stamps import outside_the_app


@pytest.fixture
def other_worker(app: Flask) -> Flask:
    """Another worker process of the same machine: same database, same instance folder."""
    worker = make_app(app.config["SQLALCHEMY_DATABASE_URI"])
    worker.instance_path = app.instance_path
    return worker


def test_without_redis_the_token_lives_in_the_instance_folder(app: Flask, published: Programme) -> None:
    store = feed_stamps.stamps()
    assert isinstance(store, feed_stamps.FileStamps)
    app.test_client().get("/feeds/programme.ics")
    token_file = Path(app.instance_path) / "feed-stamps" / "programme"
    token, _, database_stamp = token_file.read_text().partition("\n")
    assert len(token) == 16 and database_stamp == "v1"


def test_a_polled_feed_costs_no_query_without_redis(app: Flask, published: Programme,
                                                    count_queries: QueryCounter) -> None:
    client = app.test_client()
    first = client.get("/feeds/programme.ics")
    count_queries.reset()
    again = client.get("/feeds/programme.ics")
    not_modified = client.get("/feeds/programme.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert again.data == first.data and not_modified.status_code == 304
    assert count_queries.statements == []


def test_a_publish_through_one_worker_is_in_the_other_workers_feed_on_the_next_poll(
    app: Flask, other_worker: Flask, published: Programme
) -> None:
    with other_worker.app_context():
        before = other_worker.test_client().get("/feeds/programme.ics")
    assert events_by_summary(before)["Opening ceremony"]["start"] == "2022-07-13T07:00:00.000Z"

    move_opening_and_cancel_panel(published)  # through this worker

    with other_worker.app_context():
        after = other_worker.test_client().get("/feeds/programme.ics",
                                               headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    events = events_by_summary(after)
    assert events["Opening ceremony"]["start"] == "2022-07-13T08:00:00.000Z"
    assert events["Vaccines, trust & society"]["status"] == "CANCELLED"


def test_a_write_from_outside_the_app_is_caught_by_the_recheck(app: Flask, published: Programme) -> None:
    feed_stamps.stamps().clock.seconds = 0  # FEED_STAMP_RECHECK_SECONDS, 60 by default: caught within a minute
    client = app.test_client()
    before = client.get("/feeds/programme.ics")
    outside_the_app(app, "INSERT INTO schedule_version (number, published_at, note, snapshot, changelog) "
                         "SELECT number + 1, published_at, 'by hand', snapshot, changelog "
                         "FROM schedule_version WHERE number = 1")
    # The new version holds no sessions: the feed must show that, not the cached copy.
    after = client.get("/feeds/programme.ics", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert events_by_summary(after) == {}


def test_a_token_file_that_cannot_be_read_falls_back_to_the_database(
    app: Flask, published: Programme, caplog: pytest.LogCaptureFixture
) -> None:
    token_file = Path(app.instance_path) / "feed-stamps" / "programme"
    token_file.unlink(missing_ok=True)
    token_file.mkdir(parents=True)  # a folder where the token file should be: reading it fails
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="esof.feeds.stamps"):
        before = client.get("/feeds/programme.ics")
    assert before.status_code == 200
    assert "reading stamps from the database" in caplog.text
    programme.set_session_status(item=published.health_panel, status=SessionStatus.CANCELLED)
    programme.publish_schedule(actor=published.organiser)
    db.session.commit()
    after = client.get("/feeds/programme.ics", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert events_by_summary(after)["Vaccines, trust & society"]["status"] == "CANCELLED"
