"""The OpenAPI document matches the API: every route is described, and real responses of
every operation validate against their schemas (jsonschema, Draft 2020-12 as OpenAPI 3.1 uses)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator, FormatChecker

from esof.api.openapi import DOCUMENT
from tests.api.factories import Calendar, Programme

FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def is_date_time_with_offset(value: object) -> bool:
    """Stricter than RFC 3339 needs: a wall-clock time *with* its offset, as the API promises."""
    return not isinstance(value, str) or (
        "T" in value and datetime.fromisoformat(value).utcoffset() is not None
    )


@FORMATS.checks("date", raises=ValueError)
def is_date(value: object) -> bool:
    return not isinstance(value, str) or (len(value) == 10 and bool(date.fromisoformat(value)))


@FORMATS.checks("uri")
def is_absolute_url(value: object) -> bool:
    return not isinstance(value, str) or value.startswith(("http://", "https://"))


def validator_for(schema_name: str) -> Draft202012Validator:
    # "#/components/schemas/..." references resolve inside the same root document.
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": DOCUMENT["components"]}
    return Draft202012Validator(root, format_checker=FORMATS)


def response_schema(path: str, status: str) -> str:
    ref = DOCUMENT["paths"][path]["get"]["responses"][status]["content"]["application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[1]


def assert_valid(body: Any, schema_name: str) -> None:
    errors = sorted(validator_for(schema_name).iter_errors(body), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_openapi_document_is_served_as_json_with_etag(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    served = response.get_json()
    # The session filters that must name something list today's names; the rest is the document.
    sessions = {p["name"]: p["schema"] for p in served["paths"]["/sessions"]["get"]["parameters"]}
    assert sessions["day"]["enum"] == ["2022-07-13", "2022-07-14", "2022-07-15", "2022-07-16", ""]
    assert "enum" not in sessions["track"] and "enum" not in sessions["venue"]  # none exist yet
    del sessions["day"]["enum"]
    sessions["day"]["format"] = "date"  # the enum replaces the format in the served document
    assert {p["name"]: p["schema"] for p in served["paths"]["/sessions"]["get"]["parameters"]} == {
        p["name"]: p["schema"] for p in DOCUMENT["paths"]["/sessions"]["get"]["parameters"]}
    served["paths"]["/sessions"] = DOCUMENT["paths"]["/sessions"]
    assert served == DOCUMENT
    assert response.headers["ETag"]
    assert response.get_json()["openapi"] == "3.1.0"


def test_openapi_document_schemas_are_valid_json_schema() -> None:
    for schema in DOCUMENT["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_openapi_document_describes_every_api_route(app: Flask) -> None:
    routes = {
        rule.rule.removeprefix("/api/v1").replace("<int(max=2147483647):", "{").replace(">", "}")
        for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
    }
    assert routes == set(DOCUMENT["paths"])
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            assert rule.methods == {"GET", "HEAD", "OPTIONS"}


@pytest.fixture
def data(programme: Programme, calendar: Calendar) -> tuple[Programme, Calendar]:
    return programme, calendar


def real_requests(programme: Programme, calendar: Calendar) -> list[tuple[str, str, str]]:
    """(documented path, URL, status) for every operation and every answer it documents."""
    return [
        ("/sessions", "/api/v1/sessions", "200"),
        ("/sessions", "/api/v1/sessions?per_page=1&track=health", "200"),
        ("/sessions", "/api/v1/sessions?day=13-07-2022", "400"),
        ("/sessions/{session_id}", f"/api/v1/sessions/{programme.workshop.id}", "200"),
        ("/sessions/{session_id}", f"/api/v1/sessions/{programme.debate.id}", "200"),
        ("/sessions/{session_id}", f"/api/v1/sessions/{programme.draft_only.id}", "404"),
        ("/sessions/{session_id}", f"/api/v1/sessions/{programme.workshop.id}?lang=fr", "400"),
        ("/speakers", "/api/v1/speakers", "200"),
        ("/speakers", "/api/v1/speakers?page=0", "400"),
        ("/speakers/{speaker_id}", f"/api/v1/speakers/{programme.panel.speaker_links[0].person_id}", "200"),
        ("/speakers/{speaker_id}", "/api/v1/speakers/999", "404"),
        ("/tracks", "/api/v1/tracks", "200"),
        ("/tracks", "/api/v1/tracks?page=x", "400"),
        ("/venues", "/api/v1/venues", "200"),
        ("/venues", "/api/v1/venues?per_page=1000", "400"),
        ("/venues/{venue_id}", f"/api/v1/venues/{programme.ids['kog']}", "200"),
        ("/venues/{venue_id}", "/api/v1/venues/999", "404"),
        ("/side-events", "/api/v1/side-events?from=2022-01-01", "200"),
        ("/side-events", "/api/v1/side-events?lang=nl&per_page=1", "200"),
        ("/side-events", "/api/v1/side-events?category=concert", "400"),
        ("/side-events/{event_id}", f"/api/v1/side-events/{calendar.exhibition.id}?from=2022-07-01", "200"),
        ("/side-events/{event_id}", f"/api/v1/side-events/{calendar.family_day.id}?lang=nl", "200"),
        ("/side-events/{event_id}", f"/api/v1/side-events/{calendar.pending.id}", "404"),
        ("/side-events/{event_id}", f"/api/v1/side-events/{calendar.lecture.id}?lang=fr", "400"),
    ]


def test_real_responses_validate_against_the_documented_schemas(
    client: FlaskClient, data: tuple[Programme, Calendar]
) -> None:
    requests = real_requests(*data)
    documented = {(path, status) for path, _url, status in requests}
    for path, operation in DOCUMENT["paths"].items():
        if path == "/openapi.json":
            continue
        for status, answer in operation["get"]["responses"].items():
            if "content" in answer:
                assert (path, status) in documented, f"no real request checks {status} of {path}"
    for path, url, status in requests:
        response = client.get(url)
        assert str(response.status_code) == status, url
        assert response.mimetype == "application/json", url
        assert_valid(response.get_json(), response_schema(path, status))


def test_list_items_are_non_empty_in_the_schema_check(client: FlaskClient, data: tuple[Programme, Calendar]) -> None:
    """The schema test above is only worth something if the lists it checks have items."""
    for url, count in [("/api/v1/sessions", 4), ("/api/v1/venues", 2), ("/api/v1/tracks", 2),
                       ("/api/v1/side-events?from=2022-01-01", 4)]:
        assert len(client.get(url).get_json()["items"]) == count, url


def test_a_wrong_body_fails_the_schema_check() -> None:
    """The validator really checks: a naive time, a missing key and a wrong type are caught."""
    item = {"id": 1, "title": "T", "title_language": "en", "abstract": "", "format": "panel", "language": "en",
            "track": None,
            "start": "2022-07-13T09:00:00", "end": "2022-07-13T10:00:00+02:00", "timezone": "Europe/Amsterdam",
            "room": None, "venue": None, "speakers": [], "needs_booking": "no", "capacity": None,
            "booked": 0, "status": "confirmed", "updated": "2022-07-01T10:00:00+02:00",
            "url": "http://esof.test/programme/sessions/1"}
    messages = [e.message for e in validator_for("Session").iter_errors(item)]
    assert len(messages) == 3
    assert any("waitlisted" in m for m in messages)
    assert any("'no' is not of type 'boolean'" in m for m in messages)
    assert any("date-time" in m for m in messages)
