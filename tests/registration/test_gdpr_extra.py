"""The personal-data export and erasure cover the answers, billing details and voucher of a
registration, the announcements opt-out and the log-in history (issues 20 and 21)."""
from __future__ import annotations

import json

import sqlalchemy as sa

from esof.announcements.services import opt_out
from esof.extensions import db
from esof.registration import gdpr, questions
from esof.registration.billing_models import BillingDetails
from esof.registration.invoicing import BillingInput
from esof.registration.models import Answer, DiscountKind, QuestionKind
from esof.registration.questions import QuestionSpec
from esof.registration.vouchers import VoucherSpec, create_vouchers
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory, register
from tests.support import log_in, submit_form


def registered_with_everything(user):
    boss = UserFactory()
    party = questions.create_question(actor=boss, spec=QuestionSpec(kind=QuestionKind.YES_NO, text="Party?"))
    meal = questions.create_question(actor=boss, spec=QuestionSpec(
        kind=QuestionKind.CHOICE, text="Meal", choices=[("Fish", "Vis"), ("Vegan", "Veganistisch")]
    ))
    create_vouchers(actor=boss, spec=VoucherSpec(kind=DiscountKind.PERCENT, value=10), code="TENOFF")
    registration = register(
        user, CategoryFactory(), voucher_code="TENOFF",
        answers={party.id: ["yes"], meal.id: [str(meal.choices[1].id)]},
        billing=BillingInput(name="Leiden University", address="Rapenburg 70", po_reference="PO-1"),
    )
    db.session.commit()
    return registration


def test_export_holds_answers_billing_voucher_opt_out_and_log_ins(app, client) -> None:
    user = UserFactory(email="ada@example.org")
    db.session.commit()
    wrong = submit_form(client, "/account/login", {"email": "ada@example.org", "password": "wrong"})
    assert wrong.status_code != 302
    log_in(client, "ada@example.org")
    registered_with_everything(user)
    before = gdpr.export_personal_data(user)
    assert before["announcements"] == {"opted_out": False, "since": None, "source": None}
    opt_out(user=user, source="account")
    db.session.commit()
    data = json.loads(client.get("/registration/privacy/export.json").get_data(as_text=True))
    [registration] = data["registrations"]
    assert registration["voucher"] == "TENOFF" and registration["discount_cents"] == 4500
    assert [(a["question"], a["answer"]) for a in registration["answers"]] == [("Party?", "yes"), ("Meal", "Vegan")]
    assert registration["billing_details"] == {
        "name": "Leiden University", "address": "Rapenburg 70", "vat_number": "", "po_reference": "PO-1",
    }
    assert data["announcements"]["opted_out"] is True and data["announcements"]["source"] == "account"
    attempts = data["login_history"]
    assert [a["succeeded"] for a in attempts][:2] == [True, False]  # newest first: the right password, then the wrong
    assert all(a["at"] for a in attempts)


def test_erasure_removes_answers_and_empties_billing_details(app, client) -> None:
    user = UserFactory(email="ada@example.org")
    db.session.commit()
    registration = registered_with_everything(user)
    log_in(client, "ada@example.org")
    response = submit_form(client, "/registration/privacy/erase",
                           {"password": "correct horse battery", "confirm": "y"}, page="/registration/privacy")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0
    details = db.session.get(BillingDetails, registration.id)
    assert (details.name, details.address, details.vat_number, details.po_reference) == ("", "", "", "")
    # The voucher's use came back with the cancellation the erasure made.
    from esof.registration.models import Voucher

    assert db.session.scalar(sa.select(Voucher.used_count).where(Voucher.code == "TENOFF")) == 0
