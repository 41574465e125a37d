"""Fixtures of the announcement tests: organisers, and delegates made in bulk."""
from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from esof.accounts.models import Role, User, UserRole
from esof.db import utcnow
from esof.extensions import db
from esof.registration.models import Attendance, PaymentStatus, Registration, RegistrationStatus
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory
from tests.support import log_in


@pytest.fixture
def organiser(any_app):
    user = UserFactory(roles=[Role.ORGANISER], email="organiser@example.org", display_name="Olga Organiser")
    db.session.commit()
    return user


@pytest.fixture
def organiser_client(any_app, organiser):
    client = any_app.test_client()
    log_in(client, organiser.email)
    return client


@pytest.fixture
def category(any_app):
    item = CategoryFactory(code="regular", name="Regular", name_nl="Regulier")
    db.session.commit()
    return item


def add_delegates(
    count: int, category_id: int, *, prefix: str = "d", language: str = "en", country: str = "NL",
    attendance: Attendance = Attendance.ONSITE, status: RegistrationStatus = RegistrationStatus.CONFIRMED,
    payment: PaymentStatus = PaymentStatus.PAID, **user_values: Any,
) -> list[int]:
    """`count` verified accounts with one registration each, in two INSERTs (no mail)."""
    now = utcnow()
    users = [
        {"email": f"{prefix}{i}@example.org", "display_name": f"{prefix.upper()} {i}", "language": language,
         "email_verified_at": now, "login_nonce": uuid.uuid4().hex[:16], "is_active_account": True,
         "created_at": now, **user_values}
        for i in range(count)
    ]
    ids = list(db.session.scalars(sa.insert(User).returning(User.id), users))
    db.session.execute(sa.insert(UserRole), [{"user_id": i, "role": Role.DELEGATE} for i in ids])
    db.session.execute(sa.insert(Registration), [
        {"user_id": i, "category_id": category_id, "status": status, "attendance": attendance,
         "country": country, "payment_status": payment, "payment_reference": uuid.uuid4().hex,
         "ticket_nonce": uuid.uuid4().hex, "first_name": "D", "last_name": str(i)}
        for i in ids
    ])
    db.session.commit()
    return ids
