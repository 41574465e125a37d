"""Role, log-in history and erasure rules on the service functions, without HTTP."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from esof.accounts import services
from esof.accounts.models import LOGIN_HISTORY_KEPT, AuditLog, LoginAttempt, Role, UserRole
from esof.extensions import db
from tests.factories import UserFactory
from tests.support import DEMO_PASSWORD


def role_rows() -> list[tuple[int, str]]:
    return sorted((r.user_id, r.role.value) for r in db.session.scalars(sa.select(UserRole)))


def audit_rows() -> list[tuple[int | None, str, int | None, dict]]:
    rows = db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id))
    return [(a.actor_id, a.action, a.target_id, a.detail) for a in rows]


# --- roles -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_role_can_be_granted_and_revoked_with_audit(app: Flask, role: Role) -> None:
    admin = UserFactory(roles=[Role.ADMIN])
    other_admin = UserFactory(roles=[Role.ADMIN])
    person = UserFactory()
    person.role_rows.clear()  # the factory's default delegate role

    services.grant_role(user=person, role=role, actor=admin)
    db.session.flush()  # two requests in real life (in one flush SQLAlchemy may reorder the inserts)
    assert person.roles == {role}
    assert services.revoke_role(user=person, role=role, actor=other_admin) is True
    db.session.flush()

    assert person.roles == set()
    assert (person.id, role.value) not in role_rows()
    assert audit_rows() == [
        (admin.id, "grant-role", person.id, {"role": role.value}),
        (other_admin.id, "revoke-role", person.id, {"role": role.value}),
    ]


def test_revoking_a_role_not_held_changes_nothing(app: Flask) -> None:
    admin = UserFactory(roles=[Role.ADMIN])
    person = UserFactory(roles=[Role.DELEGATE])

    assert services.revoke_role(user=person, role=Role.ORGANISER, actor=admin) is False
    assert person.roles == {Role.DELEGATE}
    assert audit_rows() == []


def test_an_admin_cannot_take_away_their_own_admin_role(app: Flask) -> None:
    admin = UserFactory(roles=[Role.ADMIN, Role.ORGANISER])
    UserFactory(roles=[Role.ADMIN])  # another admin exists: still refused
    before = role_rows()

    with pytest.raises(services.OwnAdminRole) as refused:
        services.revoke_role(user=admin, role=Role.ADMIN, actor=admin)

    assert refused.value.status_code == 403
    assert refused.value.message == "You cannot take away your own admin role. Ask another admin to do it."
    assert role_rows() == before
    assert audit_rows() == []
    # Their other roles are theirs to drop.
    assert services.revoke_role(user=admin, role=Role.ORGANISER, actor=admin) is True


def test_the_last_admin_of_the_site_is_not_demoted(app: Flask) -> None:
    last = UserFactory(roles=[Role.ADMIN])
    before = role_rows()

    with pytest.raises(services.LastAdmin) as refused:
        services.revoke_role(user=last, role=Role.ADMIN, actor=None)  # the command line, say

    assert refused.value.message == "This is the last admin of the site: make someone else admin first."
    assert role_rows() == before
    assert services.admin_count() == 1


def test_one_admin_may_demote_another_while_one_stays(app: Flask) -> None:
    first = UserFactory(roles=[Role.ADMIN])
    second = UserFactory(roles=[Role.ADMIN])

    assert services.revoke_role(user=second, role=Role.ADMIN, actor=first) is True
    db.session.flush()

    assert services.admin_count() == 1
    with pytest.raises(services.OwnAdminRole):
        services.revoke_role(user=first, role=Role.ADMIN, actor=first)


# --- log-in history --------------------------------------------------------------------------


def test_log_ins_are_recorded_with_address_browser_and_result(app: Flask) -> None:
    user = UserFactory(email="ada@example.org")

    with pytest.raises(services.LoginFailed):
        services.authenticate(email="ada@example.org", password="wrong one", ip_address="192.0.2.7", user_agent="Phone")
    services.authenticate(
        email="ada@example.org", password=DEMO_PASSWORD, ip_address="2001:db8::1", user_agent="Laptop"
    )
    with pytest.raises(services.LoginFailed):
        services.authenticate(email="nobody@example.org", password="whatever", ip_address="192.0.2.9")

    history = services.login_history(user)
    assert [(a.succeeded, a.ip_address, a.user_agent) for a in history] == [
        (True, "2001:db8::1", "Laptop"), (False, "192.0.2.7", "Phone"),
    ]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)) == 2


def test_log_in_history_keeps_only_the_last_attempts_per_person(app: Flask) -> None:
    user = UserFactory()
    other = UserFactory()
    services.record_login_attempt(user=other, succeeded=True, ip_address="192.0.2.1", user_agent="x")
    for n in range(LOGIN_HISTORY_KEPT + 15):
        services.record_login_attempt(user=user, succeeded=False, ip_address=f"192.0.2.{n}", user_agent="y" * 400)

    history = services.login_history(user, limit=100)
    assert len(history) == LOGIN_HISTORY_KEPT == 20
    assert history[0].ip_address == f"192.0.2.{LOGIN_HISTORY_KEPT + 14}"
    assert history[-1].ip_address == "192.0.2.15"
    assert len(history[0].user_agent) == 300
    assert len(services.login_history(other)) == 1  # someone else's guesses do not push theirs out


# --- erasure and the audit log ---------------------------------------------------------------


def test_forgetting_a_person_keeps_audit_rows_without_their_address_or_name(app: Flask) -> None:
    admin = UserFactory(email="admin@example.org", display_name="Grace")
    person = UserFactory(email="rené@example.org", display_name="René Magritte")
    bystander = UserFactory(email="bob@example.org", display_name="Bob")
    services.record_audit(admin, "grant-role", person, role="organiser")
    services.record_audit(admin, "invite-partner-editor", bystander, email="René@Example.org", note="keep")
    services.record_audit(admin, "save-proposal", bystander, speakers=["René Magritte", "Bob"], title="Ada and René")
    services.record_audit(admin, "invite-partner-editor", bystander, email="bob@example.org")
    services.record_login_attempt(user=person, succeeded=True, ip_address="192.0.2.1", user_agent="x")
    services.record_login_attempt(user=bystander, succeeded=True, ip_address="192.0.2.2", user_agent="x")

    changed = services.forget_user_in_audit_log(user=person, names=("Rene Magritte",))
    db.session.flush()

    assert changed == 2
    assert audit_rows() == [
        (admin.id, "grant-role", person.id, {"role": "organiser"}),
        (admin.id, "invite-partner-editor", bystander.id, {"email": "[erased]", "note": "keep"}),
        (admin.id, "save-proposal", bystander.id, {"speakers": ["[erased]", "Bob"], "title": "Ada and René"}),
        (admin.id, "invite-partner-editor", bystander.id, {"email": "bob@example.org"}),
    ]
    assert services.login_history(person) == []
    assert len(services.login_history(bystander)) == 1
