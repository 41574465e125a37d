"""Rendered feeds, cached by what they depend on: in Redis when REDIS_URL is set, else in process.

Keys name their inputs (published version number, side-event change stamp, filters,
language), so publishing or moderating makes new keys and old entries simply expire.
If Redis goes away the app keeps answering from the process cache and logs it.
"""
from __future__ import annotations

import gzip
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from flask import current_app
from werkzeug.http import http_date, quote_etag

log = logging.getLogger(__name__)
TTL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class CachedFeed:
    body: bytes
    etag: str
    last_modified: datetime

    # Worked out once per cached feed rather than on every poll.
    @cached_property
    def etag_header(self) -> str:
        return quote_etag(self.etag)

    @cached_property
    def last_modified_header(self) -> str:
        return http_date(self.last_modified)

    @cached_property
    def gzipped(self) -> bytes:
        return gzip.compress(self.body, compresslevel=6, mtime=0)

    @property
    def gzip_etag(self) -> str:
        # Another representation of the same calendar needs its own strong tag (RFC 9110 8.8.3).
        return self.etag + "-gzip"

    @cached_property
    def gzip_etag_header(self) -> str:
        return quote_etag(self.gzip_etag)

    def to_redis(self) -> dict[str, bytes]:
        return {"body": self.body, "etag": self.etag.encode(), "lm": self.last_modified.isoformat().encode()}

    @classmethod
    def from_redis(cls, fields: dict[bytes, bytes]) -> CachedFeed:
        return cls(
            body=fields[b"body"],
            etag=fields[b"etag"].decode(),
            last_modified=datetime.fromisoformat(fields[b"lm"].decode()).astimezone(UTC),
        )


class ProcessCache:
    def __init__(self, max_entries: int = 512) -> None:
        self.entries: OrderedDict[str, tuple[float, CachedFeed]] = OrderedDict()
        self.max_entries = max_entries
        self.lock = threading.Lock()

    def get(self, key: str) -> CachedFeed | None:
        with self.lock:
            found = self.entries.get(key)
            if found is None:
                return None
            expires, feed = found
            if expires < time.monotonic():
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return feed

    def set(self, key: str, feed: CachedFeed) -> None:
        with self.lock:
            self.entries[key] = (time.monotonic() + TTL_SECONDS, feed)
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


class FeedCache:
    """Redis first (shared by every app server), the process cache as fallback."""

    def __init__(self, redis_url: str | None, prefix: str = "esof:") -> None:
        self.local = ProcessCache()
        self.prefix = prefix + "feed:"
        self.redis: Any = None
        self.redis_down_since: float | None = None
        if redis_url:
            import redis

            self.redis = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def _redis_failed(self, exc: Exception) -> None:
        if self.redis_down_since is None:
            log.warning("Feed cache: Redis unavailable (%s); using the process cache", exc)
            self.redis_down_since = time.monotonic()

    def _redis_usable(self) -> bool:
        # After a failure, try Redis again at most every 5 seconds instead of on every request.
        return self.redis is not None and (
            self.redis_down_since is None or time.monotonic() - self.redis_down_since > 5
        )

    def get(self, key: str) -> CachedFeed | None:
        found = self.local.get(key)
        if found is not None or not self._redis_usable():
            return found
        import redis

        try:
            fields = self.redis.hgetall(f"{self.prefix}{key}")
        except redis.RedisError as exc:
            self._redis_failed(exc)
            return None
        if self.redis_down_since is not None:
            log.info("Feed cache: Redis is back")
            self.redis_down_since = None
        if not fields:
            return None
        feed = CachedFeed.from_redis(fields)
        self.local.set(key, feed)
        return feed

    def set(self, key: str, feed: CachedFeed) -> None:
        self.local.set(key, feed)
        if not self._redis_usable():
            return
        import redis

        try:
            pipe = self.redis.pipeline()
            pipe.hset(f"{self.prefix}{key}", mapping=feed.to_redis())
            pipe.expire(f"{self.prefix}{key}", TTL_SECONDS)
            pipe.execute()
            self.redis_down_since = None
        except redis.RedisError as exc:
            self._redis_failed(exc)


def feed_cache() -> FeedCache:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cache = app.extensions.get("esof_feed_cache")
    if cache is None:
        cache = FeedCache(app.config.get("REDIS_URL"), app.config["REDIS_KEY_PREFIX"])
        app.extensions["esof_feed_cache"] = cache
    return cache
