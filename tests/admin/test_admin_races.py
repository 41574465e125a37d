"""Two admins taking each other's admin role at the same moment on PostgreSQL: the site keeps
an admin, whoever wins."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from flask import Flask

from esof.accounts import services
from esof.accounts.models import AuditLog, Role, User, UserRole
from esof.extensions import db
from tests.factories import UserFactory

ROUNDS = 8


@pytest.fixture(autouse=True)
def isolated_requests() -> None:
    """No HTTP here, and no SQLite app beside the PostgreSQL one (the package's fixture)."""


def revoke_each_other_at_once(app: Flask, first_id: int, second_id: int) -> list[str]:
    """Each admin revokes the other's admin role in a thread; the outcome of each."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def revoke(actor_id: int, target_id: int) -> None:
        with app.app_context():
            try:
                actor = db.session.get(User, actor_id)
                target = db.session.get(User, target_id)
                assert actor is not None and target is not None
                target.roles  # noqa: B018 - read before the race, as the view's page did
                barrier.wait()
                services.revoke_role(user=target, role=Role.ADMIN, actor=actor)
                db.session.commit()
                outcome = "revoked"
            except services.LastAdmin:
                db.session.rollback()
                outcome = "last admin"
            except Exception as exc:  # anything else is a failure the assertion shows
                db.session.rollback()
                outcome = repr(exc)
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=revoke, args=pair) for pair in ((first_id, second_id), (second_id, first_id))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes)


def admins() -> list[int]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(UserRole.user_id).where(UserRole.role == Role.ADMIN)))


@pytest.mark.postgres
def test_two_admins_demoting_each_other_at_once_leave_one_admin(pg_app: Flask) -> None:
    for round_ in range(ROUNDS):
        first = UserFactory(email=f"a{round_}@example.org", roles=[Role.ADMIN])
        second = UserFactory(email=f"b{round_}@example.org", roles=[Role.ADMIN])
        db.session.commit()
        outcomes = revoke_each_other_at_once(pg_app, first.id, second.id)
        assert outcomes == ["last admin", "revoked"], (round_, outcomes)
        remaining = admins()
        assert len(remaining) == 1 and remaining[0] in {first.id, second.id}
        revoked = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "revoke-role")).all()
        assert len(revoked) == round_ + 1  # one change logged per round, the refused one not
        # The next round starts from two fresh admins only.
        db.session.execute(sa.delete(UserRole).where(UserRole.role == Role.ADMIN))
        db.session.commit()
