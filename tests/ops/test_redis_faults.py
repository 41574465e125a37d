"""Redis holds rate limits and the feed cache. The app answers without it, keeps answering
when it dies under load (degraded, logged) and goes back to it when it returns."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.ops.load import Answer, BackgroundLoad, failed_log_in, next_address
from tests.ops.processes import RedisServer, WebUser, app_environment, gunicorn, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

STEPS = [
    ("feed", lambda u: u.get("/feeds/programme.ics")),
    ("programme", lambda u: u.get("/programme/")),
    ("log-in", failed_log_in),
    ("health", lambda u: u.get("/healthz")),
]
EXPECTED = {"feed": 200, "programme": 200, "log-in": 422, "health": 200}  # 422: wrong password


def unexpected(answers: list[Answer]) -> list[tuple[str, int]]:
    return [(a.what, a.status) for a in answers if a.status != EXPECTED[a.what]]


def log_in_attempts_until_refused(base_url: str, attempts: int, address: str | None = None) -> list[int]:
    """The same client address failing to log in again and again: the limit (10 a minute)
    must refuse it, whichever storage counts."""
    user = WebUser(base_url, address=address or next_address())
    return [user.log_in("nobody@example.org", "wrong password 123").status_code for _ in range(attempts)]


def limit_shared_in_redis(base_url: str, redis: RedisServer) -> bool:
    """Ten failed log-ins pass and the eleventh is refused, counted in Redis: every worker
    counts there (one still counting in memory would let the eleventh through)."""
    address = next_address()
    statuses = log_in_attempts_until_refused(base_url, 11, address)
    return statuses == [422] * 10 + [429] and bool(redis.keys(f"LIMITS:*{address}*"))


def new_feed(base_url: str, language: str, day: str) -> bool:
    response = WebUser(base_url, address=next_address()).get(f"/feeds/programme.ics?lang={language}&day={day}")
    return response.status_code == 200


def test_app_answers_without_redis_degrades_when_it_dies_and_catches_up(
    postgres_url: str, tmp_path: Path
) -> None:
    redis = RedisServer()  # not started yet: the app must come up without it
    env = app_environment(postgres_url, REDIS_URL=redis.url)
    with gunicorn(env, tmp_path / "gunicorn.log", workers=2) as server:
        try:
            with BackgroundLoad(server.url, STEPS, threads=3) as load:
                # 1. Redis was never there: every answer is a real one.
                time.sleep(3)
                assert load.answers and unexpected(load.answers) == []

                # 2. Redis starts: rate limits and feeds move into it.
                redis.start()
                wait_until(lambda: redis.keys("LIMITS:*"), timeout=30, what="rate limits in Redis")
                # Feeds already in a process cache stay there; a feed not yet cached goes to Redis.
                wait_until(lambda: new_feed(server.url, "en", "2022-07-14") and redis.keys("esof:feed:*"),
                           timeout=20, what="the feed cache in Redis")
                # Each worker finds Redis again on its own schedule: wait until all of them count there.
                wait_until(lambda: limit_shared_in_redis(server.url, redis), timeout=60,
                           what="every worker counting log-in attempts in Redis")

                # 3. Redis dies under load: answers go on, from memory.
                redis.kill()
                died = time.monotonic()
                time.sleep(4)
                during = load.since(died)
                assert len(during) > 10
                assert unexpected(during) == []
                # Still limited, now per process (2 workers: at most 2 × 10 attempts get through).
                assert 429 in log_in_attempts_until_refused(server.url, 21)

                # 4. Redis returns (empty, as after a crash): the app goes back to it.
                redis.start()
                back = time.monotonic()
                wait_until(lambda: redis.keys("LIMITS:*"), timeout=60, what="rate limits back in Redis")
                wait_until(lambda: new_feed(server.url, "nl", "2022-07-15") and redis.keys("esof:feed:*"),
                           timeout=20, what="a new feed cached in Redis again")
                after = load.since(back)
            assert unexpected(after) == []
            assert unexpected(load.answers) == []
        finally:
            redis.kill()
    log = server.log()
    assert "Rate limit storage unreachable - falling back to in-memory storage" in log
    assert "Rate limit storage recovered" in log
    assert "Feed cache: Redis unavailable" in log
    assert "Feed cache: Redis is back" in log
    assert "Traceback" not in log
