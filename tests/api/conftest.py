"""Fixtures of the API tests: the published programme and the calendar, committed."""
from __future__ import annotations

import pytest
from flask import Flask

from tests.api.factories import Calendar, Programme, build_calendar, build_programme


@pytest.fixture
def programme(app: Flask) -> Programme:
    return build_programme()


@pytest.fixture
def calendar(app: Flask) -> Calendar:
    return build_calendar()
