"""NUL on PostgreSQL, where it matters: PostgreSQL cannot hold NUL in text, so a NUL that
reaches a query or a row is a server error there and nothing on SQLite (where the demo-wide
hostile tests run). Every page's query parameters get one, as someone with every role; a form
posted with one stores the text without it."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from esof.accounts.models import Role, User
from esof.extensions import db
from tests.factories import UserFactory
from tests.security.hostile import Catalogue, crawl, page_rules
from tests.security.test_hostile_queries import COMMON_PARAMETERS
from tests.support import log_in, submit_form


@pytest.fixture(scope="session")
def catalogue(demo_database: Path) -> Catalogue:
    return crawl(demo_database)


def test_no_page_fails_on_a_nul_in_a_query_parameter(pg_app: Flask, catalogue: Catalogue) -> None:
    user = UserFactory(roles=[Role.ADMIN, Role.ORGANISER, Role.CHECKIN, Role.REVIEWER, Role.DELEGATE])
    db.session.commit()
    client = pg_app.test_client()
    log_in(client, user.email)
    failures = []
    asked = 0
    for rule in page_rules(pg_app):
        if rule.arguments or rule.endpoint.startswith("api."):
            continue
        names = set(COMMON_PARAMETERS)
        if rule.endpoint in catalogue.pages:
            names |= catalogue.pages[rule.endpoint].parameters
        for name in sorted(names):
            asked += 1
            try:  # the tests' app lets a server error through as the exception
                answer = client.get(f"{rule.rule}?{name}=a%00b")
            except sa.exc.DataError as exc:
                failures.append((rule.rule, name, str(exc.orig)))
                db.session.rollback()
                continue
            if answer.status_code >= 500:
                failures.append((rule.rule, name, answer.status_code))
    assert failures == [], "\n".join(f"{path}?{name}=a%00b: {why}" for path, name, why in failures)
    assert asked > 500


def test_a_form_posted_with_nul_stores_the_text_without_it(pg_app: Flask) -> None:
    client = pg_app.test_client()
    answer = submit_form(client, "/account/signup", {
        "display_name": "Ada\x00 Lovelace\x1b", "email": "ada@example.org", "password": "long enough password 1",
        "language": "en"})

    assert answer.status_code == 302
    stored = db.session.scalar(sa.select(User.display_name).where(User.email == "ada@example.org"))
    assert stored == "Ada Lovelace"
