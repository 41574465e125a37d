"""Admin pages over HTTP: search, roles, log out everywhere (remember-me cookie), audit, CSV."""
from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from esof.accounts import services
from esof.accounts.models import AuditLog, Role, User, UserRole
from esof.extensions import db
from tests.factories import UserFactory
from tests.support import DEMO_PASSWORD, QueryCounter, csrf_token_from, log_in, submit_form


def role_rows() -> list[tuple[int, str]]:
    db.session.expire_all()
    return sorted((r.user_id, r.role.value) for r in db.session.scalars(sa.select(UserRole)))


def audit_actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditLog.action).order_by(AuditLog.id)))


def logged_in(client: FlaskClient) -> bool:
    return client.get("/account/").status_code == 200


@pytest.fixture
def ada(app: Flask) -> User:
    user = UserFactory(email="ada@example.org", display_name="Ada Lovelace")
    db.session.commit()
    return user


def test_people_search_finds_by_name_or_address_with_constant_queries(app: Flask, admin_client: FlaskClient) -> None:
    UserFactory(email="ada@example.org", display_name="Ada Lovelace")
    UserFactory(email="someone@example.org", display_name="Grace Hopper")
    db.session.commit()
    assert "ada@example.org" not in admin_client.get("/admin/users?q=hopper").get_data(as_text=True)
    assert "Grace Hopper" in admin_client.get("/admin/users?q=hopper").get_data(as_text=True)
    assert "Ada Lovelace" in admin_client.get("/admin/users?q=ADA@EXAMPLE").get_data(as_text=True)
    assert "Nobody matches." in admin_client.get("/admin/users?q=%25_").get_data(as_text=True)

    def queries_for_page() -> int:
        with QueryCounter(db.engine) as counter:
            assert admin_client.get("/admin/users").status_code == 200
        return counter.count

    few = queries_for_page()
    for n in range(60):
        UserFactory(roles=[Role.DELEGATE, Role.SPEAKER] if n % 2 else [Role.ORGANISER])
    db.session.commit()
    assert queries_for_page() == few
    assert "Page 1 of 2" in admin_client.get("/admin/users").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/admin/users", "/admin/audit", "/admin/audit.csv", "/admin/users/1"])
def test_admin_pages_refuse_others(app: Flask, client: FlaskClient, admin: User, path: str) -> None:
    UserFactory(email="org@example.org", roles=[Role.ORGANISER])
    db.session.commit()
    assert client.get(path).status_code == 302  # anonymous: to the log-in page
    log_in(client, "org@example.org")
    assert client.get(path).status_code == 403


def test_admin_grants_and_revokes_a_role_with_audit(app: Flask, admin_client: FlaskClient, ada: User) -> None:
    page = f"/admin/users/{ada.id}"
    response = submit_form(admin_client, f"{page}/roles/grant", {"role": "checkin"}, page=page)
    assert response.status_code == 302
    assert (ada.id, "checkin") in role_rows()
    html = admin_client.get(page).get_data(as_text=True)
    assert "Ada Lovelace is now Check-in staff." in html

    response = submit_form(admin_client, f"{page}/roles/revoke", {"role": "checkin"}, page=page)
    assert response.status_code == 302
    assert (ada.id, "checkin") not in role_rows()
    assert audit_actions() == ["grant-role", "revoke-role"]


@pytest.mark.parametrize("role", ["superuser", "", "ADMIN", "admin' OR 1=1"])
def test_a_forged_role_name_is_refused_and_nothing_changes(
    app: Flask, admin_client: FlaskClient, ada: User, role: str
) -> None:
    before = role_rows()
    page = f"/admin/users/{ada.id}"
    response = submit_form(admin_client, f"{page}/roles/grant", {"role": role}, page=page)
    assert response.status_code == 400
    assert 'class="error" id="role-error"' in response.get_data(as_text=True)
    assert role_rows() == before
    assert audit_actions() == []


def test_non_admin_posting_to_the_role_form_gets_403_and_nothing_changes(app: Flask, ada: User, admin: User) -> None:
    organiser = UserFactory(email="org@example.org", roles=[Role.ORGANISER])
    db.session.commit()
    client = app.test_client()
    log_in(client, "org@example.org")
    token = csrf_token_from(client.get("/account/").get_data(as_text=True))
    before = role_rows()

    response = client.post(f"/admin/users/{organiser.id}/roles/grant", data={"csrf_token": token, "role": "admin"})

    assert response.status_code == 403
    assert role_rows() == before
    assert audit_actions() == []


def test_the_role_form_refuses_a_missing_csrf_token(app: Flask, admin_client: FlaskClient, ada: User) -> None:
    before = role_rows()
    response = admin_client.post(f"/admin/users/{ada.id}/roles/grant", data={"role": "organiser"})
    assert response.status_code == 400
    response = admin_client.post(f"/admin/users/{ada.id}/logout-everywhere", data={})
    assert response.status_code == 400
    assert role_rows() == before
    assert audit_actions() == []


def test_an_admin_cannot_revoke_their_own_admin_role(app: Flask, admin_client: FlaskClient, admin: User) -> None:
    UserFactory(email="second@example.org", roles=[Role.ADMIN])
    db.session.commit()
    before = role_rows()
    page = f"/admin/users/{admin.id}"

    response = submit_form(admin_client, f"{page}/roles/revoke", {"role": "admin"}, page=page)

    assert response.status_code == 403
    assert "You cannot take away your own admin role." in response.get_data(as_text=True)
    assert role_rows() == before
    assert audit_actions() == []


def test_log_out_everywhere_voids_a_real_remember_me_cookie(app: Flask, admin_client: FlaskClient, ada: User) -> None:
    phone = app.test_client()
    submit_form(phone, "/account/login", {"email": "ada@example.org", "password": DEMO_PASSWORD, "remember": "y"})
    remembered = phone.get_cookie("remember_token")
    assert remembered is not None
    phone.delete_cookie("session")
    assert logged_in(phone) is True  # the remember-me cookie alone logs in

    page = f"/admin/users/{ada.id}"
    response = submit_form(admin_client, f"{page}/logout-everywhere", {}, page=page)

    assert response.status_code == 302
    assert logged_in(phone) is False
    stale = app.test_client()  # a browser with nothing but the old remember-me cookie
    stale.set_cookie("remember_token", remembered.value)
    assert logged_in(stale) is False
    assert audit_actions()[-1] == "log-out-everywhere"
    row = db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert (row.actor_id, row.target_id) != (ada.id, ada.id)
    assert logged_in(admin_client) is True


def test_person_page_shows_log_ins_and_registration_state(app: Flask, admin_client: FlaskClient, ada: User) -> None:
    browser = app.test_client()
    submit_form(browser, "/account/login", {"email": "ada@example.org", "password": "wrong password"},
                headers={"User-Agent": "TestBrowser/1.0"})
    html = admin_client.get(f"/admin/users/{ada.id}").get_data(as_text=True)
    assert "TestBrowser/1.0" in html
    assert "wrong password" in html
    assert "Not registered." in html


def test_audit_log_filters_and_csv_neutralises_formulas(app: Flask, admin_client: FlaskClient, admin: User) -> None:
    evil = UserFactory(email="=cmd@example.org", display_name="@SUM(A1)")
    services.record_audit(admin, "grant-role", evil, role="organiser", note="+1")
    services.record_audit(evil, "-payment", evil, note="\tx")
    db.session.commit()

    html = admin_client.get("/admin/audit?action=grant-role").get_data(as_text=True)
    assert "1 entry" in html
    assert admin_client.get("/admin/audit?actor=cmd").get_data(as_text=True).count("<td>-payment</td>") == 1
    assert "No entries match." in admin_client.get("/admin/audit?date_from=2000-01-01&date_to=2000-01-02").get_data(
        as_text=True
    )
    bad = admin_client.get("/admin/audit?date_from=9999-01-01&date_to=2000-01-01&target_id=-3")
    assert bad.status_code == 400
    assert "Give a date between 2000 and 2100." in bad.get_data(as_text=True)

    response = admin_client.get("/admin/audit.csv", buffered=True)  # read inside the request's context
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert response.mimetype == "text/csv"
    assert rows[0] == ["id", "at", "actor_id", "actor_email", "action", "target_type", "target_id", "detail"]
    assert [r[4] for r in rows[1:]] == ["'-payment", "grant-role"]
    assert rows[1][3] == "'=cmd@example.org"
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


def test_erasure_keeps_the_audit_row_without_the_persons_data(app: Flask, admin: User) -> None:
    from esof.registration.gdpr import erase_account

    person = UserFactory(email="rene@example.org", display_name="René")
    services.record_audit(admin, "invite-partner-editor", admin, email="rene@example.org")
    services.record_login_attempt(user=person, succeeded=True, ip_address="192.0.2.1", user_agent="x")
    db.session.commit()

    erase_account(user=person)
    db.session.commit()

    rows = db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id)).all()
    assert [(r.action, r.detail) for r in rows] == [
        ("invite-partner-editor", {"email": "[erased]"}), ("erase-account", {}),
    ]
    assert services.login_history(person) == []
