"""Demo registration: the categories with their fees and windows, and the confirmed delegates
(accounts, registrations, payments), with every counter in step with the rows.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

import sqlalchemy as sa

from esof.accounts.models import Role
from esof.conference import EARLY_BIRD_DEADLINE, THEME, conference_days, privacy_statement_version
from esof.demo import data
from esof.demo.context import DemoContext, insert_plain, insert_rows
from esof.demo.people import SpeakerDelegate, add_users, user_row
from esof.extensions import db
from esof.registration.models import (
    Attendance,
    ConferenceSettings,
    PaymentStatus,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
)
from esof.registration.references import make_payment_reference
from esof.registration.services import SETTINGS_ID

ONSITE_CAP = 5000
SIGN_UP_OPENS = date(2021, 12, 1)
# Onsite sign-up closed three days before the conference; online stays open to its last day.
ONSITE_SIGN_UP_CLOSES = date(2022, 7, 10)


@dataclass
class DemoDelegates:
    user_ids: list[int]  # by delegate number - 1
    speakers: list[SpeakerDelegate]  # those in the speaker category
    speaker_accounts: int


def build_categories(ctx: DemoContext) -> dict[str, dict[str, Any]]:
    """The registration categories, as their rows with their ids, by code."""
    opens = ctx.local(SIGN_UP_OPENS, time(9, 0))
    rows: list[dict[str, Any]] = []
    for order, (code, name, name_nl, fee, early, attendance, moderated, coded, capacity, _share, colour) \
            in enumerate(data.CATEGORIES):
        closes = conference_days()[-1] if attendance == "online" else ONSITE_SIGN_UP_CLOSES
        rows.append({
            "code": code, "name": name, "name_nl": name_nl,
            "description": f"{name} — ESOF 2022, {THEME}.",
            "fee_cents": fee, "early_fee_cents": early,
            "early_deadline": EARLY_BIRD_DEADLINE if early is not None else None,
            "opens_at": opens, "closes_at": ctx.local(closes, time(23, 59)),
            "capacity": capacity, "confirmed_count": 0, "moderated": moderated,
            "access_code": f"SPEAK-{ctx.nonce(24).upper()}" if coded else None,
            "attendance": Attendance(attendance), "badge_colour": colour, "sort_order": order,
        })
    ids = insert_rows(RegistrationCategory, rows)
    ctx.count("registration categories", len(ids))
    return {row["code"]: {**row, "id": cid} for row, cid in zip(rows, ids, strict=True)}


def build_delegates(ctx: DemoContext, categories: dict[str, dict[str, Any]]) -> DemoDelegates:
    rng = ctx.rng
    n = ctx.sizes.delegates
    speaker_accounts = min(round(ctx.sizes.speakers * 0.3), n // 5)
    speaker_indices = set(rng.sample(range(n), speaker_accounts))
    shared = [c for c in data.CATEGORIES if c[9] > 0]
    codes = [c[0] for c in shared]
    shares = [c[9] for c in shared]
    countries = rng.choices(data.COUNTRIES, weights=[c[1] for c in data.COUNTRIES], k=n)
    references = rng.sample(range(10**8), n)
    taken: dict[str, int] = defaultdict(int)
    consent_version = privacy_statement_version()

    users: list[dict[str, Any]] = []
    roles: list[tuple[Role, ...]] = []
    regs: list[dict[str, Any]] = []
    speakers: list[tuple[int, str, str, str]] = []  # (delegate index, first name, last name, affiliation)
    for i in range(n):
        country, _weight, pool, city = countries[i]
        first, last = ctx.person_name(pool)
        if i in speaker_indices:
            code = "speaker"
        else:
            code = rng.choices(codes, weights=shares)[0]
            capacity = categories[code]["capacity"]
            if capacity is not None and taken[code] >= capacity:
                code = "regular"
        taken[code] += 1
        category = categories[code]
        if rng.random() < 0.45:
            registered = ctx.moment_between(SIGN_UP_OPENS, EARLY_BIRD_DEADLINE)
        else:
            registered = ctx.moment_between(EARLY_BIRD_DEADLINE + timedelta(days=1), ONSITE_SIGN_UP_CLOSES)
        fee = category["fee_cents"]
        if category["early_fee_cents"] is not None and registered.astimezone(ctx.zone).date() <= EARLY_BIRD_DEADLINE:
            fee = category["early_fee_cents"]
        if fee == 0:
            payment, paid_at = PaymentStatus.WAIVED, None
        elif rng.random() < 0.06:
            payment, paid_at = PaymentStatus.PENDING, None
        else:
            payment, paid_at = PaymentStatus.PAID, registered + timedelta(days=rng.randint(0, 9),
                                                                          minutes=rng.randint(0, 600))
        language = "nl" if country == "NL" or (country == "BE" and rng.random() < 0.6) else "en"
        account_created = registered - timedelta(minutes=rng.randint(5, 120))
        users.append(user_row(ctx, f"delegate{i + 1}@example.org", f"{first} {last}", language, account_created))
        roles.append((Role.DELEGATE, Role.SPEAKER) if code == "speaker" else (Role.DELEGATE,))
        affiliation = rng.choice(data.PRESS_OUTLETS) if code == "press" else ctx.affiliation(country, city)
        confirmed = registered + (timedelta(days=rng.randint(1, 4)) if category["moderated"] else timedelta())
        regs.append({
            "category_id": category["id"], "status": RegistrationStatus.CONFIRMED, "waitlist_position": None,
            "attendance": category["attendance"], "first_name": first, "last_name": last,
            "affiliation": affiliation, "country": country,
            "dietary_needs": rng.choice(("vegetarian", "vegan", "halal", "kosher", "gluten-free",
                                         "lactose-free", "nut allergy")) if rng.random() < 0.15 else "",
            "accessibility_needs": rng.choice(("wheelchair user", "hearing loop, please",
                                               "step-free routes", "sign language interpreter (NGT)"))
            if rng.random() < 0.03 else "",
            "public_listing": rng.random() < 0.6,
            "consent_version": consent_version, "consent_at": registered,
            "amount_due_cents": fee, "payment_status": payment,
            "payment_reference": make_payment_reference(references[i]), "paid_at": paid_at,
            "ticket_nonce": ctx.nonce(128), "created_at": registered, "updated_at": paid_at or confirmed,
            "confirmed_at": confirmed, "cancelled_at": None,
        })
        if code == "speaker":
            speakers.append((i, first, last, affiliation))
    user_ids = add_users(ctx, users, roles)
    for row, uid in zip(regs, user_ids, strict=True):
        row["user_id"] = uid
    insert_plain(Registration, regs)
    ctx.count("registrations (confirmed)", len(regs))
    update_counters(ctx, categories, taken)
    return DemoDelegates(
        user_ids,
        [SpeakerDelegate(f"delegate{i + 1}@example.org", user_ids[i], first, last, affiliation)
         for i, first, last, affiliation in speakers],
        speaker_accounts,
    )


def update_counters(ctx: DemoContext, categories: dict[str, dict[str, Any]], taken: dict[str, int]) -> None:
    """Category counters and the conference's onsite counter, in step with the rows."""
    for code, row in categories.items():
        db.session.execute(sa.update(RegistrationCategory).where(RegistrationCategory.id == row["id"])
                           .values(confirmed_count=taken.get(code, 0)))
    onsite = sum(taken.get(c, 0) for c, row in categories.items() if row["attendance"] is Attendance.ONSITE)
    if db.session.get(ConferenceSettings, SETTINGS_ID) is None:
        db.session.execute(sa.insert(ConferenceSettings).values(id=SETTINGS_ID, onsite_cap=ONSITE_CAP,
                                                                onsite_confirmed=onsite))
    else:
        db.session.execute(sa.update(ConferenceSettings).where(ConferenceSettings.id == SETTINGS_ID)
                           .values(onsite_cap=max(ONSITE_CAP, onsite), onsite_confirmed=onsite))
    ctx.summary.counts["onsite confirmed"] = onsite
