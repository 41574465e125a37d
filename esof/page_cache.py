"""Anonymous public pages and the read API, kept rendered and keyed by what they show.

A key names every input of the page: the scheme and host, the path, the query string reduced
to the parameters the view reads (sorted by name, others dropped: they cannot change the
page), the language, the conference day (lists start "today"), the build (a digest of the
package's code, templates and catalogues: a deploy with other templates never gets the pages
the old ones rendered), the change token of each topic the page
shows (the feeds' tokens: publishing or moderating makes new keys, old entries just expire)
and, for a page with live numbers, those numbers read by one small query. Entries live in
Redis when REDIS_URL is set (shared by every app server) and in a bounded process LRU always.

The tokens come from a provider the composition installs (`install`): this module sits with
the shared modules, below the areas whose views it wraps, and below the feeds that own the
tokens. Without a provider or with the cache switched off the view renders as before. A
logged-in person gets a page whose content is the same for everybody (`shared`) as the
cached page with their own header rendered in; any other page (their stars, bookings,
warnings), and any page while a message waits in the session, is rendered whole for them.
Redis trouble never fails a page: the process cache answers, or the view renders.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, wraps
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Response, current_app, g, render_template_string, request, session
from flask.sansio.app import App
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_login import current_user

from esof.conference import conference_zone
from esof.db import utcnow

log = logging.getLogger(__name__)

# The feeds' topics (esof.feeds.stamps.PROGRAMME / SIDE_EVENTS); a test checks they agree.
PROGRAMME = "programme"
SIDE_EVENTS = "side-events"

TTL_SECONDS = 24 * 3600
MAX_AGE = 60  # a CDN or browser may keep a page a minute...
STALE_WHILE_REVALIDATE = 300  # ...and show it a little longer while it asks again
# Free-text searches (?q=) make as many keys as people type words: kept briefly, so that
# they cannot fill Redis for a day.
SEARCH_TTL_SECONDS = 600
TOKENS_KEY = "esof_page_cache_tokens"
CACHE_KEY = "esof_page_cache"

TokenProvider = Callable[[str], str]


@dataclass(frozen=True)
class CachedPage:
    body: bytes
    content_type: str
    etag: str  # unquoted; a digest of the body

    @classmethod
    def of(cls, body: bytes, content_type: str) -> CachedPage:
        return cls(body, content_type, hashlib.sha256(body).hexdigest()[:32])

    def to_redis(self) -> dict[str, bytes]:
        return {"body": self.body, "type": self.content_type.encode(), "etag": self.etag.encode()}

    @classmethod
    def from_redis(cls, fields: dict[bytes, bytes]) -> CachedPage:
        return cls(fields[b"body"], fields[b"type"].decode(), fields[b"etag"].decode())


class ProcessCache:
    """A bounded LRU with an expiry per entry, shared by the threads of one process."""

    def __init__(self, max_entries: int = 1024) -> None:
        self.entries: OrderedDict[str, tuple[float, CachedPage]] = OrderedDict()
        self.max_entries = max_entries
        self.lock = threading.Lock()

    def get(self, key: str) -> CachedPage | None:
        with self.lock:
            found = self.entries.get(key)
            if found is None:
                return None
            if found[0] < time.monotonic():
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return found[1]

    def set(self, key: str, page: CachedPage, ttl: float) -> None:
        with self.lock:
            self.entries[key] = (time.monotonic() + ttl, page)
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)


class PageCache:
    """The process cache first (keys change when data does, so a local hit is never stale),
    then Redis; after a Redis failure Redis is tried again at most every 5 seconds."""

    def __init__(self, redis_url: str | None, prefix: str = "esof:") -> None:
        self.local = ProcessCache()
        self.prefix = prefix + "page:"
        self.redis: Any = None  # redis-py types replies as awaitable-or-value
        self.down_since: float | None = None
        if redis_url:
            import redis

            self.redis = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def _usable(self) -> bool:
        return self.redis is not None and (self.down_since is None or time.monotonic() - self.down_since > 5)

    def _failed(self, exc: Exception) -> None:
        if self.down_since is None:
            log.warning("Page cache: Redis unavailable (%s); using the process cache", exc)
        self.down_since = time.monotonic()

    def get(self, key: str) -> CachedPage | None:
        found = self.local.get(key)
        if found is not None or not self._usable():
            return found
        import redis

        try:
            pipe = self.redis.pipeline(transaction=False)
            pipe.hgetall(self.prefix + key)
            pipe.ttl(self.prefix + key)
            fields, ttl = pipe.execute()
        except (redis.RedisError, OSError) as exc:
            self._failed(exc)
            return None
        self.down_since = None
        if not fields:
            return None
        page = CachedPage.from_redis(fields)
        self.local.set(key, page, max(ttl, 1))
        return page

    def set(self, key: str, page: CachedPage, ttl: float) -> None:
        self.local.set(key, page, ttl)
        if not self._usable():
            return
        import redis

        try:
            pipe = self.redis.pipeline(transaction=False)
            pipe.hset(self.prefix + key, mapping=page.to_redis())
            pipe.expire(self.prefix + key, int(ttl))
            pipe.execute()
        except (redis.RedisError, OSError) as exc:
            self._failed(exc)


class LiveMemo:
    """Live numbers (seats booked, waiting) read at most once per LIVE_SECONDS per process:
    the one query a cached session page still cost was most of its time. A booking on any
    server shows on every server within that time; a logged-in person's own page is rendered
    whole and shows it at once."""

    def __init__(self, max_entries: int = 4096) -> None:
        self.values: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self.max_entries = max_entries
        self.lock = threading.Lock()

    def get(self, key: str, seconds: float) -> Any | None:
        with self.lock:
            found = self.values.get(key)
        if found is None or time.monotonic() - found[0] >= seconds:
            return None
        return found[1]

    def set(self, key: str, value: Any) -> None:
        with self.lock:
            self.values[key] = (time.monotonic(), value)
            self.values.move_to_end(key)
            while len(self.values) > self.max_entries:
                self.values.popitem(last=False)


def live_seconds() -> float:
    return float(current_app.config.get("PAGE_CACHE_LIVE_SECONDS", 0.5))


def live_memo() -> LiveMemo:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    memo = app.extensions.get("esof_page_cache_live")
    if memo is None:
        memo = app.extensions["esof_page_cache_live"] = LiveMemo()
    return memo


def live_key(live: Callable[..., object], kwargs: dict[str, Any]) -> str:
    return f"{live.__module__}.{live.__qualname__}:{sorted(kwargs.items())!r}"


def remembered_live(live: Callable[..., object], kwargs: dict[str, Any]) -> str:
    key = live_key(live, kwargs)
    seconds = live_seconds()
    found = live_memo().get(key, seconds) if seconds > 0 else None
    if found is None:
        found = repr(live(**kwargs))
        live_memo().set(key, found)
    return str(found)


# --------------------------------------------------------------------------- wiring


def install(app: App, tokens: TokenProvider) -> None:
    """Give the cache its change tokens (the composition does this: see esof.main)."""
    app.extensions[TOKENS_KEY] = tokens
    if "PAGE_CACHE_ENABLED" not in app.config:
        # On unless ESOF_PAGE_CACHE says otherwise. Under TESTING off unless a test turns it
        # on: the suite's render-cost tests count the queries of a render, not of a hit.
        switch = os.environ.get("ESOF_PAGE_CACHE", "0" if app.testing else "1").strip().lower()
        app.config["PAGE_CACHE_ENABLED"] = switch not in {"0", "false", "no", "off"}
    app.jinja_env.globals["page_path"] = page_path
    build_version()  # read the files now, not during the first visitor's request


def page_cache() -> PageCache:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cache = app.extensions.get(CACHE_KEY)
    if cache is None:
        cache = app.extensions[CACHE_KEY] = PageCache(app.config.get("REDIS_URL"), app.config["REDIS_KEY_PREFIX"])
    return cache


def page_path() -> str:
    """This page's address as the cache knows it: the path with the query parameters the view
    reads (the language switch sends visitors back here). Elsewhere the full address."""
    names = g.get("page_cache_args")
    if names is None:
        return request.full_path.rstrip("?")
    query = normalised_query(names)
    return f"{request.path}?{query}" if query else request.path


def normalised_query(names: Iterable[str]) -> str:
    """The parameters a view reads, sorted by name (values keep their order)."""
    return urlencode([(name, value) for name in sorted(set(names)) for value in request.args.getlist(name)])


def personal_request() -> bool:
    """A request whose page may show something of its own: a logged-in person, or a message
    waiting in the session (shown once, to this browser only)."""
    return bool(current_user.is_authenticated or session.get("_flashes"))


def change_tokens() -> TokenProvider | None:
    if not current_app.config.get("PAGE_CACHE_ENABLED", True):
        return None
    provider: TokenProvider | None = current_app.extensions.get(TOKENS_KEY)
    return provider


def ttl_for(ttl: float) -> float:
    return min(ttl, SEARCH_TTL_SECONDS) if request.args.get("q") else ttl


# What a page's bytes are made of, besides the data: the package's own files.
BUILD_SUFFIXES = frozenset({".py", ".html", ".txt", ".mo", ".css", ".js", ".svg"})


@cache
def build_version() -> str:
    """A digest of the files that render pages: the same on every server of one deploy
    (contents, not modification times, which differ between machines), another after a
    deploy that changes any of them. ESOF_BUILD, if set, is used instead."""
    given = os.environ.get("ESOF_BUILD", "").strip()
    if given:
        return given
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in BUILD_SUFFIXES and "__pycache__" not in path.parts and path.is_file():
            digest.update(str(path.relative_to(package)).encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def page_key(provider: TokenProvider, topics: Iterable[str], names: Iterable[str], live: str) -> str:
    """Tokens are read here, before the view reads the database: an entry stored under a
    token never holds data older than the commit that made the token."""
    today = utcnow().astimezone(conference_zone()).date().isoformat()
    # Scheme and host: a few pages link to themselves absolutely (url_for(_external=True)).
    parts = [build_version(), request.scheme, request.host, request.path, normalised_query(names),
             str(get_locale() or ""), today, live, *(f"{topic}={provider(topic)}" for topic in topics)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def cache_headers(response: Response, page: CachedPage, *, live: bool, vary: str) -> Response:
    response.set_etag(page.etag)
    # A page with live numbers: a CDN keeps it but asks (If-None-Match) before each use.
    response.headers["Cache-Control"] = (
        "public, no-cache" if live else f"public, max-age={MAX_AGE}, stale-while-revalidate={STALE_WHILE_REVALIDATE}")
    if vary:
        response.vary.update(v.strip() for v in vary.split(","))
    return response


def answer(page: CachedPage, *, live: bool, vary: str) -> Response:
    if page.etag in request.if_none_match:
        response = current_app.response_class(status=304)
        response.headers.pop("Content-Type", None)
    else:
        response = current_app.response_class(page.body, status=200, content_type=page.content_type)
    return cache_headers(response, page, live=live, vary=vary)


# The layout's header is the one part of a shared page that is a logged-in person's own
# (their links, the log-out and language forms with their CSRF token).
HEADER_OPEN = '<header class="site-header">'
HEADER_CLOSE = "</header>"
LAYOUT_ONLY = '{% extends "base.html" %}'


def with_own_header(body: bytes) -> bytes | None:
    """The anonymous page with this person's header in place of the visitor's: the page
    they would get rendered whole, for the price of the layout. None if it has no header."""
    text = body.decode()
    start = text.find(HEADER_OPEN)
    end = text.find(HEADER_CLOSE, start)
    if start < 0 or end < 0:
        return None
    layout = render_template_string(LAYOUT_ONLY)
    own_start = layout.find(HEADER_OPEN)
    own_end = layout.find(HEADER_CLOSE, own_start)
    if own_start < 0 or own_end < 0:
        return None
    return (text[:start] + layout[own_start:own_end] + text[end:]).encode()


def shared_for_this_person(shared: bool | Callable[[], bool]) -> bool:
    if session.get("_flashes"):  # shown inside the page, once, to this browser
        return False
    return shared() if callable(shared) else shared


def cached_page(*, topics: tuple[str, ...], args: tuple[str, ...] = (),
                live: Callable[..., object] | None = None, ttl: float = TTL_SECONDS,
                vary: str = "Accept-Language, Cookie", personal: bool = True,
                shared: bool | Callable[[], bool] = False) -> Callable[..., Any]:
    """Serve the view from the cache for anonymous visitors.

    topics: whose change tokens key the page; args: the query parameters the view reads;
    live: called with the view's arguments, returns the live numbers the page shows (read on
    every request, part of the key); ttl: for pages with parts no token covers (a speaker's
    own profile); personal: False for answers that are the same for everybody (the API);
    shared: the page's content is the same for a logged-in person (or a callable that says
    whether it is for this one): they get the cached page with their own header.
    """

    def decorate(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
        @wraps(view)
        def wrapper(**kwargs: Any) -> ResponseReturnValue:
            # Cached or not, the page names itself the same way (page_path): same bytes.
            g.page_cache_args = args
            provider = change_tokens()
            if provider is None or request.method not in ("GET", "HEAD"):
                return view(**kwargs)
            if personal and personal_request():
                return own_page(view, kwargs, provider)
            live_now = remembered_live(live, kwargs) if live else ""
            key = page_key(provider, topics, args, live_now)
            cache = page_cache()
            found = cache.get(key)
            if found is not None:
                return answer(found, live=live is not None, vary=vary)
            response = current_app.make_response(view(**kwargs))
            if response.status_code != 200 or response.direct_passthrough or session.modified:
                return response
            page = CachedPage.of(response.get_data(), response.content_type or "text/html; charset=utf-8")
            # Live numbers that moved while the page rendered (or since they were remembered):
            # the page may show either; keep it only if they still are what the key says.
            fresh = live_now
            if live is not None:
                fresh = repr(live(**kwargs))
                live_memo().set(live_key(live, kwargs), fresh)
            if fresh == live_now:
                cache.set(key, page, ttl_for(ttl))
            cache_headers(response, page, live=live is not None, vary=vary)
            response.make_conditional(request)
            return response

        def own_page(view: Callable[..., ResponseReturnValue], kwargs: dict[str, Any],
                     provider: TokenProvider) -> Response:
            found = None
            if shared_for_this_person(shared):
                live_now = remembered_live(live, kwargs) if live else ""
                found = page_cache().get(page_key(provider, topics, args, live_now))
            body = with_own_header(found.body) if found is not None else None
            if found is None or body is None:
                response = current_app.make_response(view(**kwargs))
            else:
                response = current_app.response_class(body, status=200, content_type=found.content_type)
            # The same address shows other people other things: no shared cache may keep it.
            response.headers["Cache-Control"] = "private, no-cache"
            return response

        return wrapper

    return decorate
