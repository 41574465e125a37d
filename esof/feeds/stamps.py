"""Change stamps: the part of a cached feed's key that says which data it was rendered from.

A poll reads a generation token instead of asking the database: with Redis one GET shared by
every app server; without Redis (one machine) a small file in the instance folder shared by
the machine's worker processes. Any commit that touched what feeds show replaces the token
right after it commits. SQLAlchemy session events notice those commits, so no write path has
to remember to do it. Writes that bypass the ORM session (psql, another tool, a commit made
while Redis was down, another machine without Redis) are caught by comparing the database
stamp with the one recorded beside the token, at most every FEED_STAMP_RECHECK_SECONDS per
process. If neither store works, the stamp is read from the database on every poll.

The order is what keeps feeds fresh: a reader takes the token before it reads the database,
and a writer replaces the token only after its commit, so an entry cached under a token
never holds data older than the commit that produced that token.
"""
from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from esof.programme.models import PublishedSession, PublishedSpeaker, ScheduleVersion, Track
from esof.programme.queries import latest_version_stamp
from esof.side_events.models import (
    PartnerOrganisation,
    SideEvent,
    SideEventOccurrence,
    SideEventOccurrenceCancellation,
    SideEventRevision,
)
from esof.side_events.queries import change_stamp as side_events_change_stamp
from esof.venues.models import Room, Venue

log = logging.getLogger(__name__)

PROGRAMME = "programme"
SIDE_EVENTS = "side-events"
TOPICS_KEY = "esof_feed_topics"


def watched_models() -> dict[type, tuple[str, ...]]:
    """Which rows each feed shows; a commit touching one of them changes that feed's stamp.

    The programme feeds read only published rows, and the names of the places and tracks
    they point to; the organisers' draft (sessions, speakers, slots) is not among them."""
    return {
        ScheduleVersion: (PROGRAMME,), PublishedSession: (PROGRAMME,), PublishedSpeaker: (PROGRAMME,),
        Track: (PROGRAMME,), Room: (PROGRAMME,),
        Venue: (PROGRAMME, SIDE_EVENTS),
        SideEvent: (SIDE_EVENTS,), SideEventRevision: (SIDE_EVENTS,), PartnerOrganisation: (SIDE_EVENTS,),
        SideEventOccurrence: (SIDE_EVENTS,), SideEventOccurrenceCancellation: (SIDE_EVENTS,),
    }


def database_stamps() -> dict[str, Callable[[], str]]:
    def programme() -> str:
        version = latest_version_stamp()
        return f"v{version.number}" if version else "v0"

    return {PROGRAMME: programme, SIDE_EVENTS: side_events_change_stamp}


# --------------------------------------------------------------------------- noticing commits

_WATCHED: dict[type, tuple[str, ...]] | None = None


def _topics_of(classes: Iterable[type]) -> set[str]:
    global _WATCHED
    if _WATCHED is None:
        _WATCHED = watched_models()
    topics: set[str] = set()
    for cls in classes:
        topics.update(_WATCHED.get(cls, ()))
    return topics


def _note(session: Session, topics: set[str]) -> None:
    if topics:
        session.info.setdefault(TOPICS_KEY, set()).update(topics)


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    changed = {type(obj) for obj in (*session.new, *session.dirty, *session.deleted)}
    _note(session, _topics_of(changed))


def _on_orm_execute(state: ORMExecuteState) -> None:
    # Bulk UPDATE/DELETE/INSERT statements bypass the flush, so look at what they target.
    if state.is_update or state.is_delete or state.is_insert:
        _note(state.session, _topics_of(mapper.class_ for mapper in state.all_mappers))


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT released: nothing is visible to others yet
        return
    topics = session.info.pop(TOPICS_KEY, None)
    if topics and has_app_context():
        stamps().changed(topics)


def _after_rollback(session: Session) -> None:
    # Back to a SAVEPOINT, the outer transaction's changes may still be committed: keep them.
    if not session.in_nested_transaction():
        session.info.pop(TOPICS_KEY, None)


def listen_for_feed_changes() -> None:
    for name, handler in (("after_flush", _after_flush), ("do_orm_execute", _on_orm_execute),
                          ("after_commit", _after_commit), ("after_rollback", _after_rollback)):
        if not sa.event.contains(Session, name, handler):
            sa.event.listen(Session, name, handler)


# --------------------------------------------------------------------------- reading stamps


class DatabaseStamps:
    """The fallback: ask the database every time (one small query per poll)."""

    def current(self, topic: str) -> str:
        return "db:" + database_stamps()[topic]()

    def changed(self, topics: Iterable[str]) -> None:
        """Nothing to do: the next read sees the commit."""


class RecheckClock:
    """Says when a topic's token is due for its comparison with the database, per process."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.checked_at: dict[str, float] = {}
        self.lock = threading.Lock()

    def due(self, topic: str) -> bool:
        now = time.monotonic()
        with self.lock:
            if now - self.checked_at.get(topic, -1e9) < self.seconds:
                return False
            self.checked_at[topic] = now
            return True


class FileStamps:
    """No Redis: a token per topic in `<instance>/feed-stamps/<topic>` (token, then the
    database stamp it was checked against), read by every worker of the machine. A file read
    costs microseconds where the database query cost a round trip; replacing the file is
    atomic (os.replace), so a reader sees the old token or the new one, never half of one."""

    def __init__(self, folder: Path, recheck_seconds: float) -> None:
        self.folder = folder
        self.clock = RecheckClock(recheck_seconds)
        self.fallback = DatabaseStamps()
        self.broken = False

    def path(self, topic: str) -> Path:
        return self.folder / topic

    def _read(self, topic: str) -> tuple[str, str] | None:
        try:
            token, _, database_stamp = self.path(topic).read_text().partition("\n")
        except FileNotFoundError:
            return None
        return (token, database_stamp) if token else None

    def _write(self, topic: str, database_stamp: str) -> None:
        path = self.path(topic)
        partial = path.with_name(f".{topic}.{os.getpid()}.{threading.get_ident()}")
        partial.write_text(f"{secrets.token_hex(8)}\n{database_stamp}")
        os.replace(partial, path)

    def _broke(self, exc: OSError) -> None:
        if not self.broken:
            log.warning("Feed stamps: cannot use %s (%s); reading stamps from the database", self.folder, exc)
        self.broken = True

    def current(self, topic: str) -> str:
        if self.broken:
            return self.fallback.current(topic)
        try:
            found = self._read(topic)
            if found is None or self.clock.due(topic):
                in_database = database_stamps()[topic]()
                if found is None or found[1] != in_database:
                    self._write(topic, in_database)
                    found = self._read(topic)
        except OSError as exc:
            self._broke(exc)
            return self.fallback.current(topic)
        return "file:" + found[0] if found else self.fallback.current(topic)

    def changed(self, topics: Iterable[str]) -> None:
        if self.broken:
            return
        try:
            for topic in topics:
                found = self._read(topic)
                self._write(topic, found[1] if found else "")
        except OSError as exc:
            self._broke(exc)


class RedisStamps:
    """A generation token per topic in Redis, shared by every app server."""

    def __init__(self, redis_url: str, recheck_seconds: float, prefix: str = "esof:",
                 memo_seconds: float = 0.0) -> None:
        import redis

        self.prefix = prefix + "feed-stamp:"
        # Any: redis-py types its replies as awaitable-or-value, which no caller here can be.
        self.redis: Any = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self.clock = RecheckClock(recheck_seconds)
        # A token read from Redis is reused for memo_seconds: a Redis round trip was a third
        # of a poll. Changes committed in this process replace it at once; another server's
        # change shows here within memo_seconds. Reusing an older token is safe: data read
        # after it is newer than the commit that made it, never older.
        self.memo_seconds = memo_seconds
        self.memo: dict[str, tuple[str, float]] = {}
        self.unsent: set[str] = set()  # changes committed while Redis was unreachable
        self.down_since: float | None = None
        self.fallback = DatabaseStamps()

    def key(self, topic: str) -> str:
        return self.prefix + topic

    def _usable(self) -> bool:
        # After a failure, try Redis again at most every 2 seconds, not on every request.
        return self.down_since is None or time.monotonic() - self.down_since > 2

    def _failed(self, exc: Exception) -> None:
        if self.down_since is None:
            log.warning("Feed stamps: Redis unavailable (%s); reading stamps from the database", exc)
        self.down_since = time.monotonic()

    def current(self, topic: str) -> str:
        now = time.monotonic()
        remembered = self.memo.get(topic)
        if remembered is not None and now - remembered[1] < self.memo_seconds:
            return remembered[0]
        if not self._usable():
            return self.fallback.current(topic)
        try:
            if self.unsent:
                self._replace(set(self.unsent))
                self.unsent.clear()
            if self.clock.due(topic):
                self._recheck(topic)
            token = self.redis.hget(self.key(topic), "gen")
            if token is None:
                token = self._start(topic)
        except self.errors as exc:
            self._failed(exc)
            return self.fallback.current(topic)
        if self.down_since is not None:
            log.info("Feed stamps: Redis is back")
            self.down_since = None
        stamp = "gen:" + token.decode()
        self.memo[topic] = (stamp, now)
        return stamp

    def changed(self, topics: Iterable[str]) -> None:
        topics = set(topics)
        try:
            self._replace(topics)
        except self.errors as exc:
            self._failed(exc)
            self.unsent.update(topics)
            for topic in topics:
                self.memo.pop(topic, None)

    def _replace(self, topics: set[str]) -> None:
        tokens = {topic: secrets.token_hex(8) for topic in topics}
        pipe = self.redis.pipeline(transaction=False)
        for topic, token in tokens.items():
            pipe.hset(self.key(topic), "gen", token)
        pipe.execute()
        now = time.monotonic()
        for topic, token in tokens.items():
            self.memo[topic] = ("gen:" + token, now)

    def _start(self, topic: str) -> bytes:
        # Redis lost the token (restart, eviction): a fresh random one, never an old value
        # that a process might still hold entries for. HSETNX: concurrent starters agree.
        self.redis.hsetnx(self.key(topic), "gen", secrets.token_hex(8))
        return self.redis.hget(self.key(topic), "gen")

    def _recheck(self, topic: str) -> None:
        """Catch writes the session events could not see: compare with the database stamp."""
        in_database = database_stamps()[topic]().encode()
        recorded = self.redis.hget(self.key(topic), "db")
        if recorded != in_database:
            self.redis.hset(self.key(topic), mapping={"gen": secrets.token_hex(8), "db": in_database})


def stamps() -> DatabaseStamps | FileStamps | RedisStamps:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("esof_feed_stamps")
    if found is None:
        found = app.extensions["esof_feed_stamps"] = make_stamps(app)
    return found


def make_stamps(app: Flask) -> Any:
    if app.config.get("REDIS_URL"):
        return RedisStamps(app.config["REDIS_URL"], app.config["FEED_STAMP_RECHECK_SECONDS"],
                           app.config["REDIS_KEY_PREFIX"], app.config["FEED_STAMP_MEMO_SECONDS"])
    folder = Path(app.instance_path) / "feed-stamps"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("Feed stamps: cannot create %s (%s); reading stamps from the database", folder, exc)
        return DatabaseStamps()
    return FileStamps(folder, app.config["FEED_STAMP_RECHECK_SECONDS"])
