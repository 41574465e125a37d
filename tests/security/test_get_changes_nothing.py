"""No GET changes anything: every GET route of the URL map, requested as every persona (with the
owner's real ids, and on token routes the right and a wrong token), leaves every table as it was
(the audit log and the log-in history aside: tests.demo_world.IGNORED_TABLES).

A GET that legitimately records something is declared in `DECLARED_WRITES` with the tables
and the reason, and must write only the first time: the same requests again change nothing."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.security.expect import PERSONAS, route_ids, url_map_app
from tests.security.world import SecurityApp, changed_tables

MAP = url_map_app()
GET_ROUTES = route_ids(MAP, methods=frozenset({"GET"}))
# endpoint → (tables a GET may change, why). Each one is a question for the product; none is
# declared now (the invoice PDFs only read: invoices are issued when a registration becomes due).
DECLARED_WRITES: dict[str, tuple[frozenset[str], str]] = {}


@pytest.mark.parametrize("route_id", GET_ROUTES)
def test_get_changes_nothing_for_any_persona(
    security: SecurityApp, route_id: str, record_property: Callable[[str, object], None]
) -> None:
    route = security.route(route_id)
    urls = [route.url] + ([route.wrong_url] if route.wrong_url else [])
    made = security.requests

    def every_persona() -> list[str]:
        answers = []
        for persona in PERSONAS:
            for url in urls:
                status, _location = security.request(persona, "GET", url)
                answers.append(f"{persona} {url} {status}")
        return answers

    security.reset()  # from the demo itself: an earlier test of this process may have made the write
    before = security.digest()
    answers = every_persona()
    written = changed_tables(before, security.digest())
    may, why = DECLARED_WRITES.get(route.endpoint, (frozenset(), ""))
    undeclared = [name for name in written if name not in may]
    again: list[str] = []
    if written and not undeclared:
        before = security.digest()
        every_persona()
        again = changed_tables(before, security.digest())
    record_property("requests", security.requests - made)
    assert undeclared == [], f"GET {route.path} ({route.endpoint}) changed the tables {written}; requests: {answers}"
    assert again == [], f"GET {route.path} ({route.endpoint}) wrote {again} again the second time ({why})"
