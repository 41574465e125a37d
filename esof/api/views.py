"""HTTP handlers of the api area: the public, read-only JSON API (docs/API.md).

Every answer is JSON with a strong ETag computed from its body (304 to a matching
If-None-Match) and open CORS for GET/HEAD/OPTIONS. Errors come from esof.errors as
{"error", "reason", "status"}. Lists answer {"items", "total", "next"}.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, request
from flask.typing import ResponseReturnValue

from esof import access, page_cache
from esof.api import openapi, params, services
from esof.bookings.services import seat_counts
from esof.extensions import csrf, limiter
from esof.page_cache import PROGRAMME, SIDE_EVENTS
from esof.programme.filters import known_filter_values
from esof.urls import external_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Read-only: no forms to protect, and the login/sign-up rate limits are not the API's.
csrf.exempt(bp)
limiter.exempt(bp)

MAX_ID = 2**31 - 1  # larger ids cannot exist; the converter answers 404 without a query
CACHE_MAX_AGE = 60
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag",
}
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language, If-None-Match, If-Modified-Since",
    "Access-Control-Max-Age": "86400",
}
SESSION_ARGS = ("day", "track", "venue", "format", "language", "q", "lang")
SIDE_EVENT_ARGS = ("category", "audience", "language", "neighbourhood", "free", "q", "from", "to", "lang")
SPEAKER_ARGS = ("q",)
PAGE_ARGS = ("page", "per_page")
# Not covered by a change token, so kept a minute at most: opening hours, a speaker's own
# profile, and side events listed from "now" (an occurrence that has begun drops out).
UNTRACKED_SECONDS = 60


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def json_response(payload: Any) -> Response:
    return body_response(dumps(payload))


def body_response(body: bytes) -> Response:
    response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_MAX_AGE
    response.make_conditional(request)  # in place (it returns the response as werkzeug's type)
    return response


def with_live_seats(body: bytes) -> bytes:
    """Seats booked and waiting, read now (one query for the whole answer) over a cached
    answer: the rest of a session only changes when a version is published."""
    payload = json.loads(body)
    items = payload.get("items", [payload])
    counts = seat_counts([item["id"] for item in items])
    for item in items:
        found = counts.get(item["id"])
        if item["room"] is not None and item["needs_booking"] and found is not None:
            item["capacity"] = found.capacity
        item["booked"] = found.booked if found is not None else 0
        item["waitlisted"] = found.waitlisted if found is not None else 0
    return dumps(payload)


def cached_json(topics: tuple[str, ...], args: tuple[str, ...] = (), *, seats: bool = False,
                ttl: float = page_cache.TTL_SECONDS) -> Callable[..., Any]:
    """The answer's body from the page cache, keyed by the topics' change tokens and the
    parameters the view reads; the same for everybody, so also for a logged-in caller."""

    def decorate(view: Callable[..., Any]) -> Callable[..., ResponseReturnValue]:
        @wraps(view)
        def wrapper(**kwargs: Any) -> ResponseReturnValue:
            provider = page_cache.change_tokens()
            if provider is None:
                return body_response(dumps(view(**kwargs)))
            key = page_cache.page_key(provider, topics, args, "")
            cache = page_cache.page_cache()
            found = cache.get(key)
            if found is None:  # rendered now: its seat numbers are as fresh as can be
                body = dumps(view(**kwargs))
                cache.set(key, page_cache.CachedPage.of(body, "application/json"), page_cache.ttl_for(ttl))
                return body_response(body)
            if not seats:
                return body_response(found.body)
            # The seat numbers over it are read at most once per PAGE_CACHE_LIVE_SECONDS.
            memo, seconds = page_cache.live_memo(), page_cache.live_seconds()
            overlaid: bytes | None = memo.get(key, seconds) if seconds > 0 else None
            if overlaid is None:
                overlaid = with_live_seats(found.body)
                memo.set(key, overlaid)
            return body_response(overlaid)

        return wrapper

    return decorate


def list_payload(found: services.ItemPage, names: tuple[str, ...] = ()) -> dict[str, Any]:
    """The list envelope; `next` repeats the request's filters with the following page."""
    next_url = None
    if found.has_next:
        args: dict[str, Any] = {name: request.args.getlist(name) for name in names if name in request.args}
        args["page"] = found.page.page + 1
        if "per_page" in request.args:
            args["per_page"] = found.page.per_page
        next_url = external_url(request.endpoint or "", **args)
    return {"items": found.items, "total": found.total, "next": next_url}


@bp.after_app_request
def allow_cross_origin(response: Response) -> Response:
    """Everything under /api/ may be read from any origin (errors and unknown paths too)."""
    if request.path.startswith("/api/"):
        response.headers.update(CORS_HEADERS)
        if request.method == "OPTIONS":
            response.headers.update(PREFLIGHT_HEADERS)
    return response


@bp.get("/openapi.json")
@access.public
@cached_json((PROGRAMME,))
def openapi_document() -> Any:
    return openapi.document(known_filter_values())


@bp.get("/sessions")
@access.public
@cached_json((PROGRAMME,), (*SESSION_ARGS, *PAGE_ARGS), seats=True)
def session_list() -> Any:
    filters = params.parse_session_filters(request.args)
    language = params.parse_language(request.args)
    page = params.parse_page(request.args)
    return list_payload(services.list_sessions(filters=filters, page=page, language=language), SESSION_ARGS)


@bp.get(f"/sessions/<int(max={MAX_ID}):session_id>")
@access.public
@cached_json((PROGRAMME,), ("lang",), seats=True)
def session_detail(session_id: int) -> Any:
    language = params.parse_language(request.args)
    return services.get_session(session_id=session_id, language=language)


@bp.get("/venues")
@access.public
@cached_json((PROGRAMME, SIDE_EVENTS), PAGE_ARGS, ttl=UNTRACKED_SECONDS)
def venue_list() -> Any:
    return list_payload(services.list_venues(page=params.parse_page(request.args)))


@bp.get(f"/venues/<int(max={MAX_ID}):venue_id>")
@access.public
@cached_json((PROGRAMME, SIDE_EVENTS), ttl=UNTRACKED_SECONDS)
def venue_detail(venue_id: int) -> Any:
    return services.get_venue(venue_id=venue_id)


@bp.get("/tracks")
@access.public
@cached_json((PROGRAMME,), PAGE_ARGS)
def track_list() -> Any:
    return list_payload(services.list_tracks(page=params.parse_page(request.args)))


@bp.get("/side-events")
@access.public
@cached_json((SIDE_EVENTS,), (*SIDE_EVENT_ARGS, *PAGE_ARGS), ttl=UNTRACKED_SECONDS)
def side_event_list() -> Any:
    query = params.parse_side_event_query(request.args)
    language = params.parse_language(request.args)
    page = params.parse_page(request.args)
    found = services.list_side_events(query=query, language=language, page=page)
    return list_payload(found, SIDE_EVENT_ARGS)


@bp.get(f"/side-events/<int(max={MAX_ID}):event_id>")
@access.public
@cached_json((SIDE_EVENTS,), ("lang", "from"), ttl=UNTRACKED_SECONDS)
def side_event_detail(event_id: int) -> Any:
    language = params.parse_language(request.args)
    occurrences_from = params.parse_occurrences_from(request.args)
    return services.get_side_event(event_id=event_id, occurrences_from=occurrences_from, language=language)


@bp.get("/speakers")
@access.public
@cached_json((PROGRAMME,), (*SPEAKER_ARGS, *PAGE_ARGS), ttl=UNTRACKED_SECONDS)
def speaker_list() -> Any:
    q = params.parse_speaker_query(request.args)
    page = params.parse_page(request.args)
    return list_payload(services.list_speakers(q=q, page=page), SPEAKER_ARGS)


@bp.get(f"/speakers/<int(max={MAX_ID}):speaker_id>")
@access.public
@cached_json((PROGRAMME,), ttl=UNTRACKED_SECONDS)
def speaker_detail(speaker_id: int) -> Any:
    return services.get_speaker(speaker_id=speaker_id)
