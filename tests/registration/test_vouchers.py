"""Vouchers: the pure discount rules, the services, and registering with a code."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from esof.db import utcnow
from esof.extensions import db
from esof.registration import discounts, services, vouchers
from esof.registration.errors import (
    VoucherCodeTaken,
    VoucherExpired,
    VoucherInvalid,
    VoucherNotYetValid,
    VoucherUnknown,
    VoucherUsedUp,
    VoucherWrongCategory,
)
from esof.registration.models import (
    ConferenceSettings,
    DiscountKind,
    PaymentStatus,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
    Voucher,
)
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory, register

MOMENT = datetime(2022, 5, 1, 10, tzinfo=UTC)


def organiser():
    from esof.accounts.models import Role, User

    found = db.session.scalar(sa.select(User).where(User.email == "org@example.org"))
    return found or UserFactory(email="org@example.org", roles=[Role.ORGANISER])


def make_voucher(code: str = "PRESS", kind: DiscountKind = DiscountKind.PERCENT, value: int = 50,
                 **spec) -> Voucher:
    [voucher] = vouchers.create_vouchers(
        actor=organiser() if not spec.get("actor") else spec.pop("actor"),
        spec=vouchers.VoucherSpec(kind=kind, value=value, **spec), code=code,
    )
    return voucher


# Pure rules -------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "value", "charged"), [
    ("percent", 50, 22500), ("percent", 100, 0), ("percent", 33, 30150),
    ("amount", 10000, 35000), ("amount", 99999, 0),
    ("price", 15000, 15000), ("price", 60000, 45000), ("price", 0, 0),
])
def test_discount_never_raises_the_fee_nor_goes_below_zero(kind, value, charged) -> None:
    price = discounts.apply_discount(45000, kind, value)
    assert price.charged_cents == charged
    assert price.discount_cents == 45000 - charged


def test_percent_rounds_half_cents_up() -> None:
    assert discounts.apply_discount(999, "percent", 50).discount_cents == 500  # 499.5 -> 500


def test_refusal_reasons_in_order() -> None:
    now = datetime(2022, 5, 1, 12, tzinfo=UTC)
    state = discounts.VoucherState(now, now + timedelta(days=1), frozenset({1}), 2, 0)
    assert discounts.refusal(state, category_id=1, now=now - timedelta(seconds=1)) is discounts.Refusal.NOT_YET_VALID
    assert discounts.refusal(state, category_id=1, now=now) is None
    assert discounts.refusal(state, category_id=1, now=now + timedelta(days=1)) is discounts.Refusal.EXPIRED
    assert discounts.refusal(state, category_id=2, now=now) is discounts.Refusal.WRONG_CATEGORY
    used = discounts.VoucherState(None, None, frozenset(), 2, 2)
    assert discounts.refusal(used, category_id=7, now=now) is discounts.Refusal.USED_UP


def test_generated_codes_are_readable_and_normalised() -> None:
    code = discounts.generate_code("sponsor")
    assert code.startswith("SPONSOR-") and len(code) == len("SPONSOR-") + 14
    assert not set(code.replace("-", "").removeprefix("SPONSOR")) & set("01OIL")
    assert discounts.normalise_code("  press 2022 ") == "PRESS2022"


# Services ---------------------------------------------------------------------------------

def test_create_one_code_and_a_batch(app) -> None:
    actor = organiser()
    regular = CategoryFactory(code="regular")
    one = make_voucher("press-2022", actor=actor, category_ids=[regular.id], max_uses=3)
    batch = vouchers.create_vouchers(
        actor=actor, spec=vouchers.VoucherSpec(kind=DiscountKind.PRICE, value=0, max_uses=1), count=25,
        prefix="acme",
    )
    assert one.code == "PRESS-2022" and [c.code for c in one.categories] == ["regular"]
    assert len({v.code for v in batch}) == 25 and all(v.batch == "ACME" for v in batch)
    with pytest.raises(VoucherCodeTaken):
        make_voucher("PRESS-2022", actor=actor)


@pytest.mark.parametrize("spec", [
    {"kind": DiscountKind.PERCENT, "value": 0}, {"kind": DiscountKind.PERCENT, "value": 101},
    {"kind": DiscountKind.AMOUNT, "value": -1}, {"kind": DiscountKind.AMOUNT, "value": 100, "max_uses": 0},
    {"kind": DiscountKind.AMOUNT, "value": 100, "valid_from": MOMENT, "valid_until": MOMENT},
    {"kind": DiscountKind.AMOUNT, "value": 100, "valid_from": MOMENT, "valid_until": MOMENT - timedelta(days=1)},
])
def test_voucher_that_does_not_add_up_is_refused_and_nothing_saved(app, spec) -> None:
    with pytest.raises(VoucherInvalid):
        vouchers.create_vouchers(actor=organiser(), spec=vouchers.VoucherSpec(**spec), code="BAD")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Voucher)) == 0


def test_registering_with_a_voucher_charges_the_discounted_fee(app) -> None:
    regular = CategoryFactory(code="regular", fee_cents=45000)
    voucher = make_voucher("half", value=50)
    registration = register(UserFactory(), regular, voucher_code=" half ")
    assert (registration.amount_due_cents, registration.discount_cents) == (22500, 22500)
    assert registration.voucher_id == voucher.id and voucher.used_count == 1
    free = make_voucher("free", kind=DiscountKind.PRICE, value=0)
    waived = register(UserFactory(), regular, voucher_code="FREE")
    assert (waived.amount_due_cents, waived.payment_status) == (0, PaymentStatus.WAIVED)
    assert free.used_count == 1


@pytest.mark.parametrize(("voucher", "error"), [
    ({"code": "USED", "max_uses": 1}, VoucherUsedUp),
    ({"code": "OLD", "valid_until": utcnow() - timedelta(hours=1)}, VoucherExpired),
    ({"code": "SOON", "valid_from": utcnow() + timedelta(hours=1)}, VoucherNotYetValid),
    ({"code": "OTHER", "other_category": True}, VoucherWrongCategory),
    ({"code": "NOPE", "missing": True}, VoucherUnknown),
])
def test_unusable_voucher_is_refused_with_its_reason_and_nothing_saved(app, voucher, error) -> None:
    regular = CategoryFactory(code="regular")
    code = voucher.pop("code")
    if voucher.pop("other_category", False):
        voucher["category_ids"] = [CategoryFactory(code="press").id]
    if not voucher.pop("missing", False):
        made = make_voucher(code, **voucher)
        if code == "USED":
            register(UserFactory(), regular, voucher_code=code)
        db.session.commit()
        uses = made.used_count
    with pytest.raises(error):
        register(UserFactory(), regular, voucher_code=code)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == (1 if code == "USED" else 0)
    if code != "NOPE":
        assert db.session.scalar(sa.select(Voucher.used_count).where(Voucher.code == code)) == uses


def test_cancelling_gives_the_use_back_and_keeps_the_discount_on_the_row(app) -> None:
    regular = CategoryFactory(code="regular")
    voucher = make_voucher("ONCE", max_uses=1)
    first = register(UserFactory(), regular, voucher_code="ONCE")
    db.session.commit()
    with pytest.raises(VoucherUsedUp):
        register(UserFactory(), regular, voucher_code="ONCE")
    db.session.rollback()
    services.cancel_registration(registration=first, actor=None)
    db.session.commit()
    assert voucher.used_count == 0
    assert (first.voucher_id, first.discount_cents) == (voucher.id, 22500)
    again = register(UserFactory(), regular, voucher_code="ONCE")
    assert again.status == RegistrationStatus.CONFIRMED and voucher.used_count == 1


def test_fewer_uses_than_taken_is_refused(app) -> None:
    regular = CategoryFactory(code="regular")
    voucher = make_voucher("TWO", max_uses=2)
    register(UserFactory(), regular, voucher_code="TWO")
    register(UserFactory(), regular, voucher_code="TWO")
    db.session.commit()
    spec = vouchers.VoucherSpec(kind=voucher.kind, value=voucher.value, max_uses=1)
    with pytest.raises(VoucherInvalid):
        vouchers.update_voucher(actor=organiser(), voucher=voucher, spec=spec)
    db.session.rollback()
    assert db.session.get(Voucher, voucher.id).max_uses == 2


def test_beyond_capacity_voucher_takes_a_place_in_a_full_category_not_past_the_onsite_cap(app) -> None:
    full = CategoryFactory(code="full", capacity=1)
    register(UserFactory(), full)
    waiting = register(UserFactory(), full)
    assert waiting.status == RegistrationStatus.WAITLISTED
    make_voucher("VIP", max_uses=5, beyond_capacity=True)
    vip = register(UserFactory(), full, voucher_code="VIP")
    assert vip.status == RegistrationStatus.CONFIRMED
    assert db.session.get(RegistrationCategory, full.id).confirmed_count == 2
    settings = db.session.get(ConferenceSettings, 1)
    services.set_onsite_cap(cap=settings.onsite_confirmed, actor=organiser())
    capped = register(UserFactory(), full, voucher_code="VIP")
    assert capped.status == RegistrationStatus.WAITLISTED  # the building's limit still holds
    assert db.session.get(ConferenceSettings, 1).onsite_confirmed == 2
    # A plain voucher in a full category waits like everyone else.
    make_voucher("PLAIN", max_uses=5)
    assert register(UserFactory(), full, voucher_code="PLAIN").status == RegistrationStatus.WAITLISTED


def test_cancelling_a_paid_registration_with_a_voucher_refunds_what_was_paid(app) -> None:
    from esof.registration.billing_models import Refund, RefundStatus

    regular = CategoryFactory(code="regular", fee_cents=45000)
    voucher = make_voucher("HALF", max_uses=1)
    registration = register(UserFactory(), regular, voucher_code="HALF")
    services.set_payment_status(registration=registration, status=PaymentStatus.PAID, actor=organiser())
    db.session.commit()
    services.cancel_registration(registration=registration, actor=organiser(), reason="organiser")
    db.session.commit()
    refund = db.session.scalar(sa.select(Refund).where(Refund.registration_id == registration.id))
    assert (refund.status, refund.paid_cents, refund.amount_cents) == (RefundStatus.DUE, 22500, 22500)
    assert voucher.used_count == 0


def test_over_capacity_a_cancellation_frees_no_place_for_the_waiting_list(app) -> None:
    full = CategoryFactory(code="full", capacity=1)
    first = register(UserFactory(), full)
    waiting = register(UserFactory(), full)
    make_voucher("VIP", max_uses=5, beyond_capacity=True)
    vip = register(UserFactory(), full, voucher_code="VIP")
    db.session.commit()
    assert services.cancel_registration(registration=first, actor=None) == []  # 1 held of 1: still full
    db.session.commit()
    assert db.session.get(Registration, waiting.id).status == RegistrationStatus.WAITLISTED
    promoted = services.cancel_registration(registration=vip, actor=None)
    assert [r.id for r in promoted] == [waiting.id]
