"""Billing details captured with the registration and changed later by the delegate."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from esof.extensions import db
from esof.registration.billing_errors import BillingInvalid
from esof.registration.billing_models import BillingDetails
from esof.registration.invoicing import BillingInput
from esof.registration.models import Registration
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory, form_data, register
from tests.support import log_in, submit_form


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_billing_details_are_saved_with_the_registration(app) -> None:
    registration = register(UserFactory(), CategoryFactory(), billing=BillingInput(
        name=" Leiden University ", address="Rapenburg 70\n\n2311 EZ Leiden", vat_number="nl 0012.34.567.b01",
        po_reference="PO-778",
    ))
    details = db.session.get(BillingDetails, registration.id)
    assert (details.name, details.address, details.po_reference) == (
        "Leiden University", "Rapenburg 70\n2311 EZ Leiden", "PO-778"
    )
    assert details.vat_number.startswith("NL")


def test_no_billing_details_no_row(app) -> None:
    register(UserFactory(), CategoryFactory(fee_cents=0), billing=BillingInput())  # free: no invoice either
    assert count(BillingDetails) == 0


def test_bad_vat_number_refuses_the_whole_registration(app) -> None:
    category = CategoryFactory()
    db.session.commit()
    with pytest.raises(BillingInvalid):
        register(UserFactory(), category, billing=BillingInput(vat_number="12345"))
    db.session.rollback()
    assert count(Registration) == 0 and count(BillingDetails) == 0


def delegate(client):
    user = UserFactory(email="ada@example.org")
    db.session.commit()
    log_in(client, "ada@example.org")
    return user


def test_registration_form_takes_billing_details_and_shows_errors_on_the_field(app, client) -> None:
    CategoryFactory(code="regular")
    delegate(client)
    refused = submit_form(client, "/registration/", form_data("regular", billing_vat_number="XX"))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert '<p class="error" id="billing_vat_number-error">Give the VAT number with its country prefix' in page
    assert count(Registration) == 0
    done = submit_form(client, "/registration/", form_data(
        "regular", billing_name="ACME Research BV", billing_address="Main street 1\nDelft",
        billing_vat_number="", billing_po_reference="4500012345",
    ))
    assert done.status_code == 302
    [registration] = db.session.scalars(sa.select(Registration)).all()
    details = db.session.get(BillingDetails, registration.id)
    assert (details.name, details.po_reference) == ("ACME Research BV", "4500012345")


def test_delegate_changes_billing_details_on_the_billing_page(app, client) -> None:
    user = delegate(client)
    registration = register(user, CategoryFactory(), billing=BillingInput(name="Old name"))
    db.session.commit()
    page = client.get("/registration/billing").get_data(as_text=True)
    assert 'value="Old name"' in page
    bad = submit_form(client, "/registration/billing", {"billing_name": "New", "billing_vat_number": "99"})
    assert bad.status_code == 422
    db.session.expire_all()
    assert db.session.get(BillingDetails, registration.id).name == "Old name"
    response = submit_form(client, "/registration/billing", {
        "billing_name": "Delft University", "billing_address": "Mekelweg 5", "billing_vat_number": "",
        "billing_po_reference": "",
    })
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(BillingDetails, registration.id).name == "Delft University"
    no_csrf = client.post("/registration/billing", data={"billing_name": "Sneaky"})
    assert no_csrf.status_code in (400, 422)
    db.session.expire_all()
    assert db.session.get(BillingDetails, registration.id).name == "Delft University"


def test_billing_page_without_registration_is_404(app, client) -> None:
    delegate(client)
    assert client.get("/registration/billing").status_code == 404
