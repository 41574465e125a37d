"""One Busy answer for every area: a row lock not granted within DATABASE_LOCK_TIMEOUT_MS is a
503 with Retry-After and nothing saved, also where no view turns the wait into Busy itself."""
from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from esof.accounts.models import Role
from esof.extensions import db
from esof.programme.models import Track
from tests.factories import UserFactory
from tests.programme.factories import TrackFactory
from tests.support import csrf_token_from, log_in

pytestmark = pytest.mark.postgres


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"DATABASE_LOCK_TIMEOUT_MS": 200}


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_a_lock_wait_past_the_limit_in_any_area_answers_503_with_retry_after(pg_app, accept: str) -> None:
    track = TrackFactory(name="Health")
    UserFactory(email="organiser@example.org", roles=[Role.ORGANISER])
    db.session.commit()
    client = pg_app.test_client()
    log_in(client, "organiser@example.org")
    path = f"/programme/organiser/tracks/{track.id}/edit"
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    other = db.engine.connect()  # another request holding the track's row
    other.execute(sa.select(Track.id).where(Track.id == track.id).with_for_update())
    try:
        response = client.post(path, data={"csrf_token": token, "name": "Wellbeing", "name_nl": "",
                                           "colour": "#1f4e79"}, headers={"Accept": accept})
    finally:
        other.rollback()
        other.close()
    assert (response.status_code, response.headers.get("Retry-After")) == (503, "1")
    if accept == "application/json":
        assert response.get_json()["error"] == "Busy"
    else:
        assert "busy" in response.get_data(as_text=True).lower()
    db.session.expire_all()
    assert db.session.get(Track, track.id).name == "Health"
