"""Registration flows through HTTP: delegates, organisers, bad input."""
from __future__ import annotations

import csv
import io
import json

import sqlalchemy as sa

from esof.accounts.models import AuditLog, Role, User
from esof.extensions import db
from esof.registration import services
from esof.registration.models import PaymentStatus, Registration, RegistrationStatus
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory, form_data, register
from tests.support import csrf_token_from, log_in, submit_form


def registrations() -> list[Registration]:
    return list(db.session.scalars(sa.select(Registration).order_by(Registration.id)))


def delegate(client, email: str = "ada@example.org", **kwargs) -> User:
    user = UserFactory(email=email, **kwargs)
    db.session.commit()
    log_in(client, email)
    return user


def test_registration_form_shows_categories_with_reasons_and_server_fee(app, client) -> None:
    from datetime import timedelta

    from esof.db import utcnow

    CategoryFactory(code="regular", name="Regular", fee_cents=45000)
    CategoryFactory(code="late", name="Late", closes_at=utcnow() - timedelta(days=1))
    CategoryFactory(code="soon", name="Soon", opens_at=utcnow() + timedelta(days=1))
    CategoryFactory(code="full", name="Full", capacity=0)
    delegate(client)
    page = client.get("/registration/").get_data(as_text=True)
    assert 'id="category-regular" value="regular"' in page and "€450.00" in page
    assert "Closed" in page and "Not open yet" in page and "Full: you join the waiting list" in page
    assert (
        'value="late"\n                 aria-describedby="category-late-info"\n'
        '                 \n                 disabled'
    ) in page
    assert '<option value="NL">Netherlands</option>' in page


def test_register_flow_confirms_and_shows_amount_and_reference(app, client) -> None:
    CategoryFactory(code="regular", fee_cents=45000)
    delegate(client)
    response = submit_form(client, "/registration/", form_data("regular"))
    [registration] = registrations()
    assert response.status_code == 302
    assert response.location == f"/registration/{registration.id}"
    assert (registration.status, registration.country, registration.dietary_needs) == (
        RegistrationStatus.CONFIRMED, "NL", "vegetarian",
    )
    page = client.get(response.location).get_data(as_text=True)
    assert "€450.00" in page and registration.payment_reference in page and "Confirmed" in page


def test_double_submit_creates_nothing_twice(app, client) -> None:
    CategoryFactory(code="regular")
    delegate(client)
    token = csrf_token_from(client.get("/registration/").get_data(as_text=True))
    first = client.post("/registration/", data={"csrf_token": token, **form_data("regular")})
    second = client.post("/registration/", data={"csrf_token": token, **form_data("regular")})
    [registration] = registrations()
    assert first.location == second.location == f"/registration/{registration.id}"
    assert "nothing was changed" in client.get(second.location).get_data(as_text=True)


def test_waitlisted_delegate_sees_position(app, client) -> None:
    category = CategoryFactory(code="regular", capacity=0)
    register(UserFactory(), category)
    delegate(client)
    response = submit_form(client, "/registration/", form_data("regular"))
    page = client.get(response.location).get_data(as_text=True)
    assert "You are number 2 on the waiting list." in page


def test_bad_input_is_refused_with_message_and_nothing_stored(app, client) -> None:
    CategoryFactory(code="regular")
    CategoryFactory(code="speaker", access_code="SPEAK")
    from datetime import timedelta

    from esof.db import utcnow

    CategoryFactory(code="closed", closes_at=utcnow() - timedelta(hours=1))
    delegate(client)
    cases = [
        (form_data("no-such"), "There is no registration category with this code."),
        (form_data("closed"), "Registration in this category is closed."),
        (form_data("speaker", access_code="WRONG"), "The access code is not correct."),
        (form_data("regular", first_name="x" * 101), "Field cannot be longer than 100 characters."),
        (form_data("regular", country="XX"), "Choose a country from the list."),
        (form_data("regular", consent=None), "Please agree to the privacy statement to register."),
    ]
    for data, message in cases:
        response = submit_form(client, "/registration/", data)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), message
    assert registrations() == []


def test_missing_csrf_token_is_refused(app, client) -> None:
    CategoryFactory(code="regular")
    delegate(client)
    response = client.post("/registration/", data=form_data("regular"))
    assert response.status_code == 400
    assert registrations() == []


def test_unverified_user_cannot_register(app, client) -> None:
    CategoryFactory(code="regular")
    delegate(client, email_verified_at=None)
    assert client.get("/registration/").status_code == 403
    response = submit_form(client, "/registration/", form_data("regular"))
    assert response.status_code == 403
    assert registrations() == []


def test_anonymous_user_is_sent_to_log_in(app, client) -> None:
    response = client.get("/registration/")
    assert response.status_code == 302 and response.location.startswith("/account/login")


def test_other_delegates_registration_is_not_found(app, client) -> None:
    theirs = register(UserFactory(), CategoryFactory())
    delegate(client)
    assert client.get(f"/registration/{theirs.id}").status_code == 404
    assert client.get(f"/registration/{theirs.id}/edit").status_code == 404
    html = client.get("/registration/privacy").get_data(as_text=True)
    response = client.post(f"/registration/{theirs.id}/cancel", data={"csrf_token": csrf_token_from(html)})
    assert response.status_code == 404
    db.session.refresh(theirs)
    assert theirs.status == RegistrationStatus.CONFIRMED


def test_edit_and_cancel_own_registration_promotes_next(app, client) -> None:
    category = CategoryFactory(code="regular", capacity=1)
    user = delegate(client)
    mine = register(user, category)
    waiting = register(UserFactory(), category)
    db.session.commit()
    response = submit_form(
        client, f"/registration/{mine.id}/edit", form_data("regular", affiliation="TU Delft", country="BE")
    )
    assert response.status_code == 302
    db.session.refresh(mine)
    assert (mine.affiliation, mine.country) == ("TU Delft", "BE")
    response = submit_form(client, f"/registration/{mine.id}/cancel", {}, page=f"/registration/{mine.id}")
    assert response.status_code == 302
    db.session.refresh(mine)
    db.session.refresh(waiting)
    assert (mine.status, waiting.status) == (RegistrationStatus.CANCELLED, RegistrationStatus.CONFIRMED)


def test_ticket_page_shows_qr_svg_with_verifiable_token_and_reissue_revokes(app, client) -> None:
    user = delegate(client)
    registration = register(user, CategoryFactory())
    db.session.commit()
    page = client.get("/registration/ticket")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    token = html.split('<code class="ticket-token">')[1].split("</code>")[0]
    assert services.verify_ticket_token(token).id == registration.id
    svg = client.get("/registration/ticket.svg")
    assert svg.mimetype == "image/svg+xml" and svg.get_data(as_text=True).startswith("<svg")
    response = submit_form(client, "/registration/ticket/reissue", {}, page="/registration/ticket")
    assert response.status_code == 302
    import pytest

    with pytest.raises(services.TicketRevoked):
        services.verify_ticket_token(token)


def test_ticket_page_without_confirmed_registration_is_404(app, client) -> None:
    delegate(client)
    assert client.get("/registration/ticket").status_code == 404
    assert client.get("/registration/ticket.svg").status_code == 404


def test_export_downloads_json_of_own_data(app, client) -> None:
    user = delegate(client)
    registration = register(user, CategoryFactory(code="regular"))
    db.session.commit()
    response = client.get("/registration/privacy/export.json")
    assert response.headers["Content-Disposition"] == 'attachment; filename="esof2022-my-data.json"'
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "ada@example.org"
    assert [r["payment_reference"] for r in data["registrations"]] == [registration.payment_reference]


def test_delete_account_needs_password_then_erases_and_logs_out(app, client) -> None:
    user = delegate(client)
    register(user, CategoryFactory())
    db.session.commit()
    wrong = submit_form(
        client, "/registration/privacy/erase", {"password": "nope", "confirm": "y"}, page="/registration/privacy"
    )
    assert wrong.status_code == 422 and "The password is not correct." in wrong.get_data(as_text=True)
    response = submit_form(
        client,
        "/registration/privacy/erase",
        {"password": "correct horse battery", "confirm": "y"},
        page="/registration/privacy",
    )
    assert response.status_code == 302
    db.session.expire_all()
    erased = db.session.get(User, user.id)
    assert erased.erased_at is not None and erased.email.endswith("@erased.invalid")
    [row] = registrations()
    assert (row.user_id, row.first_name, row.status) == (None, "", RegistrationStatus.CANCELLED)
    assert client.get("/registration/").status_code == 302  # logged out


def organiser(client) -> User:
    return delegate(client, email="org@example.org", roles=[Role.ORGANISER])


def test_organiser_pages_need_the_role(app, client) -> None:
    registration = register(UserFactory(), CategoryFactory())
    delegate(client)
    for url in ("/registration/organiser/", "/registration/organiser/export.csv",
                f"/registration/organiser/{registration.id}", "/registration/organiser/categories",
                "/registration/organiser/settings", "/organiser/mail/"):
        assert client.get(url).status_code == 403, url


def test_organiser_list_searches_filters_and_counts(app, client) -> None:
    regular, press = CategoryFactory(code="regular", name="Regular"), CategoryFactory(code="press", moderated=True)
    register(
        UserFactory(email="grace@example.org"),
        regular,
        profile=services.DelegateProfile("Grace", "Hopper", "Yale", "US"),
    )
    register(UserFactory(), regular)
    register(UserFactory(), press)
    organiser(client)
    page = client.get("/registration/organiser/?q=hopper").get_data(as_text=True)
    assert "1 registration<" in page and "Grace Hopper" in page
    page = client.get("/registration/organiser/?q=GRACE@example").get_data(as_text=True)
    assert "1 registration<" in page
    page = client.get("/registration/organiser/?status=awaiting-approval").get_data(as_text=True)
    assert "1 registration<" in page
    page = client.get("/registration/organiser/?category=regular&country=NL").get_data(as_text=True)
    assert "1 registration<" in page
    page = client.get("/registration/organiser/").get_data(as_text=True)
    assert "3 registrations<" in page
    assert '<td class="number">2</td>' in page  # two confirmed in regular


def test_organiser_list_query_count_does_not_grow_with_rows(app, client, count_queries) -> None:
    category = CategoryFactory()
    organiser(client)
    for _ in range(3):
        register(UserFactory(), category)
    db.session.commit()
    count_queries.reset()
    client.get("/registration/organiser/")
    few = count_queries.count
    for _ in range(30):
        register(UserFactory(), category)
    db.session.commit()
    count_queries.reset()
    client.get("/registration/organiser/")
    assert count_queries.count == few


def test_organiser_exports_csv_of_everyone(app, client) -> None:
    category = CategoryFactory(code="regular")
    for n in range(120):
        register(UserFactory(), category, profile=services.DelegateProfile(f"P{n}", "=cmd()", "Uni", "NL"))
    organiser(client)
    response = client.get("/registration/organiser/export.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert response.mimetype == "text/csv"
    assert "Content-Length" not in response.headers  # streamed, not built in memory
    assert rows[0][:4] == ["id", "payment_reference", "first_name", "last_name"]
    assert len(rows) == 121
    assert rows[1][3] == "'=cmd()"  # no formula injection in spreadsheets


def test_organiser_marks_paid_approves_rejects_with_audit(app, client) -> None:
    press = CategoryFactory(code="press", moderated=True, capacity=5)
    a, b = register(UserFactory(), press), register(UserFactory(), press)
    boss = organiser(client)
    page = f"/registration/organiser/{a.id}"
    assert submit_form(client, f"{page}/payment", {"payment_status": "paid"}, page=page).status_code == 302
    assert submit_form(client, f"{page}/approve", {}, page=page).status_code == 302
    assert submit_form(client, f"/registration/organiser/{b.id}/reject", {}, page=page).status_code == 302
    db.session.expire_all()
    assert (a.payment_status, a.status, b.status) == (
        PaymentStatus.PAID, RegistrationStatus.CONFIRMED, RegistrationStatus.CANCELLED,
    )
    actions = db.session.scalars(
        sa.select(AuditLog.action).where(AuditLog.actor_id == boss.id).order_by(AuditLog.id)
    ).all()
    assert actions == ["registration-payment", "registration-approve", "registration-reject"]


def test_payment_status_changed_by_another_organiser_is_not_overwritten(app, client) -> None:
    registration = register(UserFactory(), CategoryFactory())
    organiser(client)
    page = f"/registration/organiser/{registration.id}"
    html = client.get(page).get_data(as_text=True)
    assert 'name="seen_status" type="hidden" value="pending"' in html
    token = csrf_token_from(html)
    db.session.execute(sa.update(Registration).where(Registration.id == registration.id)
                       .values(payment_status=PaymentStatus.PAID))  # another organiser, meanwhile
    db.session.commit()
    response = client.post(f"{page}/payment", data={"csrf_token": token, "payment_status": "waived",
                                                    "seen_status": "pending"}, follow_redirects=True)
    assert response.status_code == 200
    assert "This registration has changed in the meantime. Please look again." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).payment_status == PaymentStatus.PAID


def test_organiser_edits_category_and_onsite_cap(app, client) -> None:
    category = CategoryFactory(code="regular", capacity=0)
    waiting = register(UserFactory(), category)
    organiser(client)
    url = f"/registration/organiser/categories/{category.id}/edit"
    data = {"code": "regular", "name": "Regular", "name_nl": "Regulier", "attendance": "onsite", "fee": "395.50",
            "early_fee": "", "capacity": "10", "opens_at": "2022-01-10T09:00", "sort_order": "1"}
    response = submit_form(client, url, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert (category.fee_cents, category.capacity, waiting.status) == (39550, 10, RegistrationStatus.CONFIRMED)
    assert category.opens_at.isoformat() == "2022-01-10T08:00:00+00:00"  # 09:00 CET
    response = submit_form(client, "/registration/organiser/settings", {"onsite_cap": "3000"})
    assert response.status_code == 302
    assert services.conference_settings().onsite_cap == 3000
    bad = submit_form(client, "/registration/organiser/categories/new", {**data, "code": "Bad Code!"})
    assert bad.status_code == 422
