"""Fixtures of the programme tests: an organiser and a client logged in as one."""
from __future__ import annotations

import pytest

from esof.accounts.models import Role
from esof.extensions import db
from tests.factories import UserFactory
from tests.support import log_in


@pytest.fixture
def organiser(app):
    user = UserFactory(roles=[Role.ORGANISER])
    db.session.commit()
    return user


@pytest.fixture
def organiser_client(client, organiser):
    log_in(client, organiser.email)
    return client
