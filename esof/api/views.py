"""HTTP handlers of the api area: the public, read-only JSON API (docs/API.md).

Every answer is JSON with a strong ETag computed from its body (304 to a matching
If-None-Match) and open CORS for GET/HEAD/OPTIONS. Errors come from esof.errors as
{"error", "reason", "status"}. Lists answer {"items", "total", "next"}.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Blueprint, Response, current_app, request
from flask.typing import ResponseReturnValue

from esof.api import openapi, params, services
from esof.extensions import csrf, limiter
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


def json_response(payload: Any) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_MAX_AGE
    response.make_conditional(request)  # in place (it returns the response as werkzeug's type)
    return response


def list_response(found: services.ItemPage, names: tuple[str, ...] = ()) -> Response:
    """The list envelope; `next` repeats the request's filters with the following page."""
    next_url = None
    if found.has_next:
        args: dict[str, Any] = {name: request.args.getlist(name) for name in names if name in request.args}
        args["page"] = found.page.page + 1
        if "per_page" in request.args:
            args["per_page"] = found.page.per_page
        next_url = external_url(request.endpoint or "", **args)
    return json_response({"items": found.items, "total": found.total, "next": next_url})


@bp.after_app_request
def allow_cross_origin(response: Response) -> Response:
    """Everything under /api/ may be read from any origin (errors and unknown paths too)."""
    if request.path.startswith("/api/"):
        response.headers.update(CORS_HEADERS)
        if request.method == "OPTIONS":
            response.headers.update(PREFLIGHT_HEADERS)
    return response


@bp.get("/openapi.json")
def openapi_document() -> ResponseReturnValue:
    return json_response(openapi.document(known_filter_values()))


@bp.get("/sessions")
def session_list() -> ResponseReturnValue:
    filters = params.parse_session_filters(request.args)
    language = params.parse_language(request.args)
    page = params.parse_page(request.args)
    return list_response(services.list_sessions(filters=filters, page=page, language=language), SESSION_ARGS)


@bp.get(f"/sessions/<int(max={MAX_ID}):session_id>")
def session_detail(session_id: int) -> ResponseReturnValue:
    language = params.parse_language(request.args)
    return json_response(services.get_session(session_id=session_id, language=language))


@bp.get("/venues")
def venue_list() -> ResponseReturnValue:
    return list_response(services.list_venues(page=params.parse_page(request.args)))


@bp.get(f"/venues/<int(max={MAX_ID}):venue_id>")
def venue_detail(venue_id: int) -> ResponseReturnValue:
    return json_response(services.get_venue(venue_id=venue_id))


@bp.get("/tracks")
def track_list() -> ResponseReturnValue:
    return list_response(services.list_tracks(page=params.parse_page(request.args)))


@bp.get("/side-events")
def side_event_list() -> ResponseReturnValue:
    query = params.parse_side_event_query(request.args)
    language = params.parse_language(request.args)
    page = params.parse_page(request.args)
    found = services.list_side_events(query=query, language=language, page=page)
    return list_response(found, SIDE_EVENT_ARGS)


@bp.get(f"/side-events/<int(max={MAX_ID}):event_id>")
def side_event_detail(event_id: int) -> ResponseReturnValue:
    language = params.parse_language(request.args)
    occurrences_from = params.parse_occurrences_from(request.args)
    return json_response(services.get_side_event(event_id=event_id, occurrences_from=occurrences_from,
                                                 language=language))


@bp.get("/speakers")
def speaker_list() -> ResponseReturnValue:
    q = params.parse_speaker_query(request.args)
    page = params.parse_page(request.args)
    return list_response(services.list_speakers(q=q, page=page), SPEAKER_ARGS)


@bp.get(f"/speakers/<int(max={MAX_ID}):speaker_id>")
def speaker_detail(speaker_id: int) -> ResponseReturnValue:
    return json_response(services.get_speaker(speaker_id=speaker_id))
