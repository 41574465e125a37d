"""Invoices are issued when a registration becomes due one, in the transaction of that change:
registering with a place, an organiser's approval, a promotion from the waiting list, a
correction into a paying category, a payment status moved away from waived. Each issues exactly
one invoice; free and waived registrations get none; the PDF pages only read (a registration
written before, due but without an invoice, answers the "no invoice" page and nothing is
written); `flask registration issue-invoices` issues those in bulk, once."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from esof.accounts.models import Role
from esof.conference import to_local
from esof.db import utcnow
from esof.extensions import db
from esof.registration import vouchers
from esof.registration.bank_statement import apply_statement
from esof.registration.billing_models import BillingCounter, BillingDetails, BillingDocument, DocumentKind
from esof.registration.corrections import Correction, correct_registration
from esof.registration.delegates import cancel_registration
from esof.registration.invoice_bulk import issue_due_invoices
from esof.registration.invoicing import BillingInput, invoice_due, issue_invoice_if_due, valid_invoice
from esof.registration.models import (
    DiscountKind,
    PaymentStatus,
    Registration,
    RegistrationStatus,
)
from esof.registration.moderation import approve_registration, set_payment_status
from tests.demo_world import changes, snapshot
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory, profile, register
from tests.support import log_in

CONFIRMED_AT = datetime(2022, 5, 2, 9, 30, tzinfo=UTC)


def invoices(registration: Registration | None = None) -> list[BillingDocument]:
    stmt = sa.select(BillingDocument).where(BillingDocument.kind == DocumentKind.INVOICE)
    if registration is not None:
        stmt = stmt.where(BillingDocument.registration_id == registration.id)
    return list(db.session.scalars(stmt.order_by(BillingDocument.number)))


def organiser() -> Any:
    return UserFactory(roles=[Role.ORGANISER])


def legacy_due(category: Any, email: str | None = None, **overrides: Any) -> Registration:
    """A confirmed registration with something to pay and no invoice, as an older version wrote
    it (the invoice was issued only when first downloaded): registered while awaiting approval,
    then confirmed by a plain UPDATE."""
    user = UserFactory(email=email) if email else UserFactory()
    registration = register(user, category, **overrides)
    assert registration.status == RegistrationStatus.AWAITING_APPROVAL and valid_invoice(registration) is None
    db.session.execute(sa.update(Registration).where(Registration.id == registration.id)
                       .values(status=RegistrationStatus.CONFIRMED, confirmed_at=CONFIRMED_AT))
    db.session.expire(registration)
    return registration


# ------------------------------------------------------------------ each path issues one invoice


def test_registering_with_a_place_issues_the_invoice_in_the_same_transaction(app: Flask) -> None:
    moment = utcnow().replace(microsecond=0)
    registration = register(UserFactory(), CategoryFactory(fee_cents=45000), now=moment)
    [invoice] = invoices(registration)
    assert (invoice.number, invoice.number_text, invoice.total_cents) == (1, "ESOF2022-00001", 45000)
    assert invoice.issued_at == moment and invoice.issued_on == to_local(moment).date()
    assert db.session.get_one(BillingDetails, registration.id).invoice_id == invoice.id
    assert issue_invoice_if_due(registration) is None  # once only
    assert len(invoices()) == 1


def test_a_rolled_back_registration_gives_its_number_back(app: Flask) -> None:
    category = CategoryFactory(fee_cents=45000)
    db.session.commit()
    register(UserFactory(), category)
    db.session.rollback()  # the registration failed after its invoice was written
    kept = register(UserFactory(), category)
    db.session.commit()
    assert [i.number for i in invoices()] == [1] and invoices(kept)[0].number == 1


def test_free_and_waived_registrations_get_no_invoice(app: Flask) -> None:
    free = register(UserFactory(), CategoryFactory(fee_cents=0))
    [voucher] = vouchers.create_vouchers(actor=organiser(), code="PRESS-FREE",
                                         spec=vouchers.VoucherSpec(kind=DiscountKind.PRICE, value=0))
    paying = CategoryFactory(fee_cents=45000)
    with_voucher = register(UserFactory(), paying, voucher_code=voucher.code)
    assert (free.payment_status, with_voucher.payment_status) == (PaymentStatus.WAIVED, PaymentStatus.WAIVED)
    assert invoices() == [] and db.session.get(BillingCounter, DocumentKind.INVOICE) is None


def test_nobody_waiting_or_awaiting_approval_is_invoiced(app: Flask) -> None:
    full = CategoryFactory(fee_cents=45000, capacity=1)
    register(UserFactory(), full)
    waiting = register(UserFactory(), full)
    awaiting = register(UserFactory(), CategoryFactory(fee_cents=45000, moderated=True))
    assert (waiting.status, awaiting.status) == (RegistrationStatus.WAITLISTED, RegistrationStatus.AWAITING_APPROVAL)
    assert invoices(waiting) == [] and invoices(awaiting) == [] and len(invoices()) == 1


def test_an_approval_issues_the_invoice(app: Flask) -> None:
    registration = register(UserFactory(), CategoryFactory(fee_cents=30000, moderated=True))
    assert invoices() == []
    approve_registration(registration=registration, actor=organiser())
    [invoice] = invoices(registration)
    assert (invoice.number, invoice.total_cents) == (1, 30000)


def test_an_approval_of_a_waived_registration_issues_none(app: Flask) -> None:
    registration = register(UserFactory(), CategoryFactory(fee_cents=30000, moderated=True))
    boss = organiser()
    set_payment_status(registration=registration, status=PaymentStatus.WAIVED, actor=boss)
    approve_registration(registration=registration, actor=boss)
    assert registration.status == RegistrationStatus.CONFIRMED and invoices() == []


def test_a_payment_status_moved_away_from_waived_issues_the_invoice(app: Flask) -> None:
    registration = register(UserFactory(), CategoryFactory(fee_cents=30000, moderated=True))
    boss = organiser()
    set_payment_status(registration=registration, status=PaymentStatus.WAIVED, actor=boss)
    approve_registration(registration=registration, actor=boss)
    set_payment_status(registration=registration, status=PaymentStatus.PENDING, actor=boss)
    set_payment_status(registration=registration, status=PaymentStatus.PAID, actor=boss)
    [invoice] = invoices(registration)
    assert invoice.total_cents == 30000


def test_a_promotion_from_the_waiting_list_issues_the_promoted_persons_invoice(app: Flask) -> None:
    full = CategoryFactory(fee_cents=45000, capacity=1)
    leaving = register(UserFactory(), full)
    waiting = register(UserFactory(), full)
    assert invoices(waiting) == []
    [promoted] = cancel_registration(registration=leaving, actor=leaving.user)
    assert promoted.id == waiting.id and promoted.status == RegistrationStatus.CONFIRMED
    [invoice] = invoices(waiting)
    assert (invoice.number, invoice.total_cents) == (2, 45000)


def test_a_correction_into_a_paying_category_issues_the_invoice(app: Flask) -> None:
    free = CategoryFactory(fee_cents=0)
    paying = CategoryFactory(fee_cents=20000, name="Regular")
    registration = register(UserFactory(), free)
    assert invoices() == []
    changed = correct_registration(registration=registration, actor=organiser(),
                                   correction=Correction(profile=profile(), category_id=paying.id))
    assert changed == ["category"] and registration.payment_status == PaymentStatus.PENDING
    [invoice] = invoices(registration)
    assert invoice.total_cents == 20000 and invoice.category_name == "Regular"
    assert invoice_due(registration)


# ------------------------------------------------------------------ the pages only read


def test_a_due_registration_without_an_invoice_answers_the_not_ready_page_and_writes_nothing(
    app: Flask, client: Any, caplog: Any
) -> None:
    registration = legacy_due(CategoryFactory(fee_cents=45000, moderated=True), "old@example.org")
    registration.payment_status = PaymentStatus.PAID
    staff = organiser()
    db.session.commit()
    registration_id, staff_email = registration.id, staff.email
    log_in(client, "old@example.org")
    other = app.test_client()
    log_in(other, staff_email)
    before = snapshot()
    for url in ("/registration/invoice.pdf", "/registration/receipt.pdf"):
        response = client.get(url)
        assert response.status_code == 404, url
        # Not "nothing is to be paid": it is, and the log tells the operators what to run.
        assert "Your invoice is not ready yet" in response.get_data(as_text=True), url
    assert f"Registration {registration_id} is due an invoice and has none: run `flask registration " \
           "issue-invoices`" in caplog.text
    for suffix in ("invoice.pdf", "receipt.pdf"):
        assert other.get(f"/registration/organiser/{registration_id}/{suffix}").status_code == 404
    db.session.expire_all()
    assert changes(before, snapshot()) == {}
    assert db.session.get(BillingCounter, DocumentKind.INVOICE) is None


# ------------------------------------------------------------------ issued in bulk


def test_issue_invoices_command_issues_each_due_one_once_in_confirmation_order(app: Flask) -> None:
    moderated = CategoryFactory(fee_cents=45000, moderated=True, name="Regular", name_nl="Normaal")
    invoiced = register(UserFactory(), CategoryFactory(fee_cents=10000))  # invoice 1, issued when registering
    first = legacy_due(moderated, billing=BillingInput(name="Universität Köln", vat_number="DE123456789"))
    second = legacy_due(moderated)
    db.session.execute(sa.update(Registration).where(Registration.id == first.id)
                       .values(confirmed_at=datetime(2022, 6, 1, tzinfo=UTC)))  # confirmed after the second
    dutch = legacy_due(moderated, profile=profile(first_name="Jan"))
    dutch.user.language = "nl"
    waived = legacy_due(moderated)
    waived.payment_status = PaymentStatus.WAIVED
    register(UserFactory(), CategoryFactory(fee_cents=0))
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["registration", "issue-invoices"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "issued 3 invoices"
    db.session.expire_all()
    numbers = {r.id: [(i.number, i.total_cents) for i in invoices(r)] for r in (invoiced, first, second, dutch, waived)}
    assert numbers == {invoiced.id: [(1, 10000)], second.id: [(2, 45000)], dutch.id: [(3, 45000)],
                       first.id: [(4, 45000)], waived.id: []}
    [koeln] = invoices(first)
    assert koeln.buyer["name"] == "Universität Köln" and koeln.reverse_charge and koeln.vat_cents == 0
    details = db.session.get_one(BillingDetails, first.id)
    assert (details.name, details.vat_number, details.invoice_id) == ("Universität Köln", "DE123456789", koeln.id)
    [jan] = invoices(dutch)
    assert jan.language == "nl" and jan.category_name == "Normaal"
    assert db.session.get_one(BillingCounter, DocumentKind.INVOICE).last_number == 4

    again = app.test_cli_runner().invoke(args=["registration", "issue-invoices"])
    assert again.output.strip() == "issued 0 invoices" and len(invoices()) == 4


def test_an_invoice_issued_in_bulk_is_the_one_issued_at_once(app: Flask) -> None:
    """The bulk path reads columns, the single one the rows: the same registration gets the same
    invoice (a voucher's discount line, billing details, the Dutch texts)."""
    [voucher] = vouchers.create_vouchers(actor=organiser(), code="EARLY10",
                                         spec=vouchers.VoucherSpec(kind=DiscountKind.PERCENT, value=10, max_uses=5))
    moment = utcnow().replace(microsecond=0)
    billing = BillingInput(name="Universiteit Leiden", address="Rapenburg 70\n2311 EZ Leiden", po_reference="PO-1")
    once = register(UserFactory(language="nl"), CategoryFactory(fee_cents=45000, name="Regular", name_nl="Normaal"),
                    voucher_code=voucher.code, billing=billing, now=moment)
    later = legacy_due(CategoryFactory(fee_cents=45000, name="Regular", name_nl="Normaal", moderated=True),
                       voucher_code=voucher.code, billing=billing)
    later.user.language = "nl"
    db.session.flush()
    assert issue_due_invoices(now=moment) == 1
    db.session.expire_all()
    [a], [b] = invoices(once), invoices(later)
    kept = ("issued_at", "issued_on", "due_on", "language", "seller", "buyer", "lines", "delegate_name",
            "category_name", "vat_rate_bp", "reverse_charge", "net_cents", "vat_cents", "total_cents")
    assert {k: getattr(a, k) for k in kept} == {k: getattr(b, k) for k in kept}
    assert [line["cents"] for line in b.lines] == [45000, -4500] and "EARLY10" in b.lines[1]["text"]


def test_issue_due_invoices_on_postgresql(pg_app: Flask) -> None:
    moderated = CategoryFactory(fee_cents=45000, moderated=True)
    register(UserFactory(), CategoryFactory(fee_cents=10000))
    with_details = legacy_due(moderated, billing=BillingInput(name="TU Delft"))
    without = legacy_due(moderated)
    db.session.commit()
    assert issue_due_invoices(at_confirmation=True) == 2
    db.session.commit()
    db.session.expire_all()
    for registration in (with_details, without):
        [invoice] = invoices(registration)
        assert invoice.issued_at == CONFIRMED_AT
        assert db.session.get_one(BillingDetails, registration.id).invoice_id == invoice.id
    assert sorted(i.number for i in invoices()) == [1, 2, 3]
    assert issue_due_invoices() == 0


def test_the_demo_invoices_every_due_registration_once_dated_by_its_confirmation(demo_app: Flask) -> None:
    due = db.session.scalars(sa.select(Registration).where(
        Registration.status == RegistrationStatus.CONFIRMED, Registration.amount_due_cents > 0,
        Registration.payment_status != PaymentStatus.WAIVED)).all()
    issued = invoices()
    assert len(due) > 0 and sorted(i.registration_id for i in issued) == sorted(r.id for r in due)
    assert [i.number for i in issued] == list(range(1, len(due) + 1))
    confirmed = {r.id: r.confirmed_at for r in due}
    assert all(i.issued_at == confirmed[i.registration_id] for i in issued)
    assert all(valid_invoice(r) is not None for r in due)
    assert issue_due_invoices() == 0


@pytest.mark.parametrize("status", [RegistrationStatus.WAITLISTED, RegistrationStatus.CANCELLED])
def test_issue_due_invoices_leaves_registrations_without_a_place_alone(app: Flask, status: RegistrationStatus) -> None:
    registration = legacy_due(CategoryFactory(fee_cents=45000, moderated=True))
    db.session.execute(sa.update(Registration).where(Registration.id == registration.id).values(status=status))
    assert issue_due_invoices() == 0 and invoices() == []


# ------------------------------------------------------------------ waiving, and old rows paid


def test_waiving_a_fee_credits_its_invoice_in_full_and_asking_again_issues_a_new_one(app: Flask) -> None:
    registration = register(UserFactory(), CategoryFactory(fee_cents=30000))
    [first] = invoices(registration)
    boss = organiser()
    set_payment_status(registration=registration, status=PaymentStatus.WAIVED, actor=boss)
    [note] = db.session.scalars(sa.select(BillingDocument).where(BillingDocument.kind == DocumentKind.CREDIT_NOTE))
    assert (note.credits_id, note.total_cents, note.reason) == (first.id, 30000, "fee-waived")
    assert note.lines[0]["text"] == f"Invoice {first.number_text} cancelled: the fee was waived"
    assert valid_invoice(registration) is None  # nothing owed: no invoice the delegate could pay

    set_payment_status(registration=registration, status=PaymentStatus.PENDING, actor=boss)
    second = valid_invoice(registration)
    assert second is not None and second.id != first.id and second.total_cents == 30000
    assert [i.number for i in invoices(registration)] == [1, 2]


def test_a_bank_statement_paying_an_old_row_issues_its_invoice(app: Flask) -> None:
    registration = legacy_due(CategoryFactory(fee_cents=45000, moderated=True))
    applied = apply_statement(matches=[(registration.payment_reference, 45000)], actor=organiser())
    assert applied.applied == [registration.payment_reference]
    [invoice] = invoices(registration)
    assert invoice.total_cents == 45000 and valid_invoice(registration) == invoice
