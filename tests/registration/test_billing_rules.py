"""Billing rules without HTTP: VAT and reverse charge, invoice lines and numbers, refund amounts at
each boundary of the cancellation rules in Leiden time."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from esof.accounts.models import Role
from esof.extensions import db
from esof.registration.billing_errors import BillingInvalid, NoInvoice
from esof.registration.billing_models import BillingDocument, DocumentKind
from esof.registration.billing_rules import (
    CancellationRules,
    normalise_vat_number,
    rate_basis_points,
    refund_cents,
    refund_percent,
    reverse_charge_applies,
    split_gross,
)
from esof.registration.invoicing import BillingInput, documents_of, invoice_for, save_billing_details
from esof.registration.models import PaymentStatus
from esof.registration.moderation import approve_registration
from esof.registration.refunds import refund_preview, save_cancellation_rules
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory, register


def test_vat_split_adds_up_to_the_fee_and_rounds_half_up() -> None:
    assert split_gross(45000, 2100) == split_gross(45000, 2100)
    split = split_gross(45000, 2100)
    assert (split.net_cents, split.vat_cents, split.total_cents) == (37190, 7810, 45000)
    assert split_gross(12100, 2100).net_cents == 10000
    assert split_gross(100, 900).net_cents + split_gross(100, 900).vat_cents == 100
    assert split_gross(45000, 0) == split_gross(45000, -1)
    for gross in range(0, 2000, 7):
        part = split_gross(gross, 2100)
        assert part.net_cents + part.vat_cents == gross and part.vat_cents >= 0


def test_vat_rate_from_settings() -> None:
    assert [rate_basis_points(v) for v in ("21", 21, "9.5", "21,0", "0")] == [2100, 2100, 950, 2100, 0]
    with pytest.raises(ValueError):
        rate_basis_points("101")


@pytest.mark.parametrize(("number", "seller", "expected"), [
    ("DE123456789", "NL", True),
    ("de 123.456-789", "NL", True),
    ("EL123456789", "NL", True),  # Greece's prefix
    ("NL812345678B01", "NL", False),  # the seller's own country: Dutch VAT is charged
    ("GB123456789", "NL", False),  # not an EU member state
    ("CHE123456789", "NL", False),
    ("", "NL", False),
])
def test_reverse_charge_only_for_an_eu_vat_number_of_another_country(number: str, seller: str, expected: bool) -> None:
    assert reverse_charge_applies(number, seller) is expected


def test_vat_number_is_normalised() -> None:
    assert normalise_vat_number(" nl 8123.45.678-b01 ") == "NL812345678B01"


RULES = CancellationRules(date(2022, 5, 31), 50, date(2022, 6, 30))


@pytest.mark.parametrize(("day", "percent"), [
    (date(2022, 1, 1), 100),
    (date(2022, 5, 31), 100),  # the full-refund day itself
    (date(2022, 6, 1), 50),
    (date(2022, 6, 30), 50),  # the last partial day
    (date(2022, 7, 1), 0),
])
def test_refund_percent_at_each_boundary(day: date, percent: int) -> None:
    assert refund_percent(RULES, day) == percent


def test_refund_percent_without_dates_and_open_ended_steps() -> None:
    assert refund_percent(CancellationRules(), date(2030, 1, 1)) == 100
    assert refund_percent(CancellationRules(date(2022, 5, 31), 30, None), date(2030, 1, 1)) == 30
    assert refund_percent(CancellationRules(None, 30, date(2022, 6, 30)), date(2022, 1, 1)) == 30


def test_refund_cents_rounds_half_up() -> None:
    assert refund_cents(45000, 50) == 22500
    assert refund_cents(33333, 50) == 16667
    assert refund_cents(45000, 0) == 0 and refund_cents(45000, 100) == 45000


def paid_registration(fee: int = 45000, **user):
    user = UserFactory(**user)
    registration = register(user, CategoryFactory(fee_cents=fee))
    registration.payment_status = PaymentStatus.PAID
    registration.paid_at = datetime(2022, 5, 1, tzinfo=UTC)
    db.session.flush()
    return registration


@pytest.mark.parametrize(("moment", "percent"), [
    # 31 May 23:59 in Leiden (CEST, UTC+2) is still the full-refund day...
    (datetime(2022, 5, 31, 21, 59, tzinfo=UTC), 100),
    # ...one minute later it is 1 June in Leiden while UTC still says 31 May.
    (datetime(2022, 5, 31, 22, 0, tzinfo=UTC), 50),
    (datetime(2022, 6, 30, 21, 59, tzinfo=UTC), 50),
    (datetime(2022, 6, 30, 22, 0, tzinfo=UTC), 0),
])
def test_refund_preview_counts_days_in_leiden_time(app, moment: datetime, percent: int) -> None:
    organiser = UserFactory()
    save_cancellation_rules(full_refund_until=RULES.full_refund_until, partial_refund_percent=50,
                            partial_refund_until=RULES.partial_refund_until, actor=organiser)
    registration = paid_registration()
    preview = refund_preview(registration, now=moment)
    assert preview is not None
    assert (preview.percent, preview.amount_cents) == (percent, refund_cents(45000, percent))
    # Organisers cancelling give everything back, whatever the day.
    assert refund_preview(registration, reason="organiser", now=moment).amount_cents == 45000


def test_rules_refuse_a_partial_end_before_the_full_end(app) -> None:
    from esof.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        save_cancellation_rules(full_refund_until=date(2022, 6, 1), partial_refund_percent=50,
                                partial_refund_until=date(2022, 5, 1), actor=UserFactory())


def test_invoice_lines_vat_and_number_are_stored_and_kept(app) -> None:
    registration = register(UserFactory(), CategoryFactory(fee_cents=45000, name="Regular"))
    first = invoice_for(registration)
    again = invoice_for(registration)
    assert again.id == first.id and first.number == 1 and first.number_text == "ESOF2022-00001"
    assert (first.net_cents, first.vat_cents, first.total_cents, first.vat_rate_bp) == (37190, 7810, 45000, 2100)
    assert first.reverse_charge is False
    assert first.lines == [{"text": "Registration fee ESOF 2022: Regular", "cents": 45000}]


def test_discount_is_a_line_and_the_total_is_the_amount_charged(app) -> None:
    registration = register(UserFactory(), CategoryFactory(fee_cents=45000, moderated=True))
    registration.discount_cents = 10000
    registration.amount_due_cents = 35000
    db.session.flush()
    approve_registration(registration=registration, actor=UserFactory(roles=[Role.ORGANISER]))  # issues it
    invoice = invoice_for(registration)
    assert [line["cents"] for line in invoice.lines] == [45000, -10000]
    assert invoice.total_cents == 35000


def test_reverse_charge_invoice_has_no_vat_and_the_same_total(app) -> None:
    registration = register(UserFactory(), CategoryFactory(fee_cents=45000))
    save_billing_details(registration=registration, details=BillingInput(
        name="Universität Köln", vat_number="DE123456789"), actor=registration.user)
    invoice = invoice_for(registration)
    amounts = (invoice.reverse_charge, invoice.vat_cents, invoice.net_cents, invoice.total_cents)
    assert amounts == (True, 0, 45000, 45000)
    assert invoice.buyer["name"] == "Universität Köln"


def test_a_dutch_vat_number_is_charged_dutch_vat(app) -> None:
    registration = register(UserFactory(), CategoryFactory(fee_cents=45000))
    save_billing_details(registration=registration, details=BillingInput(vat_number="NL812345678B01"),
                         actor=registration.user)
    assert invoice_for(registration).vat_cents == 7810


def test_bad_vat_number_is_refused_on_its_field(app) -> None:
    registration = register(UserFactory(), CategoryFactory())
    with pytest.raises(BillingInvalid) as caught:
        save_billing_details(registration=registration, details=BillingInput(vat_number="12345"),
                             actor=registration.user)
    assert caught.value.field == "vat_number"


def test_changed_billing_details_credit_the_old_invoice_and_issue_a_new_one(app) -> None:
    registration = register(UserFactory(), CategoryFactory(fee_cents=45000))
    old = invoice_for(registration)
    save_billing_details(registration=registration, details=BillingInput(name="TU Delft"), actor=registration.user)
    new = invoice_for(registration)
    kinds = [(d.kind, d.number, d.credits_id) for d in documents_of(registration.id)]
    assert kinds == [(DocumentKind.INVOICE, 1, None), (DocumentKind.CREDIT_NOTE, 1, old.id),
                     (DocumentKind.INVOICE, 2, None)]
    assert new.buyer["name"] == "TU Delft" and old.buyer["name"] == registration.full_name


def test_nothing_to_pay_means_no_invoice_and_no_number_used(app) -> None:
    free = register(UserFactory(), CategoryFactory(fee_cents=0))
    with pytest.raises(NoInvoice):
        invoice_for(free)
    assert db.session.query(BillingDocument).count() == 0
    paying = register(UserFactory(), CategoryFactory(fee_cents=100))
    assert invoice_for(paying).number == 1


def test_a_waived_fee_gets_no_invoice(app) -> None:
    registration = register(UserFactory(), CategoryFactory(fee_cents=45000, moderated=True))
    registration.payment_status = PaymentStatus.WAIVED
    db.session.flush()
    approve_registration(registration=registration, actor=UserFactory(roles=[Role.ORGANISER]))
    with pytest.raises(NoInvoice):
        invoice_for(registration)
