"""Vouchers through HTTP: organisers create and change them, delegates register with one."""
from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from esof.accounts.models import Role, User
from esof.extensions import db
from esof.registration import vouchers
from esof.registration.models import DiscountKind, Registration, Voucher
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory, form_data, register
from tests.support import log_in, submit_form


def logged_in(client, email: str, **kwargs) -> User:
    user = UserFactory(email=email, **kwargs)
    db.session.commit()
    log_in(client, email)
    return user


def organiser(client) -> User:
    return logged_in(client, "org@example.org", roles=[Role.ORGANISER])


def voucher_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Voucher)) or 0


def make(code: str, actor: User, **spec) -> Voucher:
    values = {"kind": DiscountKind.PERCENT, "value": 50, **spec}
    [voucher] = vouchers.create_vouchers(actor=actor, spec=vouchers.VoucherSpec(**values), code=code)
    db.session.commit()
    return voucher


def test_voucher_pages_need_the_organiser_role(app, client) -> None:
    voucher = make("PRESS", UserFactory())
    logged_in(client, "ada@example.org")
    for url in ("/registration/organiser/vouchers", "/registration/organiser/vouchers/new",
                f"/registration/organiser/vouchers/{voucher.id}", f"/registration/organiser/vouchers/{voucher.id}/edit",
                "/registration/organiser/vouchers.csv"):
        assert client.get(url).status_code == 403, url
    assert client.post("/registration/organiser/vouchers/new", data={"code": "X", "kind": "percent"}).status_code in (
        400, 403
    )
    assert voucher_count() == 1


def test_organiser_creates_one_code_with_leiden_times_and_categories(app, client) -> None:
    regular = CategoryFactory(code="regular", name="Regular")
    organiser(client)
    response = submit_form(client, "/registration/organiser/vouchers/new", {
        "code": "press-2022", "kind": "amount", "value": "100", "max_uses": "3",
        "valid_from": "2022-05-01T09:00", "valid_until": "2022-07-16T17:00", "categories": [str(regular.id)],
        "note": "Press",
    })
    [voucher] = db.session.scalars(sa.select(Voucher)).all()
    assert response.status_code == 302 and response.location == f"/registration/organiser/vouchers/{voucher.id}"
    assert (voucher.code, voucher.kind, voucher.value, voucher.max_uses) == (
        "PRESS-2022", DiscountKind.AMOUNT, 10000, 3
    )
    assert voucher.valid_from.isoformat() == "2022-05-01T07:00:00+00:00"  # 09:00 in Leiden, summer time
    assert [c.code for c in voucher.categories] == ["regular"]
    page = client.get("/registration/organiser/vouchers").get_data(as_text=True)
    assert "PRESS-2022" in page and "0 of 3" in page and "€100.00 off" in page


def test_organiser_creates_a_generated_batch(app, client) -> None:
    organiser(client)
    response = submit_form(client, "/registration/organiser/vouchers/new", {
        "code": "", "count": "20", "prefix": "acme", "kind": "price", "value": "0", "max_uses": "1",
    })
    assert response.status_code == 302 and response.location.endswith("/organiser/vouchers?batch=ACME")
    codes = db.session.scalars(sa.select(Voucher.code)).all()
    assert len(set(codes)) == 20 and all(code.startswith("ACME-") for code in codes)
    page = client.get(response.location).get_data(as_text=True)
    assert page.count("ACME-") >= 20


def test_bad_voucher_input_re_renders_with_message_and_saves_nothing(app, client) -> None:
    boss = organiser(client)
    make("TAKEN", boss)
    cases = [
        ({"code": "TAKEN", "kind": "percent", "value": "10", "max_uses": "1"}, "Another voucher already uses"),
        ({"code": "BIG", "kind": "percent", "value": "150", "max_uses": "1"}, "A percentage is between 1 and 100"),
        ({"code": "TIME", "kind": "percent", "value": "10", "max_uses": "1", "valid_from": "2022-07-01T10:00",
          "valid_until": "2022-06-01T10:00"}, "must be after"),
        ({"code": "ZERO", "kind": "percent", "value": "10", "max_uses": "0"}, "Maximum uses"),
        ({"code": "a b!", "kind": "percent", "value": "10", "max_uses": "1"}, "A code has 3 to 40"),
    ]
    for data, message in cases:
        response = submit_form(client, "/registration/organiser/vouchers/new", data)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), data
    assert voucher_count() == 1


def test_without_csrf_nothing_is_created(app, client) -> None:
    organiser(client)
    response = client.post("/registration/organiser/vouchers/new",
                           data={"code": "NOCSRF", "kind": "percent", "value": "10", "max_uses": "1"})
    assert response.status_code in (400, 422)
    assert voucher_count() == 0


def test_organiser_edits_rules_and_sees_who_used_the_code(app, client) -> None:
    boss = organiser(client)
    regular = CategoryFactory(code="regular")
    voucher = make("SPONSOR", boss, max_uses=2)
    used = register(UserFactory(), regular, voucher_code="SPONSOR")
    db.session.commit()
    page = client.get(f"/registration/organiser/vouchers/{voucher.id}").get_data(as_text=True)
    assert used.full_name in page and "1 of 2" in page
    too_few = submit_form(client, f"/registration/organiser/vouchers/{voucher.id}/edit", {"max_uses": "0"})
    assert too_few.status_code == 422
    response = submit_form(client, f"/registration/organiser/vouchers/{voucher.id}/edit",
                           {"max_uses": "5", "note": "Sponsor ACME", "beyond_capacity": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    voucher = db.session.get(Voucher, voucher.id)
    assert (voucher.max_uses, voucher.note, voucher.beyond_capacity, voucher.used_count) == (5, "Sponsor ACME", True, 1)


def test_voucher_csv_has_usage_and_safe_cells(app, client) -> None:
    boss = organiser(client)
    make("SAFE", boss, note="=HYPERLINK(1)", max_uses=4)
    response = client.get("/registration/organiser/vouchers.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert response.mimetype == "text/csv"
    assert rows[0][:6] == ["code", "batch", "kind", "value", "max_uses", "used_count"]
    assert rows[1][0] == "SAFE" and rows[1][4:6] == ["4", "0"] and rows[1][10] == "'=HYPERLINK(1)"


def test_vouchers_list_query_count_does_not_grow(app, client, count_queries) -> None:
    boss = organiser(client)
    categories = [CategoryFactory().id for _ in range(2)]
    for n in range(3):
        make(f"FEW-{n}", boss, category_ids=categories)
    count_queries.reset()
    client.get("/registration/organiser/vouchers")
    few = count_queries.count
    for n in range(27):
        make(f"MANY-{n}", boss, category_ids=categories[: n % 3])
    count_queries.reset()
    page = client.get("/registration/organiser/vouchers").get_data(as_text=True)
    assert page.count("<code>") == 30
    assert count_queries.count == few


def test_delegate_sees_the_discounted_fee_and_is_charged_it(app, client) -> None:
    CategoryFactory(code="regular", fee_cents=45000)
    make("HALF", UserFactory(), max_uses=1)
    logged_in(client, "ada@example.org")
    preview = submit_form(client, "/registration/", {"category": "regular", "voucher": "half", "preview": "1"})
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Fee with this voucher: €225.00 instead of €450.00." in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
    response = submit_form(client, "/registration/", form_data("regular", voucher="HALF"))
    assert response.status_code == 302
    [registration] = db.session.scalars(sa.select(Registration)).all()
    assert (registration.amount_due_cents, registration.discount_cents) == (22500, 22500)
    assert "€225.00" in client.get(response.location).get_data(as_text=True)


def test_delegate_is_told_why_a_code_is_refused_and_nothing_is_saved(app, client) -> None:
    regular = CategoryFactory(code="regular")
    press = CategoryFactory(code="press")
    issuer = UserFactory()
    make("ONE", issuer, max_uses=1)
    register(UserFactory(), regular, voucher_code="ONE")
    make("PRESSONLY", issuer, category_ids=[press.id])
    db.session.commit()
    logged_in(client, "ada@example.org")
    for code, reason in [("ONE", "This voucher has been used up."), ("NOSUCH", "There is no voucher with this code."),
                         ("PRESSONLY", "This voucher is not valid for the chosen category.")]:
        response = submit_form(client, "/registration/", form_data("regular", voucher=code))
        page = response.get_data(as_text=True)
        assert response.status_code == 422, code
        assert f'<p class="error" id="voucher-error">{reason}' in page, code
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1


def test_posting_to_the_contract_url_creates_a_voucher(app, client) -> None:
    organiser(client)
    response = submit_form(client, "/registration/organiser/vouchers",
                           {"code": "contract", "kind": "percent", "value": "25", "max_uses": "2"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Voucher.code)) == "CONTRACT"
    fraction = submit_form(client, "/registration/organiser/vouchers",
                           {"code": "HALFPCT", "kind": "percent", "value": "12.5", "max_uses": "1"})
    assert fraction.status_code == 422 and "A percentage is a whole number." in fraction.get_data(as_text=True)
    assert voucher_count() == 1


def test_a_large_batch_is_listed_in_pages_and_exported_whole(app, client) -> None:
    boss = organiser(client)
    vouchers.create_vouchers(actor=boss, spec=vouchers.VoucherSpec(kind=DiscountKind.PERCENT, value=10),
                             count=130, prefix="big")
    db.session.commit()
    first = client.get("/registration/organiser/vouchers?batch=BIG").get_data(as_text=True)
    second = client.get("/registration/organiser/vouchers?batch=BIG&page=2").get_data(as_text=True)
    assert "130 vouchers" in first and "Page 1 of 2" in first
    assert first.count("<code>BIG-") == 100 and second.count("<code>BIG-") == 30
    rows = list(csv.reader(io.StringIO(client.get("/registration/organiser/vouchers.csv?batch=BIG").get_data(
        as_text=True))))
    assert len(rows) == 131
