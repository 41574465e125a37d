"""The demo's vouchers, questions and cancellation rules work as an organiser set them up:
the press code makes the press fee nothing, the sponsor codes give a place beyond capacity
and are single use, the early-career code ends with the early bird, the registration form
asks the questions in the delegate's language, and a cancellation today gets everything back."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from esof.db import utcnow
from esof.extensions import db
from esof.registration import refunds, vouchers
from esof.registration.billing_rules import refund_percent
from esof.registration.errors import VoucherExpired, VoucherWrongCategory
from esof.registration.models import RegistrationCategory, Voucher
from tests.support import log_in


def category_id(code: str) -> int:
    return db.session.scalar(sa.select(RegistrationCategory.id).where(RegistrationCategory.code == code))


def test_the_demo_vouchers_apply_where_the_organisers_meant_them(demo_app: Flask) -> None:
    press, regular, early_career = category_id("press"), category_id("regular"), category_id("early-career")
    assert vouchers.usable_voucher("press-2022", category_id=press) is not None  # codes are case-blind
    with pytest.raises(VoucherWrongCategory):
        vouchers.usable_voucher("PRESS-2022", category_id=regular)
    assert vouchers.voucher_price(vouchers.find_voucher("PRESS-2022"), 59500).charged_cents == 0

    sponsors = db.session.scalars(sa.select(Voucher).where(Voucher.batch == "SPONSOR")).all()
    assert len(sponsors) == 10 and len({v.code for v in sponsors}) == 10
    assert all(v.beyond_capacity and v.max_uses == 1 and v.used_count == 0 for v in sponsors)

    early = vouchers.find_voucher("EARLYCAREER10")
    assert vouchers.usable_voucher("EARLYCAREER10", category_id=early_career) is not None
    assert early.valid_until is not None
    with pytest.raises(VoucherExpired):
        vouchers.usable_voucher("EARLYCAREER10", category_id=early_career, now=early.valid_until)


def test_the_demo_registration_form_asks_the_questions_in_the_delegates_language(demo_app: Flask) -> None:
    client = demo_app.test_client()
    log_in(client, "newcomer1@example.org")
    english = client.get("/registration/").get_data(as_text=True)
    assert "Which excursion would you like to join on Saturday 16 July?" in english
    assert "Rijksmuseum Boerhaave" in english and "Dietary requirements for the lunches" in english
    client.get("/language/nl")
    dutch = client.get("/registration/").get_data(as_text=True)
    assert "Aan welke excursie wilt u op zaterdag 16 juli deelnemen?" in dutch
    assert "Geen, dank u" in dutch and "Dieetwensen voor de lunches" in dutch


def test_the_demo_cancellation_rules_give_everything_back_today(demo_app: Flask) -> None:
    rules = refunds.cancellation_rules()
    assert rules.full_refund_until is not None and rules.partial_refund_until is not None
    assert rules.full_refund_until >= utcnow().date()
    assert rules.partial_refund_until > rules.full_refund_until
    assert refund_percent(rules, utcnow().date()) == 100
    assert refund_percent(rules, rules.partial_refund_until) == 50
