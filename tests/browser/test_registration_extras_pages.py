"""axe-core (WCAG 2.1 A and AA) on the pages of vouchers, questions and answers in Chromium:
the registration form with a question of every kind (and sent back with messages), the
delegate's answers and billing pages, and the organisers' voucher and question pages."""
from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from esof.accounts.models import Role
from esof.extensions import db
from esof.registration import questions, vouchers
from esof.registration.models import DiscountKind, QuestionKind
from esof.registration.questions import QuestionSpec
from tests.browser.conftest import log_in, new_page
from tests.browser.harness import WIDTHS, LiveServer, blocking, describe_violations, run_axe
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory, register
from tests.support import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def check(tab: Any, where: str) -> None:
    problems = blocking(run_axe(tab))
    assert not problems, describe_violations(where, problems)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_voucher_question_and_answer_pages_have_no_serious_violation(
    app: Flask, live: LiveServer, browser: Any, width: str
) -> None:
    regular = CategoryFactory(code="regular", name="Regular delegate")
    boss = UserFactory(email="org@example.org", roles=[Role.ORGANISER])
    UserFactory(email="new@example.org")
    member = UserFactory(email="member@example.org")
    choices = [("Canal tour", "Rondvaart"), ("Museum", "Museum")]
    for kind, text in ((QuestionKind.TEXT, "Anything else?"), (QuestionKind.NUMBER, "Nights in Leiden"),
                       (QuestionKind.DATE, "Arrival"), (QuestionKind.YES_NO, "Party?")):
        questions.create_question(actor=boss, spec=QuestionSpec(kind=kind, text=text))
    excursion = questions.create_question(actor=boss, spec=QuestionSpec(
        kind=QuestionKind.CHOICE, text="Excursion", required=True, choices=choices, category_ids=[regular.id]))
    questions.create_question(actor=boss, spec=QuestionSpec(kind=QuestionKind.CHOICES, text="Extras", choices=choices))
    vouchers.create_vouchers(actor=boss, spec=vouchers.VoucherSpec(kind=DiscountKind.PERCENT, value=50), code="HALF")
    register(member, regular, answers={excursion.id: [str(excursion.choices[0].id)]})
    db.session.commit()
    tab = new_page(browser, viewport=WIDTHS[width])

    log_in(tab, live, "new@example.org", DEMO_PASSWORD)
    tab.goto(live("/registration/"))
    check(tab, "registration form with questions")
    tab.locator("#category-regular").check()
    tab.get_by_label("Voucher code").fill("NOSUCH")
    tab.get_by_role("button", name="Show the fee with this voucher").click()
    tab.wait_for_selector("#voucher-error")
    check(tab, "registration form with a refused voucher")
    tab.locator("#category-regular").check()
    tab.get_by_label("Voucher code").fill("")
    tab.get_by_label("Last name").fill("Lovelace")
    tab.locator("main form button.button", has_text="Register").click()
    tab.wait_for_selector(".error-summary")
    check(tab, "registration form sent back with messages")
    tab.context.clear_cookies()

    log_in(tab, live, "member@example.org", DEMO_PASSWORD)
    for path in ("/registration/answers", "/registration/billing"):
        tab.goto(live(path))
        check(tab, path)
    tab.context.clear_cookies()

    log_in(tab, live, "org@example.org", DEMO_PASSWORD)
    for path in ("/registration/organiser/vouchers", "/registration/organiser/vouchers/new",
                 "/registration/organiser/vouchers/1", "/registration/organiser/questions",
                 "/registration/organiser/questions/new", "/registration/organiser/?question=5"):
        response = tab.goto(live(path))
        assert response is not None and response.status == 200, path
        check(tab, path)
    tab.context.close()
