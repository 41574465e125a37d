"""Demo registration: the categories with their fees and windows, and the delegates with their
registrations in every state (confirmed, awaiting approval, on the waiting list, cancelled),
their payments, the invoices of the confirmed ones with something to pay (issued in bulk, each
dated by its confirmation, as the product issues them when a registration becomes due one), and
every counter in step with the rows.

The categories' windows: by default they opened on the real 2021 date and stay open until
60 days after the load day, the early-bird fee until 30 days after it, so the demo can be
tried (and the fee rule seen) on any day; with ``--historic`` they keep the 2022 dates. The
registrations themselves are always the 2022 history (their fees follow the 2022 deadline).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from esof.accounts.models import Role
from esof.conference import EARLY_BIRD_DEADLINE, THEME, conference_days, privacy_statement_version
from esof.demo import data
from esof.demo.context import DemoContext, insert_rows
from esof.demo.people import SpeakerDelegate, add_users, user_row
from esof.extensions import db
from esof.registration.invoice_bulk import issue_due_invoices
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
# Without --historic: the categories close this long after the load day, the early bird earlier.
OPEN_FOR = timedelta(days=60)
EARLY_BIRD_FOR = timedelta(days=30)
# The category that sold out, with a waiting list (its capacity is what it sold).
SOLD_OUT = "student"
MODERATED = "press"
# Registered after the category sold out (waiting) or shortly before the conference (awaiting approval).
LATE_SIGN_UPS = date(2022, 6, 1)


@dataclass
class DemoDelegates:
    user_ids: list[int]  # by delegate number - 1
    speakers: list[SpeakerDelegate]  # those in the speaker category
    speaker_accounts: int
    # Confirmed onsite delegates (who may book and come to the doors): (user id, registration id, unpaid).
    onsite: list[tuple[int, int, bool]] = field(default_factory=list)
    confirmed_user_ids: list[int] = field(default_factory=list)


def category_window(ctx: DemoContext, attendance: str) -> tuple[datetime, datetime, date]:
    """(opens, closes, early-bird deadline) of a category: the 2022 ones with --historic, else
    open from the real opening until well after the load day."""
    opens = ctx.local(SIGN_UP_OPENS, time(9, 0))
    if ctx.historic:
        closes = conference_days()[-1] if attendance == "online" else ONSITE_SIGN_UP_CLOSES
        return opens, ctx.local(closes, time(23, 59)), EARLY_BIRD_DEADLINE
    today = ctx.today
    return opens, ctx.local(today + OPEN_FOR, time(23, 59)), today + EARLY_BIRD_FOR


def build_categories(ctx: DemoContext) -> dict[str, dict[str, Any]]:
    """The registration categories, as their rows with their ids, by code."""
    rows: list[dict[str, Any]] = []
    for order, (code, name, name_nl, fee, early, attendance, moderated, coded, capacity, _share, colour) \
            in enumerate(data.CATEGORIES):
        opens, closes, early_deadline = category_window(ctx, attendance)
        rows.append({
            "code": code, "name": name, "name_nl": name_nl,
            "description": f"{name} — ESOF 2022, {THEME}.",
            "fee_cents": fee, "early_fee_cents": early,
            "early_deadline": early_deadline if early is not None else None,
            "opens_at": opens, "closes_at": closes,
            "capacity": capacity, "confirmed_count": 0, "moderated": moderated,
            "access_code": f"SPEAK-{ctx.nonce(24).upper()}" if coded else None,
            "attendance": Attendance(attendance), "badge_colour": colour, "sort_order": order,
        })
    ids = insert_rows(RegistrationCategory, rows)
    ctx.count("registration categories", len(ids))
    return {row["code"]: {**row, "id": cid} for row, cid in zip(rows, ids, strict=True)}


def special_delegates(ctx: DemoContext, n: int, speakers: set[int]) -> dict[int, RegistrationStatus]:
    """Who does not simply hold a confirmed place: a few students on the waiting list of the
    sold-out category, press waiting for approval, and cancellations. They are drawn from the
    second half of the delegate numbers, so delegate1 … delegate{n/2} are all confirmed (the
    README's account to try things with, and the benches' bookers, come from there)."""
    pool = [i for i in range(max(1, n // 2), n) if i not in speakers]
    ctx.rng.shuffle(pool)
    share = len(pool) // 4
    waiting = min(max(2, n // 100), share)
    awaiting = min(max(1, n // 250), share)
    cancelled = min(max(1, n // 150), share)
    special: dict[int, RegistrationStatus] = {}
    for status, k in ((RegistrationStatus.WAITLISTED, waiting), (RegistrationStatus.AWAITING_APPROVAL, awaiting),
                      (RegistrationStatus.CANCELLED, cancelled)):
        for i in pool[:k]:
            special[i] = status
        pool = pool[k:]
    return special


def build_delegates(ctx: DemoContext, categories: dict[str, dict[str, Any]]) -> DemoDelegates:
    rng = ctx.rng
    n = ctx.sizes.delegates
    speaker_accounts = min(round(ctx.sizes.speakers * 0.3), n // 5)
    speaker_indices = set(rng.sample(range(n), speaker_accounts))
    special = special_delegates(ctx, n, speaker_indices)
    shared = [c for c in data.CATEGORIES if c[9] > 0]
    codes = [c[0] for c in shared]
    shares = [c[9] for c in shared]
    countries = rng.choices(data.COUNTRIES, weights=[c[1] for c in data.COUNTRIES], k=n)
    references = rng.sample(range(10**8), n)
    held: dict[str, int] = defaultdict(int)  # places held (confirmed and awaiting approval) by category
    consent_version = privacy_statement_version()

    users: list[dict[str, Any]] = []
    roles: list[tuple[Role, ...]] = []
    regs: list[dict[str, Any]] = []
    speakers: list[tuple[int, str, str, str]] = []  # (delegate index, first name, last name, affiliation)
    for i in range(n):
        country, _weight, pool, city = countries[i]
        first, last = ctx.person_name(pool)
        status = special.get(i, RegistrationStatus.CONFIRMED)
        if i in speaker_indices:
            code = "speaker"
        elif status is RegistrationStatus.WAITLISTED:
            code = SOLD_OUT
        elif status is RegistrationStatus.AWAITING_APPROVAL:
            code = MODERATED
        else:
            code = rng.choices(codes, weights=shares)[0]
            capacity = categories[code]["capacity"]
            if capacity is not None and held[code] >= capacity:
                code = "regular"
        category = categories[code]
        if status in (RegistrationStatus.WAITLISTED, RegistrationStatus.AWAITING_APPROVAL):
            registered = ctx.moment_between(LATE_SIGN_UPS, ONSITE_SIGN_UP_CLOSES)
        elif rng.random() < 0.45:
            registered = ctx.moment_between(SIGN_UP_OPENS, EARLY_BIRD_DEADLINE)
        else:
            registered = ctx.moment_between(EARLY_BIRD_DEADLINE + timedelta(days=1), ONSITE_SIGN_UP_CLOSES)
        fee = category["fee_cents"]
        if category["early_fee_cents"] is not None and registered.astimezone(ctx.zone).date() <= EARLY_BIRD_DEADLINE:
            fee = category["early_fee_cents"]
        if fee == 0:
            payment, paid_at = PaymentStatus.WAIVED, None
        elif status is RegistrationStatus.WAITLISTED or rng.random() < 0.06:
            payment, paid_at = PaymentStatus.PENDING, None  # nobody pays for a place they do not hold
        else:
            payment, paid_at = PaymentStatus.PAID, registered + timedelta(days=rng.randint(0, 9),
                                                                          minutes=rng.randint(0, 600))
        language = "nl" if country == "NL" or (country == "BE" and rng.random() < 0.6) else "en"
        account_created = registered - timedelta(minutes=rng.randint(5, 120))
        users.append(user_row(ctx, f"delegate{i + 1}@example.org", f"{first} {last}", language, account_created))
        roles.append((Role.DELEGATE, Role.SPEAKER) if code == "speaker" else (Role.DELEGATE,))
        affiliation = rng.choice(data.PRESS_OUTLETS) if code == "press" else ctx.affiliation(country, city)
        confirmed: datetime | None = registered + (
            timedelta(days=rng.randint(1, 4)) if category["moderated"] else timedelta())
        cancelled_at = None
        if status is RegistrationStatus.CANCELLED:
            cancelled_at = registered + timedelta(days=rng.randint(3, 40), minutes=rng.randint(0, 600))
        elif status is not RegistrationStatus.CONFIRMED:
            confirmed = None
        if status in (RegistrationStatus.CONFIRMED, RegistrationStatus.AWAITING_APPROVAL):
            held[code] += 1
        regs.append({
            "category_id": category["id"], "status": status, "waitlist_position": None,
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
            "ticket_nonce": ctx.nonce(128), "created_at": registered,
            "updated_at": max(t for t in (registered, paid_at, confirmed, cancelled_at) if t is not None),
            "confirmed_at": confirmed, "cancelled_at": cancelled_at,
            "cancel_reason": "delegate" if cancelled_at else "",
        })
        if code == "speaker":
            speakers.append((i, first, last, affiliation))
    # Waiting-list numbers in the order people joined, from the one conference-wide sequence.
    waiting = sorted((row["created_at"], i) for i, row in enumerate(regs)
                     if row["status"] is RegistrationStatus.WAITLISTED)
    for number, (_when, i) in enumerate(waiting, start=1):
        regs[i]["waitlist_position"] = number
    user_ids = add_users(ctx, users, roles)
    for row, uid in zip(regs, user_ids, strict=True):
        row["user_id"] = uid
    registration_ids = insert_rows(Registration, regs)
    statuses = [row["status"] for row in regs]
    for status in RegistrationStatus:
        if statuses.count(status):
            ctx.count(f"registrations ({status.value})", statuses.count(status))
    ctx.count("payments paid", sum(1 for r in regs if r["payment_status"] is PaymentStatus.PAID))
    ctx.count("payments pending", sum(1 for r in regs if r["payment_status"] is PaymentStatus.PENDING
                                      and r["status"] is not RegistrationStatus.CANCELLED))
    ctx.count("payments waived", sum(1 for r in regs if r["payment_status"] is PaymentStatus.WAIVED))
    update_counters(ctx, categories, held, waitlist_issued=len(waiting),
                    sold_out=SOLD_OUT if waiting else None)
    ctx.count("invoices", issue_due_invoices(now=ctx.now, at_confirmation=True))
    onsite = [(uid, rid, row["payment_status"] is PaymentStatus.PENDING and row["amount_due_cents"] > 0)
              for row, uid, rid in zip(regs, user_ids, registration_ids, strict=True)
              if row["status"] is RegistrationStatus.CONFIRMED and row["attendance"] is Attendance.ONSITE]
    return DemoDelegates(
        user_ids,
        [SpeakerDelegate(f"delegate{i + 1}@example.org", user_ids[i], first, last, affiliation)
         for i, first, last, affiliation in speakers],
        speaker_accounts,
        onsite=onsite,
        confirmed_user_ids=[uid for row, uid in zip(regs, user_ids, strict=True)
                            if row["status"] is RegistrationStatus.CONFIRMED],
    )


def build_newcomers(ctx: DemoContext) -> list[str]:
    """Verified accounts without a registration, to try the registration form with."""
    k = max(2, ctx.sizes.delegates // 200)
    rows = []
    for j in range(k):
        first, last = ctx.person_name(ctx.rng.choice(("dutch", "german", "french", "english")))
        created = ctx.moment_between(LATE_SIGN_UPS, ONSITE_SIGN_UP_CLOSES)
        rows.append(user_row(ctx, f"newcomer{j + 1}@example.org", f"{first} {last}", "en", created))
    add_users(ctx, rows, [(Role.DELEGATE,)] * k)
    ctx.count("accounts without a registration", k)
    return [row["email"] for row in rows]


def update_counters(ctx: DemoContext, categories: dict[str, dict[str, Any]], held: dict[str, int], *,
                    waitlist_issued: int, sold_out: str | None) -> None:
    """Category counters (places held: confirmed and awaiting approval), the sold-out
    category's capacity, the onsite counter and the waiting-list sequence, in step with the rows."""
    for code, row in categories.items():
        capacity = row["capacity"]
        if code == sold_out:
            capacity = held.get(code, 0)  # every place sold: the waiting list is in front of newcomers
        elif capacity is not None:
            capacity = max(capacity, held.get(code, 0))
        db.session.execute(sa.update(RegistrationCategory).where(RegistrationCategory.id == row["id"])
                           .values(confirmed_count=held.get(code, 0), capacity=capacity))
        row["capacity"] = capacity
    onsite = sum(held.get(c, 0) for c, row in categories.items() if row["attendance"] is Attendance.ONSITE)
    values = {"onsite_cap": max(ONSITE_CAP, onsite), "onsite_confirmed": onsite, "waitlist_issued": waitlist_issued,
              "demo_loaded_at": ctx.now, "demo_historic": ctx.historic}
    if db.session.get(ConferenceSettings, SETTINGS_ID) is None:
        db.session.execute(sa.insert(ConferenceSettings).values(id=SETTINGS_ID, **values))
    else:
        db.session.execute(sa.update(ConferenceSettings).where(ConferenceSettings.id == SETTINGS_ID).values(**values))
    ctx.summary.counts["onsite places held"] = onsite
