"""Reusable reads: select() builders for the organiser pages and the CSV export, counts, and
a delegate's place on the waiting list."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from esof.accounts.models import User
from esof.conference import CLOSES_AT
from esof.db import utcnow
from esof.extensions import db
from esof.registration.models import (
    Answer,
    ConferenceSettings,
    PaymentStatus,
    QuestionChoice,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
)


@dataclass(frozen=True)
class RegistrationFilters:
    q: str = ""
    category: str = ""
    status: str = ""
    payment: str = ""
    country: str = ""
    # An organiser's question and the answer wanted: a choice's id, "yes"/"no", or text that
    # the answer contains (numbers and dates: as written, e.g. 2 or 2022-07-14).
    question: int | None = None
    answer: str = ""

    @property
    def active(self) -> bool:
        return any((self.q, self.category, self.status, self.payment, self.country, self.question))


def _answered(question_id: int, wanted: str) -> sa.ColumnElement[bool]:
    """An EXISTS on the registration's answer to the question: its value or a chosen choice's
    text (English or Dutch) contains `wanted`, or a choice has that number; empty: answered."""
    wanted = wanted.strip()
    match: sa.ColumnElement[bool] = sa.true()
    if wanted:
        needle = wanted.lower()
        chosen = sa.or_(
            sa.func.lower(QuestionChoice.text).contains(needle, autoescape=True),
            sa.func.lower(QuestionChoice.text_nl).contains(needle, autoescape=True),
            QuestionChoice.id == int(wanted) if wanted.isdigit() else sa.false(),
        )
        match = sa.or_(sa.func.lower(Answer.value).contains(needle, autoescape=True), Answer.choices.any(chosen))
    return sa.exists().where(
        Answer.registration_id == Registration.id, Answer.question_id == question_id, match
    )


def filtered_registrations(filters: RegistrationFilters) -> sa.Select[tuple[Registration]]:
    """Registrations with their user and category loaded in the same query, newest first."""
    stmt = (
        sa.select(Registration)
        .join(Registration.category)
        .outerjoin(Registration.user)
        .options(contains_eager(Registration.category), contains_eager(Registration.user))
    )
    if filters.q.strip():
        needle = filters.q.strip().lower()
        full_name = sa.func.lower(Registration.first_name + " " + Registration.last_name)
        stmt = stmt.where(
            sa.or_(
                full_name.contains(needle, autoescape=True),
                sa.func.lower(Registration.affiliation).contains(needle, autoescape=True),
                User.email.contains(needle, autoescape=True),
                Registration.payment_reference == filters.q.strip().upper(),
            )
        )
    if filters.category:
        stmt = stmt.where(RegistrationCategory.code == filters.category)
    if filters.status in {s.value for s in RegistrationStatus}:
        stmt = stmt.where(Registration.status == RegistrationStatus(filters.status))
    if filters.payment in {s.value for s in PaymentStatus}:
        stmt = stmt.where(Registration.payment_status == PaymentStatus(filters.payment))
    if filters.country:
        stmt = stmt.where(Registration.country == filters.country.upper())
    if filters.question is not None:
        stmt = stmt.where(_answered(filters.question, filters.answer))
    return stmt.order_by(Registration.id.desc())


def counts_by_category_and_status() -> dict[int, dict[RegistrationStatus, int]]:
    """{category id: {status: number}} in one grouped query."""
    counts: dict[int, dict[RegistrationStatus, int]] = {}
    rows = db.session.execute(
        sa.select(Registration.category_id, Registration.status, sa.func.count())
        .group_by(Registration.category_id, Registration.status)
    )
    for category_id, status, number in rows:
        counts.setdefault(category_id, {})[status] = number
    return counts


def waiting_counts() -> dict[int, int]:
    """{category id: number of people waiting} in one grouped query."""
    rows = db.session.execute(
        sa.select(Registration.category_id, sa.func.count())
        .where(Registration.status == RegistrationStatus.WAITLISTED)
        .group_by(Registration.category_id)
    )
    return dict(rows.tuples().all())  # a list of pairs (the Result itself has keys(): dict() would misread it)


def waitlist_rank(registration: Registration) -> int | None:
    """1 for the first person waiting in the registration's category."""
    if registration.status != RegistrationStatus.WAITLISTED or registration.waitlist_position is None:
        return None
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(
            Registration.status == RegistrationStatus.WAITLISTED,
            Registration.category_id == registration.category_id,
            Registration.waitlist_position <= registration.waitlist_position,
        )
    )


def demo_notice(now: datetime | None = None) -> bool | None:
    """Whether the home and registration pages say "demo data of a past event": None when not
    (no demo data loaded, or the conference has not ended: no query then), else whether the
    demo keeps the 2022 dates (``flask demo-data --historic``: registration closed as it was)."""
    if (now or utcnow()) <= CLOSES_AT:
        return None
    row = db.session.execute(
        sa.select(ConferenceSettings.demo_loaded_at, ConferenceSettings.demo_historic)
        .order_by(ConferenceSettings.id).limit(1)
    ).first()
    if row is None or row.demo_loaded_at is None:
        return None
    return bool(row.demo_historic)
