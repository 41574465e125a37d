"""Fixtures a side-events test module may use (a module's own fixtures of the same name win)."""
from __future__ import annotations

import pytest
from flask import Flask

from esof.accounts.models import User
from esof.side_events.models import PartnerOrganisation
from tests.side_events.factories import PartnerOrganisationFactory, make_editor, make_organiser


@pytest.fixture
def org(app: Flask) -> PartnerOrganisation:
    return PartnerOrganisationFactory(name="Naturalis", slug="naturalis")


@pytest.fixture
def editor(org: PartnerOrganisation) -> User:
    return make_editor(org, email="editor@naturalis.example", language="en")


@pytest.fixture
def organiser(app: Flask) -> User:
    return make_organiser(email="organiser@example.org")
