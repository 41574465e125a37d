"""Invoices and receipts through HTTP, read back with pdftotext: content, the number kept on a
second download, who may open which invoice, and a failed request that uses no number (the
invoices are issued when registering; tests/registration/test_invoice_issuing.py)."""
from __future__ import annotations

import subprocess
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from esof.accounts.models import Role
from esof.extensions import db
from esof.registration.billing_models import BillingCounter, BillingDocument
from esof.registration.invoicing import BillingInput, save_billing_details
from esof.registration.models import PaymentStatus
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory, profile, register
from tests.support import log_in


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return result.stdout.decode()


def delegate_with_registration(client, email: str = "zoe@example.org", fee: int = 45000, **names):
    user = UserFactory(email=email)
    registration = register(user, CategoryFactory(fee_cents=fee, name="Regular", name_nl="Normaal"),
                            profile=profile(**names))
    db.session.commit()
    log_in(client, email)
    return registration


def test_invoice_pdf_holds_seller_number_amounts_vat_and_bank_details(app, client) -> None:
    registration = delegate_with_registration(client, first_name="Zoë", last_name="Ørsted-Łukasiewicz")
    response = client.get("/registration/invoice.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    text = pdf_text(response.data)
    assert "Stichting ESOF 2022 Leiden" in text and "NL000000000B01" in text
    assert "Invoice ESOF2022-00001" in text
    assert "Zoë Ørsted-Łukasiewicz" in text
    assert "Category: Regular" in text
    assert "Net amount" in text and "€371.90" in text
    assert "VAT 21 %" in text and "€78.10" in text
    assert "Total" in text and "€450.00" in text
    assert registration.payment_reference in text
    assert "NL00 ESOF 0000 2022 00" in text and "ESOFNL2L" in text


def test_the_same_invoice_downloaded_again_keeps_its_number(app, client) -> None:
    delegate_with_registration(client)
    first = pdf_text(client.get("/registration/invoice.pdf").data)
    second = pdf_text(client.get("/registration/invoice.pdf").data)
    assert "ESOF2022-00001" in first and "ESOF2022-00001" in second
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BillingDocument)) == 1
    assert db.session.get(BillingCounter, "invoice").last_number == 1


def test_an_issued_invoice_is_drawn_from_what_was_stored(app, client) -> None:
    delegate_with_registration(client)
    client.get("/registration/invoice.pdf")
    app.config.update(PAYMENT_IBAN="NL91 ABNA 0417 1643 00", INVOICE_SELLER_NAME="Someone Else", INVOICE_VAT_RATE="9")
    text = pdf_text(client.get("/registration/invoice.pdf").data)
    assert "NL00 ESOF 0000 2022 00" in text and "Stichting ESOF 2022 Leiden" in text and "VAT 21 %" in text
    assert "Someone Else" not in text


def test_invoice_settings_come_from_the_config(app, client) -> None:
    app.config.update(PAYMENT_IBAN="NL91 ABNA 0417 1643 00", INVOICE_VAT_RATE="9", INVOICE_NUMBER_PREFIX="T-")
    delegate_with_registration(client)
    text = pdf_text(client.get("/registration/invoice.pdf").data)
    assert "NL91 ABNA 0417 1643 00" in text and "VAT 9 %" in text and "T-00001" in text
    page = client.get("/registration/" + str(db.session.scalar(sa.select(BillingDocument.registration_id))))
    assert "NL91 ABNA 0417 1643 00" in page.get_data(as_text=True)


def test_reverse_charge_invoice_says_so(app, client) -> None:
    registration = delegate_with_registration(client)
    save_billing_details(registration=registration, details=BillingInput(
        name="Universität Köln", address="Albertus-Magnus-Platz\n50923 Köln, Germany", vat_number="DE123456789",
        po_reference="PO-4711"), actor=registration.user)
    db.session.commit()
    text = pdf_text(client.get("/registration/invoice.pdf").data)
    assert "VAT 0 % (reverse charge)" in text
    assert "VAT reverse-charged" in text and "Article 196" in text
    assert "Universität Köln" in text and "DE123456789" in text and "PO-4711" in text
    assert "€450.00" in text


def test_dutch_delegate_gets_a_dutch_invoice(app, client) -> None:
    user = UserFactory(email="jan@example.nl", language="nl")
    register(user, CategoryFactory(fee_cents=45000, name="Regular", name_nl="Normaal"))
    db.session.commit()
    log_in(client, "jan@example.nl")
    text = pdf_text(client.get("/registration/invoice.pdf").data)
    assert "Normaal" in text and "€ 450,00" in text.replace("\xa0", " ")


def test_receipt_only_when_paid(app, client) -> None:
    registration = delegate_with_registration(client)
    missing = client.get("/registration/receipt.pdf")
    assert missing.status_code == 404 and "payment has not been received" in missing.get_data(as_text=True)
    registration.payment_status = PaymentStatus.PAID
    registration.paid_at = datetime(2022, 5, 2, 10, 0, tzinfo=UTC)
    db.session.commit()
    text = pdf_text(client.get("/registration/receipt.pdf").data)
    assert "Receipt ESOF2022-00001" in text and "Received with thanks on May 2, 2022" in text
    page = client.get(f"/registration/{registration.id}").get_data(as_text=True)
    assert "/registration/invoice.pdf" in page and "/registration/receipt.pdf" in page


def test_nothing_to_pay_answers_404_and_uses_no_number(app, client) -> None:
    delegate_with_registration(client, fee=0)
    response = client.get("/registration/invoice.pdf")
    assert response.status_code == 404 and "There is no invoice" in response.get_data(as_text=True)
    assert db.session.get(BillingCounter, "invoice") is None


def test_a_failed_request_leaves_no_number_used(app, client, monkeypatch: pytest.MonkeyPatch) -> None:
    delegate_with_registration(client)
    other = register(UserFactory(), CategoryFactory(fee_cents=10000))
    db.session.commit()
    # The PDF cannot be drawn (a font missing on the server): the request fails, and as it only
    # reads (both invoices were issued when registering) nothing is written or used up.
    from esof.registration import invoice_pdf

    monkeypatch.setattr(invoice_pdf, "FONT_DIR", invoice_pdf.FONT_DIR / "missing")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get("/registration/invoice.pdf").status_code == 500
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BillingDocument)) == 2
    assert db.session.get(BillingCounter, "invoice").last_number == 2
    monkeypatch.undo()
    organiser = UserFactory(email="org@example.org", roles=[Role.ORGANISER])
    db.session.commit()
    staff = app.test_client()
    log_in(staff, organiser.email)
    text = pdf_text(staff.get(f"/registration/organiser/{other.id}/invoice.pdf").data)
    assert "ESOF2022-00002" in text


def test_a_delegate_cannot_open_another_delegates_documents(app, client) -> None:
    theirs = register(UserFactory(), CategoryFactory(fee_cents=45000))
    db.session.commit()
    client_get = client.get
    assert client_get(f"/registration/organiser/{theirs.id}/invoice.pdf").status_code == 302  # log-in first
    assert client_get("/registration/invoice.pdf").status_code == 302
    UserFactory(email="eve@example.org")
    db.session.commit()
    log_in(client, "eve@example.org")
    assert client_get("/registration/invoice.pdf").status_code == 404  # no registration of her own
    assert client_get(f"/registration/organiser/{theirs.id}/invoice.pdf").status_code == 403
    assert client_get(f"/registration/organiser/{theirs.id}/receipt.pdf").status_code == 403
    assert client_get(f"/registration/organiser/{theirs.id}/credit-note.pdf").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BillingDocument)) == 1  # theirs, from registering


def test_a_delegate_cannot_reach_another_credit_note_by_its_number(app, client) -> None:
    from esof.registration.invoicing import invoice_for

    theirs = register(UserFactory(), CategoryFactory(fee_cents=45000))
    invoice = invoice_for(theirs)
    save_billing_details(registration=theirs, details=BillingInput(name="Other"), actor=None)
    db.session.commit()
    delegate_with_registration(client, email="eve@example.org")
    assert client.get("/registration/credit-note.pdf?number=ESOF2022-CN-00001").status_code == 404
    assert client.get("/registration/credit-note.pdf").status_code == 404
    assert invoice.number == 1


def test_organisers_open_any_invoice_from_the_registration_page(app, client) -> None:
    registration = register(UserFactory(), CategoryFactory(fee_cents=45000), profile=profile(first_name="Søren"))
    UserFactory(email="org@example.org", roles=[Role.ORGANISER])
    db.session.commit()
    log_in(client, "org@example.org")
    page = client.get(f"/registration/organiser/{registration.id}").get_data(as_text=True)
    assert f"/registration/organiser/{registration.id}/invoice.pdf" in page
    text = pdf_text(client.get(f"/registration/organiser/{registration.id}/invoice.pdf").data)
    assert "Søren" in text and "ESOF2022-00001" in text
    page = client.get(f"/registration/organiser/{registration.id}").get_data(as_text=True)
    assert "Invoice ESOF2022-00001 (PDF)" in page
