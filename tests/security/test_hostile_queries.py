"""Every query parameter of the demo's pages and of the API, given hostile values.

The pages and their parameters come from the crawl of tests/security/hostile.py (the GET forms
and links of each page, as the persona who can open it), plus the names the views read from
`request.args` anywhere (COMMON_PARAMETERS). The API's come from its OpenAPI document. Whatever
the values, a page answers without a 5xx: the page (a strict filter says what it did not
understand), a redirect, or an error page with its message; the API answers 200 with at most
its page-size cap of items, or a 4xx JSON with a reason."""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from esof import create_app
from esof.api.params import MAX_PER_PAGE
from tests.conftest import BASE_TEST_CONFIG
from tests.security.hostile import (
    Catalogue,
    crawl,
    hostile_value,
    page_rules,
    query_changes,
    query_string,
    shows_a_message,
)
from tests.support import log_in

EXAMPLES_PER_PAGE = 8
EXAMPLES_PER_API_OPERATION = 25
NO_SHRINKING = (Phase.explicit, Phase.reuse, Phase.generate)
# Names the views read from request.args (grep request.args in esof/): every page gets them,
# so a page that reads one it does not offer in a form or a link is tried too.
COMMON_PARAMETERS = ("q", "page", "per_page", "day", "format", "lang", "next", "sort", "status",
                     "from", "version", "occurrence", "door", "direction", "batch", "number", "venue",
                     "track", "role", "unscheduled")

# GET pages the crawl cannot open with the demo's ids, and why.
WITHOUT_PAGE = {
    "accounts.reset_password": "reached through a mailed token only",
    "accounts.verify_email": "reached through a mailed token only",
    "announcements.unsubscribe": "reached through a mailed token only",
    "cfp.invitation_answer": "reached through a mailed token only",
    "side_events.invitation_accept": "reached through a mailed token only",
    "main.healthz": "plain-text probe for the load balancer",
    "main.livez": "plain-text probe for the load balancer",
    "main.language_link": "redirects to the page it was asked from",
    "side_events.calendar_month_current": "redirects to this month's page",
    "programme.proposal_detail": "no schedule proposal has been computed in the demo",
}


def _page_endpoints() -> list[str]:
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted({r.endpoint for r in page_rules(app) if not r.endpoint.startswith("api.")})


PAGE_ENDPOINTS = [e for e in _page_endpoints() if e not in WITHOUT_PAGE]


@pytest.fixture(scope="session")
def catalogue(demo_database: Path) -> Catalogue:
    return crawl(demo_database)


def test_every_page_is_opened_by_someone_in_the_demo_or_has_a_reason(catalogue: Catalogue) -> None:
    pages = {e for e in catalogue.get_endpoints if not e.startswith("api.")}
    missing = sorted(pages - set(catalogue.pages) - set(WITHOUT_PAGE))
    assert missing == [], f"GET pages nobody of the demo can open and no reason in WITHOUT_PAGE: {missing}"
    listed_but_found = sorted(set(WITHOUT_PAGE) & set(catalogue.pages))
    assert listed_but_found == [], f"pages the demo now opens: take them out of WITHOUT_PAGE: {listed_but_found}"


@pytest.mark.parametrize("endpoint", PAGE_ENDPOINTS)
def test_a_page_answers_hostile_query_parameters(demo_app: Flask, catalogue: Catalogue, endpoint: str) -> None:
    assert endpoint in catalogue.pages, f"nobody of the demo opens {endpoint}: see WITHOUT_PAGE"
    case = catalogue.pages[endpoint]
    client = demo_app.test_client()
    if case.email:
        log_in(client, case.email)
    names = sorted(case.parameters | set(COMMON_PARAMETERS))
    path = case.url.split("?")[0]
    outcomes: Counter[int] = Counter()

    @given(made=query_changes(names))
    @settings(max_examples=EXAMPLES_PER_PAGE, deadline=None, derandomize=True, database=None, phases=NO_SHRINKING,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    def get_hostile(made: tuple[list[tuple[str, str]], list[str]]) -> None:
        pairs, raw = made
        answer = client.get(f"{path}?{query_string(pairs, raw)}")
        outcomes[answer.status_code] += 1
        shown = [(n, v[:60]) for n, v in pairs], raw
        assert answer.status_code < 500, (path, answer.status_code, shown)
        assert answer.status_code in (200, 301, 302, 303, 304, 400, 404, 422), (path, answer.status_code, shown)
        if answer.status_code >= 400:
            assert shows_a_message(answer.get_data(as_text=True)), (path, answer.status_code, shown)

    get_hostile()
    print(f"\n{endpoint} as {case.persona} with {names}: {dict(outcomes)}")
    assert outcomes.total() >= EXAMPLES_PER_PAGE, outcomes


def _api_operations(app: Flask) -> list[tuple[str, list[dict[str, Any]]]]:
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    prefix = document["servers"][0]["url"] if document.get("servers") else "/api/v1"
    return [(prefix + path, item["get"].get("parameters", []))
            for path, item in sorted(document["paths"].items())]


API_PATHS = ["/sessions", "/sessions/{session_id}", "/speakers", "/speakers/{speaker_id}", "/tracks",
             "/venues", "/venues/{venue_id}", "/side-events", "/side-events/{event_id}"]


def test_the_api_document_names_every_operation_tried_here(app: Flask) -> None:
    tried = {path.removeprefix("/api/v1") for path, _p in _api_operations(app)} - {"/openapi.json"}
    assert tried == set(API_PATHS)


@pytest.mark.parametrize("path", API_PATHS)
def test_an_api_operation_answers_hostile_parameters_with_a_reason(demo_app: Flask, path: str) -> None:
    client = demo_app.test_client()
    operations = dict(_api_operations(demo_app))
    parameters = operations["/api/v1" + path]
    query_names = [p["name"] for p in parameters if p["in"] == "query"]
    path_names = [p["name"] for p in parameters if p["in"] == "path"]
    # A real id for the item operations: the first of the list each belongs to.
    listing = client.get("/api/v1" + path.split("/{")[0]).get_json()
    real_id = str(listing["items"][0]["id"]) if path_names else ""
    outcomes: Counter[int] = Counter()

    @given(pairs=st.lists(st.tuples(st.sampled_from(query_names or ["page"]), hostile_value()), max_size=3),
           item=st.one_of(st.just(real_id), hostile_value()))
    @settings(max_examples=EXAMPLES_PER_API_OPERATION, deadline=None, derandomize=True, database=None,
              phases=NO_SHRINKING, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    def get_hostile(pairs: list[tuple[str, str]], item: str) -> None:
        url = "/api/v1" + path
        for name in path_names:
            url = url.replace("{" + name + "}", query_string([], [item.replace("/", "%2F").replace("?", "%3F")
                                                                   .replace("#", "%23")]) or "%20")
        answer = client.get(f"{url}?{query_string(pairs, [])}")
        outcomes[answer.status_code] += 1
        shown = (url[:120], [(n, v[:60]) for n, v in pairs])
        assert answer.status_code < 500, shown
        assert answer.mimetype == "application/json", shown
        body = answer.get_json()
        if answer.status_code >= 400:
            assert answer.status_code in (400, 404, 422), shown
            assert isinstance(body.get("reason"), str) and body["reason"].strip(), (shown, body)
        elif "items" in body:
            assert len(body["items"]) <= MAX_PER_PAGE, shown

    get_hostile()
    print(f"\n{path} with {query_names}: {dict(outcomes)}")
    assert outcomes.total() >= EXAMPLES_PER_API_OPERATION


def test_an_api_list_never_answers_more_than_its_cap(demo_app: Flask) -> None:
    client = demo_app.test_client()
    for path in ("/sessions", "/speakers", "/tracks", "/venues", "/side-events"):
        for value in ("100", "101", str(2**63), "1e309", "-1", "NaN"):
            answer = client.get(f"/api/v1{path}?per_page={value}")
            body = answer.get_json()
            if answer.status_code == 200:
                assert len(body["items"]) <= MAX_PER_PAGE, (path, value)
            else:
                assert (answer.status_code, "per_page" in body["reason"]) == (400, True), (path, value, body)
