"""The billing pages in Chromium: a delegate cancels a paid registration through the confirmation
step, an organiser previews and confirms a bank statement and marks the refund done; axe finds no
serious or critical violation on any of these pages at 375 and 1280 px."""
from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from esof.accounts.models import Role
from esof.extensions import db
from esof.registration.models import PaymentStatus
from esof.registration.refunds import refund_of, save_cancellation_rules
from tests.browser.conftest import log_in, new_page
from tests.browser.harness import (
    LIVE_CONFIG,
    WIDTHS,
    LiveServer,
    blocking,
    describe_violations,
    run_axe,
)
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory, register
from tests.support import DEMO_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config() -> dict[str, Any]:
    return dict(LIVE_CONFIG)


def assert_accessible(tab: Any, where: str) -> None:
    for name, viewport in WIDTHS.items():
        tab.set_viewport_size(viewport)
        violations = blocking(run_axe(tab))
        assert not violations, describe_violations(f"{where} at {name}", violations)


def test_cancel_with_refund_bank_statement_and_refund_done(app: Flask, browser: Any, tmp_path: Path) -> None:
    organiser = UserFactory(email="org@example.org", roles=[Role.ORGANISER])
    save_cancellation_rules(full_refund_until=date(2022, 1, 1), partial_refund_percent=40,
                            partial_refund_until=None, actor=organiser)
    category = CategoryFactory(fee_cents=45000, name="Regular")
    paid = register(UserFactory(email="zoe@example.org"), category)
    paid.payment_status = PaymentStatus.PAID
    paid.paid_at = datetime(2022, 5, 2, tzinfo=UTC)
    pending = register(UserFactory(), category)
    db.session.commit()
    with LiveServer(app) as base:
        delegate = new_page(browser)
        log_in(delegate, base, "zoe@example.org", DEMO_PASSWORD)
        delegate.goto(base(f"/registration/{paid.id}"))
        assert_accessible(delegate, "registration page")
        delegate.get_by_role("link", name="Cancel my registration…").click()
        assert "You get €180.00 back" in delegate.content()
        assert_accessible(delegate, "cancel confirmation")
        delegate.get_by_role("button", name="Yes, cancel my registration").click()
        delegate.wait_for_url(base(f"/registration/{paid.id}"))
        assert "Refund of €180.00 on its way" in delegate.content()
        assert_accessible(delegate, "cancelled registration page")
        delegate.context.close()

        staff = new_page(browser)
        log_in(staff, base, "org@example.org", DEMO_PASSWORD)
        for path in ("/registration/organiser/refund-rules", "/registration/organiser/refunds"):
            staff.goto(base(path))
            assert_accessible(staff, path)
        statement = tmp_path / "statement.csv"
        statement.write_text(f"Omschrijving;Bedrag\n{pending.payment_reference};450,00\nESOF-0000000000;1,00\n")
        staff.goto(base("/registration/organiser/bank-statement"))
        staff.get_by_label("Bank statement (CSV)").set_input_files(str(statement))
        staff.get_by_role("button", name="Show matches").click()
        assert "Match: will be marked paid" in staff.content() and "Unknown reference" in staff.content()
        assert_accessible(staff, "bank statement preview")
        staff.get_by_role("button", name="Mark 1 registration paid").click()
        assert "Marked paid: 1." in staff.content()
        staff.goto(base(f"/registration/organiser/{paid.id}"))
        assert_accessible(staff, "organiser registration page with a refund")
        staff.get_by_role("button", name="Mark the refund done (money transferred)").click()
        assert "Refund done: €180.00" in staff.content()
        staff.context.close()
    db.session.expire_all()
    assert refund_of(paid.id).status == "done"
    assert db.session.get(type(pending), pending.id).payment_status == PaymentStatus.PAID
