"""Demo vouchers, registration questions and cancellation rules: what an organiser of ESOF set
up besides the categories, so that those screens (and the registration form) show real use.

Vouchers: a press code that makes the fee nothing, a sponsor's batch of ten places beyond the
categories' capacity, and an early-career discount until the early bird ends. Nobody of the
demo has used one yet (the delegates' fees are the categories' own), so every count is 0.
Questions: an excursion choice, a dietary list, the party and, for the press, their outlet;
none is required, so the delegates registered before they were asked can still save their
registration unchanged. Cancellation rules: everything back until the early bird, half until
two weeks before the categories close (2022's dates with --historic)."""
from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import sqlalchemy as sa

from esof.conference import EARLY_BIRD_DEADLINE
from esof.demo.context import DemoContext, insert_plain, insert_rows
from esof.demo.registrations import EARLY_BIRD_FOR, OPEN_FOR
from esof.extensions import db
from esof.registration.billing_models import CancellationPolicy
from esof.registration.models import (
    DiscountKind,
    Question,
    QuestionChoice,
    QuestionKind,
    Voucher,
    question_category,
    voucher_category,
)

SPONSOR_CODES = 10
PARTIAL_REFUND_PERCENT = 50
HISTORIC_PARTIAL_REFUND_UNTIL = date(2022, 6, 30)
# When the organisers set these up: before sign-up opened (a fixed moment, so a seed stays a seed).
SET_UP_ON = date(2021, 11, 15)

QUESTIONS: tuple[tuple[QuestionKind, str, str, tuple[str, ...], tuple[tuple[str, str], ...]], ...] = (
    # kind, text, text_nl, categories (none: all), choices (English, Dutch)
    (QuestionKind.CHOICE, "Which excursion would you like to join on Saturday 16 July?",
     "Aan welke excursie wilt u op zaterdag 16 juli deelnemen?", ("regular", "early-career", "student", "press"),
     (("Hortus botanicus Leiden", "Hortus botanicus Leiden"), ("Rijksmuseum Boerhaave", "Rijksmuseum Boerhaave"),
      ("Naturalis Biodiversity Center", "Naturalis Biodiversity Center"), ("None, thank you", "Geen, dank u"))),
    (QuestionKind.CHOICES, "Dietary requirements for the lunches", "Dieetwensen voor de lunches", (),
     (("Vegetarian", "Vegetarisch"), ("Vegan", "Veganistisch"), ("Gluten-free", "Glutenvrij"),
      ("Lactose-free", "Lactosevrij"))),
    (QuestionKind.YES_NO, "Will you come to the ESOF party on Thursday 14 July?",
     "Komt u naar het ESOF-feest op donderdag 14 juli?", ("regular", "early-career", "student", "press", "speaker"),
     ()),
    (QuestionKind.TEXT, "Which media outlet do you write or broadcast for?",
     "Voor welk medium schrijft of zendt u uit?", ("press",), ()),
)


def build_registration_extras(ctx: DemoContext, categories: dict[str, dict[str, Any]], *, organiser_id: int) -> None:
    build_vouchers(ctx, categories, organiser_id=organiser_id)
    build_questions(ctx, categories)
    build_cancellation_rules(ctx)


def build_vouchers(ctx: DemoContext, categories: dict[str, dict[str, Any]], *, organiser_id: int) -> None:
    early_bird_ends = EARLY_BIRD_DEADLINE if ctx.historic else ctx.today + EARLY_BIRD_FOR
    common = {"used_count": 0, "valid_from": None, "created_at": ctx.local(SET_UP_ON, time(10, 0)),
              "created_by_id": organiser_id}
    rows: list[dict[str, Any]] = [
        {**common, "code": "PRESS-2022", "kind": DiscountKind.PRICE, "value": 0, "max_uses": 50,
         "valid_until": None, "beyond_capacity": False, "note": "Press: accredited journalists", "batch": ""},
        {**common, "code": "EARLYCAREER10", "kind": DiscountKind.PERCENT, "value": 10, "max_uses": 200,
         "valid_until": ctx.local(early_bird_ends, time(23, 59)), "beyond_capacity": False,
         "note": "Early-career networks: 10% until the early bird ends", "batch": ""},
    ]
    rows += [
        {**common, "code": f"SPONSOR-{ctx.nonce(40).upper()}", "kind": DiscountKind.PERCENT, "value": 100,
         "max_uses": 1, "valid_until": None, "beyond_capacity": True, "note": "Sponsor: Leiden Bio Science Park",
         "batch": "SPONSOR"}
        for _ in range(SPONSOR_CODES)
    ]
    ids = insert_rows(Voucher, rows)
    limited_to = ["press"], ["early-career"], *(["regular"] for _ in range(SPONSOR_CODES))
    db.session.execute(sa.insert(voucher_category), [
        {"voucher_id": voucher_id, "category_id": categories[code]["id"]}
        for voucher_id, codes in zip(ids, limited_to, strict=True) for code in codes
    ])
    ctx.count("vouchers", len(ids))


def build_questions(ctx: DemoContext, categories: dict[str, dict[str, Any]]) -> None:
    ids = insert_rows(Question, [
        {"kind": kind, "text": text, "text_nl": text_nl, "required": False, "position": position}
        for position, (kind, text, text_nl, _codes, _choices) in enumerate(QUESTIONS)
    ])
    db.session.execute(sa.insert(question_category), [
        {"question_id": question_id, "category_id": categories[code]["id"]}
        for question_id, (_k, _t, _n, codes, _c) in zip(ids, QUESTIONS, strict=True) for code in codes
    ])
    insert_plain(QuestionChoice, [
        {"question_id": question_id, "position": position, "text": text, "text_nl": text_nl}
        for question_id, (_k, _t, _n, _codes, choices) in zip(ids, QUESTIONS, strict=True)
        for position, (text, text_nl) in enumerate(choices)
    ])
    ctx.count("registration questions", len(ids))


def build_cancellation_rules(ctx: DemoContext) -> None:
    if ctx.historic:
        full_until, partial_until = EARLY_BIRD_DEADLINE, HISTORIC_PARTIAL_REFUND_UNTIL
    else:
        full_until, partial_until = ctx.today + EARLY_BIRD_FOR, ctx.today + OPEN_FOR - timedelta(days=14)
    insert_plain(CancellationPolicy, [{
        "id": 1, "full_refund_until": full_until, "partial_refund_percent": PARTIAL_REFUND_PERCENT,
        "partial_refund_until": partial_until, "updated_at": ctx.local(SET_UP_ON, time(10, 0)),
    }])
