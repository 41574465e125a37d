"""The mails registration sends carry absolute links on ESOF_BASE_URL, path prefix kept."""
from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from esof.extensions import db
from esof.mail.models import OutboxMessage
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory, register


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"ESOF_BASE_URL": "https://example.org/esof/"}


def test_confirmation_mail_links_to_the_registration_under_the_base_url(app) -> None:
    registration = register(UserFactory(email="ada@example.org"), CategoryFactory(code="regular"))
    [mail] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_address == "ada@example.org"))
    link = f"https://example.org/esof/registration/{registration.id}"
    assert f"Your registration and ticket: {link}\n" in mail.body_text
