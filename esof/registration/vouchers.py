"""Vouchers: organisers create codes (one, or a batch of generated ones), delegates use them
when they register, and a cancelled registration gives its use back.

A use is taken by one conditional UPDATE (``used_count < max_uses``) on the voucher row, as
a category's place is, never by reading the count in Python; the CHECK constraint
``used_count <= max_uses`` holds it in the database as well. Lock order (see places.py):
registering and cancelling hold the conference settings row first, so they reach the
voucher row one at a time; an organiser's change of a voucher locks that row alone.

Decision: a cancelled registration (by the delegate, an organiser, a rejection or an
erasure) gives its use back, so ten codes for a sponsor stay ten delegates; the
registration keeps `voucher_id` and `discount_cents` for its invoice and the statistics.
A registration on the waiting list holds its use: the price it was promised stands.

Decision: a place taken beyond a category's capacity (`beyond_capacity`) counts like any other
once taken (as pretix counts quota-ignoring vouchers in the quota): while the category is over
its capacity, a cancellation frees no place for the waiting list; promotions resume only once
the count is below the capacity again. The onsite cap is never passed by such a voucher.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.util import identity_key

from esof.accounts.models import User
from esof.accounts.services import record_audit
from esof.db import rows_matched, utcnow
from esof.extensions import db
from esof.registration.discounts import (
    CODE_PATTERN,
    Price,
    Refusal,
    VoucherState,
    apply_discount,
    generate_code,
    normalise_code,
    refusal,
)
from esof.registration.errors import (
    VoucherCodeTaken,
    VoucherExpired,
    VoucherInvalid,
    VoucherNotYetValid,
    VoucherRefused,
    VoucherUnknown,
    VoucherUsedUp,
    VoucherWrongCategory,
)
from esof.registration.models import DiscountKind, Registration, RegistrationCategory, Voucher

MAX_BATCH = 500
REFUSALS: dict[Refusal, type[VoucherRefused]] = {
    Refusal.NOT_YET_VALID: VoucherNotYetValid,
    Refusal.EXPIRED: VoucherExpired,
    Refusal.WRONG_CATEGORY: VoucherWrongCategory,
    Refusal.USED_UP: VoucherUsedUp,
}


@dataclass
class VoucherSpec:
    kind: DiscountKind
    value: int  # percent, or cents
    max_uses: int = 1
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    beyond_capacity: bool = False
    note: str = ""
    category_ids: Sequence[int] = field(default_factory=list)


def check_spec(spec: VoucherSpec) -> VoucherSpec:
    if spec.value < 0 or (spec.kind == DiscountKind.PERCENT and not 1 <= spec.value <= 100):
        raise VoucherInvalid(str(_l("A percentage is between 1 and 100; an amount is not negative.")))
    if spec.max_uses < 1:
        raise VoucherInvalid(str(_l("A voucher can be used at least once.")))
    if spec.valid_from and spec.valid_until and spec.valid_until <= spec.valid_from:
        raise VoucherInvalid(str(_l("“Valid until” must be after “valid from”.")))
    if len(spec.note) > 200:
        raise VoucherInvalid(str(_l("The note is too long.")))
    spec.note = spec.note.strip()
    return spec


def _categories(ids: Sequence[int]) -> list[RegistrationCategory]:
    if not ids:
        return []
    found = list(db.session.scalars(sa.select(RegistrationCategory).where(RegistrationCategory.id.in_(ids))))
    if len(found) != len(set(ids)):
        raise VoucherInvalid(str(_l("Choose categories from the list.")))
    return found


def _code_taken(code: str) -> bool:
    return db.session.scalar(sa.select(Voucher.id).where(Voucher.code == code)) is not None


def create_vouchers(
    *, actor: User, spec: VoucherSpec, code: str = "", count: int = 1, prefix: str = ""
) -> list[Voucher]:
    """One voucher with the organiser's `code`, or `count` with generated codes (a batch,
    named by the prefix or the first code, sharing everything but the code)."""
    spec = check_spec(spec)
    categories = _categories(spec.category_ids)
    if code:
        code = normalise_code(code)
        if not CODE_PATTERN.match(code):
            raise VoucherInvalid(str(_l("A code has 3 to 40 letters, digits or hyphens.")))
        if _code_taken(code):
            raise VoucherCodeTaken()
        codes = [code]
    else:
        prefix = normalise_code(prefix)
        if not 1 <= count <= MAX_BATCH or (prefix and not CODE_PATTERN.match(prefix + "-X")) or len(prefix) > 25:
            raise VoucherInvalid(str(_l("Up to %(n)d codes at once, with a short prefix of letters and digits.",
                                        n=MAX_BATCH)))
        codes = []
        while len(codes) < count:  # a clash among 31^12 codes is next to impossible; checked anyway
            candidate = generate_code(prefix)
            if candidate not in codes and not _code_taken(candidate):
                codes.append(candidate)
    batch = "" if code else (prefix or codes[0])[:40]
    vouchers = [
        Voucher(
            code=c, kind=spec.kind, value=spec.value, max_uses=spec.max_uses, used_count=0,
            valid_from=spec.valid_from, valid_until=spec.valid_until, beyond_capacity=spec.beyond_capacity,
            note=spec.note, batch=batch, created_by_id=actor.id, categories=list(categories),
        )
        for c in codes
    ]
    db.session.add_all(vouchers)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:  # the same code created at the same moment elsewhere
        raise VoucherCodeTaken() from exc
    record_audit(actor, "voucher-create", vouchers[0], codes=len(codes), batch=batch, kind=spec.kind.value,
                 value=spec.value, max_uses=spec.max_uses)
    return vouchers


def update_voucher(*, actor: User, voucher: Voucher, spec: VoucherSpec) -> Voucher:
    """Change a voucher's rules; its code, discount and uses so far stay. Fewer uses than
    already taken are refused by the same conditional UPDATE that guards the count."""
    spec = check_spec(spec)
    categories = _categories(spec.category_ids)
    changed = rows_matched(db.session.execute(
        sa.update(Voucher)
        .where(Voucher.id == voucher.id, Voucher.used_count <= spec.max_uses)
        .values(max_uses=spec.max_uses)
        .execution_options(synchronize_session=False)
    ))
    db.session.refresh(voucher)
    if changed != 1:
        raise VoucherInvalid(str(_l("This voucher has been used %(n)d times already.", n=voucher.used_count)))
    voucher.valid_from, voucher.valid_until = spec.valid_from, spec.valid_until
    voucher.beyond_capacity, voucher.note = spec.beyond_capacity, spec.note
    voucher.categories = categories
    db.session.flush()
    record_audit(actor, "voucher-edit", voucher, max_uses=spec.max_uses)
    return voucher


def find_voucher(code: str) -> Voucher:
    voucher = db.session.scalar(sa.select(Voucher).where(Voucher.code == normalise_code(code)))
    if voucher is None:
        raise VoucherUnknown()
    return voucher


def check_voucher(voucher: Voucher, *, category_id: int, now: datetime | None = None) -> None:
    """Raise the reason the voucher cannot be used now for the category, if there is one."""
    state = VoucherState(
        valid_from=voucher.valid_from, valid_until=voucher.valid_until,
        category_ids=frozenset(c.id for c in voucher.categories),
        max_uses=voucher.max_uses, used_count=voucher.used_count,
    )
    reason = refusal(state, category_id=category_id, now=now or utcnow())
    if reason is not None:
        raise REFUSALS[reason]()


def usable_voucher(code: str, *, category_id: int, now: datetime | None = None) -> Voucher | None:
    """The voucher for the code a delegate typed (none typed: None), or the reason it cannot
    be used. Checked before anything is written; the use itself is taken later."""
    if not normalise_code(code):
        return None
    voucher = find_voucher(code)
    check_voucher(voucher, category_id=category_id, now=now)
    return voucher


def voucher_price(voucher: Voucher | None, fee_cents: int) -> Price:
    if voucher is None:
        return Price(fee_cents=fee_cents, discount_cents=0, charged_cents=fee_cents)
    return apply_discount(fee_cents, voucher.kind.value, voucher.value)


def take_voucher_use(voucher_id: int) -> None:
    """One use, or VoucherUsedUp: the conditional UPDATE decides, whoever else is trying."""
    taken = rows_matched(db.session.execute(
        sa.update(Voucher)
        .where(Voucher.id == voucher_id, Voucher.used_count < Voucher.max_uses)
        .values(used_count=Voucher.used_count + 1)
        .execution_options(synchronize_session=False)
    ))
    _expire_count(voucher_id)
    if taken != 1:
        raise VoucherUsedUp()


def give_back_voucher_use(voucher_id: int) -> None:
    db.session.execute(
        sa.update(Voucher)
        .where(Voucher.id == voucher_id, Voucher.used_count > 0)
        .values(used_count=Voucher.used_count - 1)
        .execution_options(synchronize_session=False)
    )
    _expire_count(voucher_id)


def _expire_count(voucher_id: int) -> None:
    voucher = db.session.identity_map.get(identity_key(Voucher, voucher_id))
    if voucher is not None:
        db.session.expire(voucher, ["used_count"])


def vouchers_select(batch: str = "") -> sa.Select[tuple[Voucher]]:
    """Every voucher (or one batch's) with its categories (one more query), newest first."""
    stmt = sa.select(Voucher).options(selectinload(Voucher.categories)).order_by(Voucher.id.desc())
    return stmt.where(Voucher.batch == batch) if batch else stmt


def list_vouchers(batch: str = "") -> list[Voucher]:
    return list(db.session.scalars(vouchers_select(batch)))


def voucher_registrations(voucher: Voucher) -> list[Registration]:
    """The registrations that used the code, cancelled ones too (they gave their use back)."""
    return list(db.session.scalars(
        sa.select(Registration)
        .where(Registration.voucher_id == voucher.id)
        .options(joinedload(Registration.category), joinedload(Registration.user))
        .order_by(Registration.id)
    ))
