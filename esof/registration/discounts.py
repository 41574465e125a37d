"""Pure rules of vouchers, without a database: what a discount takes off a fee, whether a
voucher may be used at a moment for a category, and the shape of codes.

Codes are generated from 31 characters that cannot be mistaken for each other when read
aloud or typed from paper (no 0/O, 1/I/L, no U next to V), grouped in fours: 12 characters
are about 59 bits, so guessing one is hopeless even with the sign-up's rate limits lifted.
"""
from __future__ import annotations

import enum
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
GENERATED_GROUPS = 3
GROUP_LENGTH = 4
# What organisers may type as a code of their own (after upper-casing): readable, no spaces.
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,39}$")


def normalise_code(code: str) -> str:
    """'  press-2022 ' -> 'PRESS-2022': delegates' input matches however it was typed."""
    return re.sub(r"\s+", "", code or "").upper()


def generate_code(prefix: str = "") -> str:
    """A new random code like 'SPONSOR-7KQ4-MZ2D-H9TB' (the prefix is optional)."""
    groups = [
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GENERATED_GROUPS)
    ]
    return "-".join([normalise_code(prefix), *groups] if prefix else groups)


class Kind(enum.StrEnum):
    # The same values as models.DiscountKind: this module stays free of the models.
    PERCENT = "percent"
    AMOUNT = "amount"
    PRICE = "price"


@dataclass(frozen=True)
class Price:
    fee_cents: int  # the category's fee today (early-bird or regular)
    discount_cents: int
    charged_cents: int  # fee - discount: what the registration owes


def apply_discount(fee_cents: int, kind: str, value: int) -> Price:
    """The price after a voucher. A voucher never raises a fee and never makes it negative:
    a fixed price above the fee, or an amount above it, leaves the fee or nothing."""
    if kind == Kind.PERCENT:
        discount = (fee_cents * min(max(value, 0), 100) + 50) // 100  # half a cent rounds up
    elif kind == Kind.AMOUNT:
        discount = min(max(value, 0), fee_cents)
    elif kind == Kind.PRICE:
        discount = fee_cents - min(max(value, 0), fee_cents)
    else:
        raise ValueError(f"unknown discount kind {kind!r}")
    return Price(fee_cents=fee_cents, discount_cents=discount, charged_cents=fee_cents - discount)


class Refusal(enum.StrEnum):
    NOT_YET_VALID = "not-yet-valid"
    EXPIRED = "expired"
    WRONG_CATEGORY = "wrong-category"
    USED_UP = "used-up"


@dataclass(frozen=True)
class VoucherState:
    valid_from: datetime | None
    valid_until: datetime | None
    category_ids: frozenset[int]  # empty: every category
    max_uses: int
    used_count: int


def refusal(state: VoucherState, *, category_id: int, now: datetime) -> Refusal | None:
    """Why the voucher cannot be used now for the category, or None. `valid_until` is the
    first moment it no longer works. Used-up is only what a page shows in advance: the use
    itself is taken by one conditional UPDATE, which is what decides under concurrency."""
    if state.valid_from is not None and now < state.valid_from:
        return Refusal.NOT_YET_VALID
    if state.valid_until is not None and now >= state.valid_until:
        return Refusal.EXPIRED
    if state.category_ids and category_id not in state.category_ids:
        return Refusal.WRONG_CATEGORY
    if state.used_count >= state.max_uses:
        return Refusal.USED_UP
    return None
