"""Who may book, and the locks a change of seats takes before it decides anything.

* on PostgreSQL the delegate's own user row is locked first, so one delegate's bookings of
  two overlapping sessions cannot both pass the clash check (SQLite has one writer anyway);
* BOOKING_LOCK_TIMEOUT_MS, if set, bounds the lock waits of this transaction; a lock not had
  in time answers :class:`esof.errors.Busy` (through ``busy_on_lock_timeout``).

The session's own counter row is locked in :mod:`esof.bookings.seats`.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from esof.accounts.models import User
from esof.bookings.refusals import DelegatesOnly
from esof.bookings.seats import is_postgresql
from esof.extensions import db
from esof.registration.models import Registration, RegistrationStatus


def set_lock_timeout() -> None:
    """PostgreSQL: a lock wait longer than the limit fails (and answers Busy) instead of
    queueing requests without end. Every connection starts with DATABASE_LOCK_TIMEOUT_MS;
    BOOKING_LOCK_TIMEOUT_MS, if set, changes it for this transaction only."""
    timeout = current_app.config.get("BOOKING_LOCK_TIMEOUT_MS")
    if is_postgresql() and timeout is not None and timeout != current_app.config["DATABASE_LOCK_TIMEOUT_MS"]:
        db.session.execute(sa.text(f"SET LOCAL lock_timeout = '{int(timeout)}ms'"))


def lock_user(user_id: int) -> None:
    """PostgreSQL: hold this delegate's row, so their own changes run one at a time.
    (SQLite has one writer at a time anyway.)"""
    if is_postgresql():
        db.session.execute(sa.select(User.id).where(User.id == user_id).with_for_update())


_CONFIRMED_DELEGATE = (
    sa.select(sa.exists().where(Registration.user_id == User.id,
                                Registration.status == RegistrationStatus.CONFIRMED))
    .select_from(User).where(User.id == sa.bindparam("user_id"))
)
_CONFIRMED_DELEGATE_LOCKED = _CONFIRMED_DELEGATE.with_for_update(of=User)


def lock_confirmed_delegate(user: User) -> None:
    """Refuse anyone without a confirmed registration and, on PostgreSQL, hold their user row
    (as lock_user) — one statement for both, as this runs on every booking."""
    if not getattr(user, "is_authenticated", False):
        raise DelegatesOnly()
    stmt = _CONFIRMED_DELEGATE_LOCKED if is_postgresql() else _CONFIRMED_DELEGATE
    if not db.session.scalar(stmt, {"user_id": user.id}):
        raise DelegatesOnly()


def is_confirmed_delegate(user: User) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(
        sa.select(Registration.id).where(
            Registration.user_id == user.id, Registration.status == RegistrationStatus.CONFIRMED
        ).limit(1)
    ) is not None


def require_confirmed_delegate(user: User) -> None:
    if not is_confirmed_delegate(user):
        raise DelegatesOnly()
