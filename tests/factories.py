"""factory-boy factories on the app's session; they flush, tests commit when they need to."""
from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory

from esof.accounts.models import Role, User
from esof.db import utcnow
from esof.extensions import db
from tests.support import DEMO_PASSWORD


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class UserFactory(BaseFactory):
    """A verified delegate whose password is DEMO_PASSWORD."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    display_name = factory.Sequence(lambda n: f"User {n}")
    language = "en"
    email_verified_at = factory.LazyFunction(utcnow)

    @factory.lazy_attribute
    def password_hash(self) -> str:
        from esof.accounts.auth import hash_password

        return hash_password(DEMO_PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[Role] | None, **kwargs: object) -> None:
        for role in extracted or [Role.DELEGATE]:
            self.add_role(role)
