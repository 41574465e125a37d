"""Factories and helpers for registration tests; they flush, tests commit when needed."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory

from esof.db import utcnow
from esof.registration import services
from esof.registration.models import Attendance, RegistrationCategory
from tests.factories import BaseFactory


class CategoryFactory(BaseFactory):
    """An open onsite category without capacity, moderation or access code."""

    class Meta:
        model = RegistrationCategory

    code = factory.Sequence(lambda n: f"cat-{n}")
    name = factory.Sequence(lambda n: f"Category {n}")
    name_nl = factory.Sequence(lambda n: f"Categorie {n}")
    fee_cents = 45000
    early_fee_cents = None
    early_deadline = None
    opens_at = factory.LazyFunction(lambda: utcnow() - timedelta(days=30))
    closes_at = factory.LazyFunction(lambda: utcnow() + timedelta(days=30))
    capacity = None
    confirmed_count = 0
    moderated = False
    access_code = None
    attendance = Attendance.ONSITE


def profile(**overrides: Any) -> services.DelegateProfile:
    values: dict[str, Any] = {
        "first_name": "Ada", "last_name": "Lovelace", "affiliation": "Leiden University",
        "country": "NL", "dietary_needs": "", "accessibility_needs": "", "public_listing": False,
    }
    values.update(overrides)
    return services.DelegateProfile(**values)


def register(user, category, **overrides: Any):
    """Register through the service with a valid profile and consent."""
    return services.register_delegate(
        user=user,
        category_code=category.code,
        profile=overrides.pop("profile", profile()),
        consent=overrides.pop("consent", True),
        **overrides,
    )


def form_data(category_code: str, **overrides: Any) -> dict[str, Any]:
    data = {
        "category": category_code, "first_name": "Ada", "last_name": "Lovelace",
        "affiliation": "Leiden University", "country": "NL", "dietary_needs": "vegetarian",
        "accessibility_needs": "", "consent": "y", "access_code": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
