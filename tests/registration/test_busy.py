"""A row lock held longer than DATABASE_LOCK_TIMEOUT_MS (PostgreSQL): registration answers
503 with Retry-After and a page that says nothing was saved, never the 500 page."""
from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.registration.models import (
    ConferenceSettings,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
)
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory, form_data, register
from tests.support import csrf_token_from, log_in

pytestmark = pytest.mark.postgres


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"DATABASE_LOCK_TIMEOUT_MS": 200}


def held_elsewhere(table: type[db.Model], row_id: int) -> sa.Connection:
    """Another connection (another request, say) holding the row until it rolls back."""
    other = db.engine.connect()
    other.execute(sa.select(table.id).where(table.id == row_id).with_for_update())
    return other


@pytest.mark.parametrize("held", ["category", "settings"])
def test_register_while_a_row_is_locked_too_long_answers_503_and_saves_nothing(pg_app, held: str) -> None:
    category = CategoryFactory(code="regular", capacity=10)
    UserFactory(email="ada@example.org")
    db.session.commit()
    client = pg_app.test_client()
    log_in(client, "ada@example.org")
    token = csrf_token_from(client.get("/registration/").get_data(as_text=True))
    other = held_elsewhere(RegistrationCategory, category.id) if held == "category" else (
        held_elsewhere(ConferenceSettings, 1))
    try:
        response = client.post("/registration/", data={"csrf_token": token, **form_data("regular")})
    finally:
        other.rollback()
        other.close()
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert "Many people are registering at this moment" in page and "Nothing was saved" in page
    assert 'name="last_name" required type="text" value="Lovelace"' in page  # sent again with one click
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    assert db.session.get(RegistrationCategory, category.id).confirmed_count == 0
    assert db.session.get(ConferenceSettings, 1).onsite_confirmed == 0
    # Once the lock is gone the same form goes through.
    response = client.post("/registration/", data={"csrf_token": token, **form_data("regular")})
    assert response.status_code == 302
    assert db.session.scalars(sa.select(Registration.status)).all() == [RegistrationStatus.CONFIRMED]


def test_cancel_while_places_are_locked_too_long_answers_503_page_or_json(pg_app) -> None:
    category = CategoryFactory(code="regular", capacity=10)
    registration = register(UserFactory(email="ada@example.org"), category)
    db.session.commit()
    client = pg_app.test_client()
    log_in(client, "ada@example.org")
    detail = f"/registration/{registration.id}"
    token = csrf_token_from(client.get(detail).get_data(as_text=True))
    other = held_elsewhere(ConferenceSettings, 1)
    try:
        page = client.post(f"{detail}/cancel", data={"csrf_token": token, "confirm": "y"},
                           headers={"Referer": f"http://localhost{detail}"})
        api = client.post(f"{detail}/cancel", data={"csrf_token": token, "confirm": "y"},
                          headers={"Accept": "application/json"})
    finally:
        other.rollback()
        other.close()
    assert (page.status_code, page.headers["Retry-After"]) == (503, "1")
    html = page.get_data(as_text=True)
    assert "Busy, please try again" in html and "Nothing has changed" in html
    assert f'<a href="{detail}">Back</a>' in html
    assert (api.status_code, api.headers["Retry-After"]) == (503, "1")
    assert api.get_json() == {
        "ok": False, "error": "Busy", "message": "The system is busy, please try again in a moment.",
    }
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status == RegistrationStatus.CONFIRMED
    assert db.session.get(RegistrationCategory, category.id).confirmed_count == 1
