"""The OpenAPI 3.1 description of the public API, served at /api/v1/openapi.json.

Hand-written on purpose: it is the contract the conference platform, the app and the
partners' sites build against, so it changes only when we mean it to. tests/api checks
real responses against these schemas and fuzzes the API from this document (Schemathesis).
"""
from __future__ import annotations

from copy import deepcopy
from typing import Any

from esof.api import params
from esof.programme import filters
from esof.side_events.models import AUDIENCE_VALUES
from esof.side_events.queries import CATEGORY_VALUES, MAX_QUERY_LENGTH

REF = "#/components/schemas/"


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def obj(properties: dict[str, Any], *, required: list[str] | None = None) -> dict[str, Any]:
    """An object whose listed properties are all present (the API never omits a key)."""
    return {
        "type": "object",
        "required": required if required is not None else list(properties),
        "properties": properties,
    }


STRING = {"type": "string"}
NO_NUL = "^[^\\u0000]*$"  # text parameters: PostgreSQL cannot hold NUL, so the API refuses it
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
NUMBER = {"type": "number"}
ID = {"type": "integer", "minimum": 1}
URL = {"type": "string", "format": "uri"}
DATE = {"type": "string", "format": "date"}
DATE_TIME = {
    "type": "string", "format": "date-time",
    "description": "ISO 8601 wall-clock time in the conference zone with its offset, e.g. 2022-07-13T09:00:00+02:00.",
}
DATE_OR_DATE_TIME = {
    "type": "string",
    "anyOf": [{"format": "date-time"}, {"format": "date"}],
    "description": "A date-time with offset, or a date (YYYY-MM-DD) for all-day events.",
}
TIMEZONE = {"type": "string", "const": "Europe/Amsterdam", "description": "The zone of every local time."}
LANGUAGE = {"type": "string", "enum": ["en", "nl"]}


def _list_of(item: str) -> dict[str, Any]:
    return obj({
        "items": {"type": "array", "items": ref(item)},
        "total": {"type": "integer", "minimum": 0, "description": "Items matching the filters, on all pages."},
        "next": nullable({**URL, "description": "The next page (same filters), or null on the last page."}),
    })


SCHEMAS: dict[str, Any] = {
    "Error": obj({
        "error": STRING,
        "reason": {"type": "string", "description": "What was wrong, in words a developer can act on."},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
    }),
    "Track": obj({
        "id": ID, "slug": STRING, "name": STRING,
        "name_nl": {"type": "string", "description": "Dutch name (the English one when there is none)."},
        "colour": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
    }),
    "VenueRef": obj({"id": ID, "slug": STRING, "name": STRING}),
    "RoomRef": obj({"id": ID, "name": STRING}),
    "Room": obj({
        "id": ID, "name": STRING, "capacity": {"type": "integer", "minimum": 0},
        "layout": STRING, "streaming": BOOLEAN, "step_free": BOOLEAN,
    }),
    "OpeningHours": obj({
        "day": DATE,
        "opens": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "description": "Local time."},
        "closes": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "description": "Local time."},
    }),
    "Venue": obj({
        "id": ID, "slug": STRING, "name": STRING, "address": STRING, "city": STRING,
        "latitude": nullable(NUMBER), "longitude": nullable(NUMBER), "step_free": BOOLEAN,
        "description": STRING,
        "rooms": {"type": "array", "items": ref("Room")},
        "opening_hours": {"type": "array", "items": ref("OpeningHours")},
        "timezone": TIMEZONE,
    }),
    "Speaker": obj({"id": ID, "name": STRING, "affiliation": STRING, "role": STRING}),
    "Session": obj({
        "id": ID,
        "title": {"type": "string", "description": "In the language asked with `lang`, else in English."},
        "title_language": LANGUAGE,
        "abstract": {"type": "string", "description": "Plain text; paragraphs separated by a blank line."},
        "format": {"type": "string", "enum": list(filters.SESSION_FORMATS)},
        "language": LANGUAGE,
        "track": nullable(ref("Track")),
        "start": DATE_TIME,
        "end": DATE_TIME,
        "timezone": TIMEZONE,
        "room": nullable(ref("RoomRef")),
        "venue": nullable(ref("VenueRef")),
        "speakers": {"type": "array", "items": ref("Speaker")},
        "needs_booking": BOOLEAN,
        "capacity": nullable({
            "type": "integer", "minimum": 0,
            "description": "Seats: the room's capacity, or the session's lower booking cap when it needs booking. "
                           "Null without a room.",
        }),
        "booked": {"type": "integer", "minimum": 0, "description": "Confirmed bookings."},
        "waitlisted": {"type": "integer", "minimum": 0, "description": "Bookings on the waiting list."},
        "status": {"type": "string", "enum": ["confirmed", "cancelled"]},
        "updated": DATE_TIME,
        "url": {**URL, "description": "The session's public page."},
    }),
    "Occurrence": obj({
        "start": DATE_OR_DATE_TIME, "end": DATE_OR_DATE_TIME,
        "status": {"type": "string", "enum": ["confirmed", "cancelled"],
                   "description": "Cancelled: this date alone, or its whole event, is cancelled."},
    }),
    "Organisation": obj({"id": ID, "slug": STRING, "name": STRING, "website": nullable(STRING)}),
    "Location": obj({
        "name": STRING, "address": STRING, "neighbourhood": STRING, "venue": nullable(ref("VenueRef")),
        "latitude": nullable(NUMBER), "longitude": nullable(NUMBER),
    }),
    "SideEvent": obj({
        "id": ID,
        "title": STRING,
        "title_language": LANGUAGE,
        "description": {"type": "string", "description": "Sanitised HTML."},
        "description_language": LANGUAGE,
        "all_day": BOOLEAN,
        "start": {**DATE_OR_DATE_TIME, "description": "First occurrence: date-time, or a date when all_day."},
        "end": {**DATE_OR_DATE_TIME,
                "description": "End of the first occurrence; for all-day events the last day (inclusive)."},
        "timezone": TIMEZONE,
        "rrule": nullable({"type": "string", "description": "RFC 5545 RRULE value, expanded in the conference zone."}),
        "exdates": {"type": "array", "items": DATE, "description": "Local days left out of the rule."},
        "next_occurrences": {
            "type": "array", "items": ref("Occurrence"), "maxItems": 10,
            "description": "Up to 10 occurrences ending after `from` (or now) and starting before `to`.",
        },
        "category": {"type": "string", "enum": sorted(CATEGORY_VALUES)},
        "audience": {"type": "array", "items": {"type": "string", "enum": sorted(AUDIENCE_VALUES)}},
        "language": LANGUAGE,
        "organisation": ref("Organisation"),
        "location": ref("Location"),
        "free": BOOLEAN,
        "price_cents": {"type": "integer", "minimum": 0},
        "booking_url": nullable(STRING),
        "image_url": nullable(STRING),
        "image_alt": nullable({"type": "string", "description": "What the image shows (empty: decorative); "
                                                                "null without an image."}),
        "status": {"type": "string", "enum": ["confirmed", "cancelled"],
                   "description": "A cancelled event stays in the list (struck through on the calendar)."},
        "cancellation_reason": nullable({"type": "string", "description": "The reason given, if any, when cancelled."}),
        "url": {**URL, "description": "The event's public page."},
    }),
    "SpeakerItem": obj({
        "id": {**ID, "description": "The speaker's id (the same as `speakers[].id` of a session)."},
        "name": {"type": "string", "description": "As the latest published version shows it."},
        "affiliation": {"type": "string", "description": "As the latest published version shows it."},
        "bio": {"type": "string", "description": "The speaker's own text, shown as they keep it; plain text, "
                                                 "paragraphs separated by a blank line."},
        "photo_url": nullable({"type": "string", "pattern": "^https://",
                               "description": "An https address of a portrait, or null."}),
        "sessions": {"type": "array", "items": ID,
                     "description": "Ids of the speaker's published sessions, by start time (cancelled ones too)."},
        "url": {**URL, "description": "The speaker's public page."},
    }),
    "SessionList": _list_of("Session"),
    "VenueList": _list_of("Venue"),
    "TrackList": _list_of("Track"),
    "SideEventList": _list_of("SideEvent"),
    "SpeakerList": _list_of("SpeakerItem"),
}


def query(name: str, schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description, **extra}


def array_query(name: str, values: list[str], description: str) -> dict[str, Any]:
    return query(name, {"type": "array", "items": {"type": "string", "enum": values}}, description,
                 style="form", explode=True)


def path_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}


PAGE_PARAMETERS = [
    query("page", {"type": "integer", "minimum": 1, "maximum": params.MAX_PAGE, "default": 1}, "Page number."),
    query("per_page", {"type": "integer", "minimum": 1, "maximum": params.MAX_PER_PAGE,
                       "default": params.DEFAULT_PER_PAGE}, "Items per page."),
]
LANG_PARAMETER = query("lang", {"type": "string", "enum": ["en", "nl"], "default": "en"},
                       "Language of title and description; the other one when the event has none in this language.")
SESSION_PARAMETERS = [
    query("day", DATE, "Sessions starting on this local day (Europe/Amsterdam): one of the conference days, "
                     "else 400 with the reason."),
    query("track", {"type": "string", "maxLength": filters.MAX_SLUG_LENGTH, "pattern": NO_NUL},
          "Track slug (see /tracks). A slug that names no track answers 400 with the reason."),
    query("venue", {"type": "string", "maxLength": filters.MAX_SLUG_LENGTH, "pattern": NO_NUL},
          "Venue slug (see /venues). A slug that names no venue answers 400 with the reason."),
    # "" is no filter, as an empty select on the programme page sends it.
    query("format", {"type": "string", "enum": [*filters.SESSION_FORMATS, ""]}, "Session format."),
    query("language", {"type": "string", "enum": [*filters.SESSION_LANGUAGES, ""]}, "Session language."),
    query("q", {"type": "string", "maxLength": filters.MAX_QUERY_LENGTH, "pattern": NO_NUL},
          "Words in the title, abstract or a speaker's name."),
]
SPEAKER_PARAMETERS = [
    query("q", {"type": "string", "maxLength": filters.MAX_QUERY_LENGTH, "pattern": NO_NUL},
          "Words in the speaker's published name or affiliation."),
]
SIDE_EVENT_PARAMETERS = [
    array_query("category", sorted(CATEGORY_VALUES), "Any of these categories (repeat or comma-separate)."),
    array_query("audience", sorted(AUDIENCE_VALUES), "Any of these audiences."),
    array_query("language", ["en", "nl"], "Events held in any of these languages."),
    query("neighbourhood", {"type": "array", "items": {"type": "string", "maxLength": params.MAX_NEIGHBOURHOOD_LENGTH,
                                                         "pattern": NO_NUL}},
          "Any of these neighbourhoods (case-insensitive).", style="form", explode=True),
    query("free", {"type": "boolean"}, "Only free events."),
    query("q", {"type": "string", "maxLength": MAX_QUERY_LENGTH, "pattern": NO_NUL},
          "Every word in the title, description or place."),
    query("from", DATE, "Events with an occurrence ending after the start of this local day."),
    query("to", DATE, "Events with an occurrence starting before the end of this local day (not before `from`)."),
]

ETAG_HEADER = {"ETag": {"description": "Strong validator of the body; send it back in If-None-Match.",
                        "schema": {"type": "string"}, "required": True}}


def json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def responses(schema: str, *, not_found: bool = False, bad_request: bool = True) -> dict[str, Any]:
    found: dict[str, Any] = {
        "200": {"description": "OK", "headers": ETAG_HEADER, "content": json_content(ref(schema))},
        "304": {"description": "Not modified: the body would have the ETag sent in If-None-Match."},
    }
    if bad_request:
        found["400"] = {"description": "A query parameter is not valid; `reason` says which.",
                        "content": json_content(ref("Error"))}
    if not_found:
        found["404"] = {"description": "No such item in the published programme or calendar.",
                        "content": json_content(ref("Error"))}
    return found


def operation(operation_id: str, summary: str, parameters: list[dict[str, Any]], result: dict[str, Any],
              tag: str) -> dict[str, Any]:
    return {"get": {"operationId": operation_id, "summary": summary, "tags": [tag],
                    "parameters": parameters, "responses": result}}


PATHS: dict[str, Any] = {
    "/sessions": operation(
        "listSessions", "Sessions of the published programme, by start time",
        [*SESSION_PARAMETERS, LANG_PARAMETER, *PAGE_PARAMETERS], responses("SessionList"), "programme"),
    "/sessions/{session_id}": operation(
        "getSession", "One published session with its seats",
        [path_id("session_id"), LANG_PARAMETER], responses("Session", not_found=True), "programme"),
    "/speakers": operation(
        "listSpeakers", "Speakers of the published programme, by name",
        [*SPEAKER_PARAMETERS, *PAGE_PARAMETERS], responses("SpeakerList"), "programme"),
    "/speakers/{speaker_id}": operation(
        "getSpeaker", "One speaker of the published programme",
        [path_id("speaker_id")], responses("SpeakerItem", not_found=True, bad_request=False), "programme"),
    "/tracks": operation("listTracks", "Tracks, by name", PAGE_PARAMETERS, responses("TrackList"), "programme"),
    "/venues": operation("listVenues", "Venues with their rooms, by name", PAGE_PARAMETERS,
                         responses("VenueList"), "venues"),
    "/venues/{venue_id}": operation(
        "getVenue", "One venue with its rooms and opening hours",
        [path_id("venue_id")], responses("Venue", not_found=True, bad_request=False), "venues"),
    "/side-events": operation(
        "listSideEvents", "Approved City of Science events, first occurrence first",
        SIDE_EVENT_PARAMETERS + [LANG_PARAMETER] + PAGE_PARAMETERS, responses("SideEventList"), "side events"),
    "/side-events/{event_id}": operation(
        "getSideEvent", "One approved event",
        [path_id("event_id"), LANG_PARAMETER,
         query("from", DATE, "List next occurrences from this local day instead of from now.")],
        responses("SideEvent", not_found=True), "side events"),
    "/openapi.json": {"get": {
        "operationId": "getOpenApiDocument", "summary": "This document", "tags": ["meta"],
        "responses": {"200": {"description": "OK", "headers": ETAG_HEADER,
                              "content": json_content({"type": "object"})},
                      "304": {"description": "Not modified."}},
    }},
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "ESOF 2022 public API",
        "version": "1.0.0",
        "summary": "The published ESOF 2022 programme, its venues and the Leiden City of Science side events.",
        "description": (
            "Read-only, no authentication, CORS open to every origin. Lists answer "
            "`{items, total, next}` and page with `page` and `per_page` (at most "
            f"{params.MAX_PER_PAGE}). Times are wall-clock times in Europe/Amsterdam with their "
            "offset. Every answer has an ETag; send If-None-Match to get 304 when nothing changed. "
            "Errors answer `{error, reason, status}`."
        ),
    },
    "servers": [{"url": "/api/v1"}],
    "tags": [{"name": "programme"}, {"name": "venues"}, {"name": "side events"}, {"name": "meta"}],
    "paths": PATHS,
    "components": {"schemas": SCHEMAS},
}


def document(filter_values: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The document; with `filter_values` (esof.programme.filters.known_filter_values) the
    session filters that must name something list what they accept now, so a client (and the
    fuzz test) knows that any other day, track or venue answers 400."""
    found = deepcopy(DOCUMENT)
    for parameter in found["paths"]["/sessions"]["get"]["parameters"]:
        if filter_values and filter_values.get(parameter["name"]):  # an empty enum is no valid schema
            # A new dict: the document shares one DATE schema among several parameters.
            # "" (no filter) is accepted too. With an enum the DATE format no longer applies: drop it.
            schema = {key: value for key, value in parameter["schema"].items() if key != "format"}
            parameter["schema"] = {**schema, "enum": [*filter_values[parameter["name"]], ""]}
    return found
