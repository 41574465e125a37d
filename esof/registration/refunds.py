"""Cancellation rules and refunds.

Cancelling a paid registration opens a refund (status "due") for the share the organisers'
cancellation rules give on the day of cancellation (in Europe/Amsterdam), or all of it when
the organisers cancel or reject; the invoice is credited by that amount. Cancelling an unpaid
one credits its invoice in full. Organisers mark a refund done once they have transferred it:
one conditional UPDATE from "due", one audit row, so two organisers cannot both do it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from esof.accounts.models import User
from esof.accounts.services import record_audit
from esof.conference import to_local
from esof.db import rows_matched, utcnow
from esof.errors import ValidationFailed, busy_on_lock_timeout
from esof.extensions import db
from esof.registration.billing_errors import RefundNotDue
from esof.registration.billing_models import CancellationPolicy, Refund, RefundStatus
from esof.registration.billing_rules import CancellationRules, refund_cents, refund_percent
from esof.registration.invoicing import credit_on_cancel
from esof.registration.models import PaymentStatus, Registration

POLICY_ID = 1
# Who cancelled: the delegate's own cancellations (and erasures) follow the rules; when the
# organisers cancel or reject, the delegate gets everything back.
RULED_REASONS = frozenset({"delegate", "erased"})


def cancellation_rules() -> CancellationRules:
    policy = db.session.get(CancellationPolicy, POLICY_ID)
    if policy is None:
        return CancellationRules(None, 50, None)
    return CancellationRules(policy.full_refund_until, policy.partial_refund_percent, policy.partial_refund_until)


def save_cancellation_rules(
    *, full_refund_until: date | None, partial_refund_percent: int, partial_refund_until: date | None, actor: User
) -> CancellationPolicy:
    if not 0 <= partial_refund_percent <= 100:
        raise ValidationFailed()
    if full_refund_until and partial_refund_until and partial_refund_until < full_refund_until:
        raise ValidationFailed(str(_l("The partial refund cannot end before the full refund.")))
    policy = db.session.get(CancellationPolicy, POLICY_ID)
    if policy is None:
        policy = CancellationPolicy(id=POLICY_ID)
        db.session.add(policy)
    policy.full_refund_until = full_refund_until
    policy.partial_refund_percent = partial_refund_percent
    policy.partial_refund_until = partial_refund_until
    record_audit(
        actor, "cancellation-rules", policy,
        full_refund_until=full_refund_until.isoformat() if full_refund_until else None,
        partial_refund_percent=partial_refund_percent,
        partial_refund_until=partial_refund_until.isoformat() if partial_refund_until else None,
    )
    db.session.flush()
    return policy


@dataclass(frozen=True)
class RefundPreview:
    """What cancelling now would give back: shown on the cancel confirmation step."""

    paid_cents: int
    percent: int
    amount_cents: int


def refund_preview(
    registration: Registration, *, reason: str = "delegate", now: datetime | None = None
) -> RefundPreview | None:
    """The refund a cancellation at `now` would open; None when nothing was paid."""
    if registration.payment_status != PaymentStatus.PAID or registration.amount_due_cents <= 0:
        return None
    now = now or utcnow()
    percent = refund_percent(cancellation_rules(), to_local(now).date()) if reason in RULED_REASONS else 100
    return RefundPreview(registration.amount_due_cents, percent, refund_cents(registration.amount_due_cents, percent))


def refund_on_cancel(*, registration: Registration, reason: str, now: datetime) -> Refund | None:
    """Called by the cancellation, in its transaction, with the registration row held: a paid
    registration gets its refund due (by the rules on the day of `now`, Europe/Amsterdam) and a
    credit note for it; an unpaid one has its invoice, if any, credited in full."""
    if registration.payment_status == PaymentStatus.PENDING:
        credit_on_cancel(registration=registration, refund_cents=None, now=now)
        return None
    preview = refund_preview(registration, reason=reason, now=now)
    if preview is None or preview.amount_cents <= 0:
        return None
    note = credit_on_cancel(registration=registration, refund_cents=preview.amount_cents, now=now)
    refund = Refund(
        registration_id=registration.id, status=RefundStatus.DUE, paid_cents=preview.paid_cents,
        percent=preview.percent, amount_cents=preview.amount_cents,
        credit_note_id=note.id if note is not None else None, created_at=now,
    )
    db.session.add(refund)
    db.session.flush()
    return refund


def refund_of(registration_id: int) -> Refund | None:
    return db.session.scalar(sa.select(Refund).where(Refund.registration_id == registration_id))


@busy_on_lock_timeout()
def mark_refund_done(*, refund: Refund, actor: User, now: datetime | None = None) -> Refund:
    moved = rows_matched(db.session.execute(
        sa.update(Refund)
        .where(Refund.id == refund.id, Refund.status == RefundStatus.DUE)
        .values(status=RefundStatus.DONE, done_at=now or utcnow(), done_by_id=actor.id)
        .execution_options(synchronize_session=False)
    ))
    db.session.expire(refund)
    if moved != 1:
        raise RefundNotDue()
    record_audit(actor, "refund-done", refund.registration, refund_id=refund.id, amount_cents=refund.amount_cents)
    db.session.flush()
    return refund


@dataclass(frozen=True)
class RefundTotals:
    count: int = 0
    cents: int = 0


def refund_totals() -> dict[RefundStatus, RefundTotals]:
    """{status: (number, sum)} in one grouped query, for the counts page."""
    totals = {status: RefundTotals() for status in RefundStatus}
    rows = db.session.execute(
        sa.select(Refund.status, sa.func.count(), sa.func.coalesce(sa.func.sum(Refund.amount_cents), 0))
        .group_by(Refund.status)
    )
    for status, count, cents in rows:
        totals[status] = RefundTotals(int(count), int(cents))
    return totals


REFUND_CSV_COLUMNS = ("refund_due_eur", "refund_done_eur")


def refund_cells(registration_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """{registration id: (refund due, refund done)} in euros for the CSV, in one query for the
    given ids; a registration without a refund is not in it (its cells are empty)."""
    ids = list(registration_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Refund.registration_id, Refund.status, Refund.amount_cents).where(Refund.registration_id.in_(ids))
    )
    cells: dict[int, tuple[str, str]] = {}
    for registration_id, status, amount in rows:
        euros = f"{amount / 100:.2f}"
        cells[registration_id] = (euros, "") if status == RefundStatus.DUE else ("", euros)
    return cells


def refund_list(status: RefundStatus | None) -> list[Refund]:
    stmt = sa.select(Refund).options(joinedload(Refund.registration)).order_by(Refund.created_at, Refund.id)
    if status is not None:
        stmt = stmt.where(Refund.status == status)
    return list(db.session.scalars(stmt))
