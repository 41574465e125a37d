"""Schemathesis fuzzes every operation of /api/v1/openapi.json against a real programme and
calendar, with valid input (positive mode) and invalid input (negative mode). Its checks:
no 5xx, status codes and headers as documented, bodies valid against the schemas, invalid
input rejected with a 4xx, valid input accepted.

Bounded: FUZZ_EXAMPLES examples per operation and mode, FUZZ_DEADLINE_MS per example.

Why not `@schema.parametrize()` with `schemathesis.pytest.from_fixture`: with pytest 9.2 it
fails on `request.node._nodeid` (pytest no longer has that attribute), so each operation
gets a plain parametrized test that runs Schemathesis' own Hypothesis strategy.
"""
from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from esof.api.openapi import PATHS
from esof.extensions import db
from tests.api.factories import build_calendar, build_programme

FUZZ_EXAMPLES = 25
FUZZ_DEADLINE_MS = 2000


@pytest.fixture
def api_schema(app: Flask) -> Any:
    build_programme()
    build_calendar()
    db.session.remove()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


# Negative mode needs something to break: operations without parameters get positive cases only.
CASES = [
    pytest.param(path, mode, id=f"{path}-{mode.value}")
    for path in sorted(PATHS)
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or PATHS[path]["get"].get("parameters")
]


@pytest.mark.parametrize(("path", "mode"), CASES)
def test_api_operation_conforms_to_its_openapi_document(api_schema: Any, path: str, mode: GenerationMode) -> None:
    operation = api_schema[path]["GET"]
    calls: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=FUZZ_EXAMPLES, deadline=FUZZ_DEADLINE_MS, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.filter_too_much])
    def fuzz(case: Any) -> None:
        response = case.call_and_validate()
        calls.append(response.status_code)

    fuzz()
    assert calls, f"no request was made for {path}"
    assert max(calls) < 500
