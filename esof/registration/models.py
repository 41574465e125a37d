"""Registration: categories, the conference-wide settings and delegates' registrations."""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from esof.accounts.models import User
from esof.db import enum_type, utcnow
from esof.extensions import Model


class Attendance(enum.StrEnum):
    ONSITE = "onsite"
    ONLINE = "online"


class RegistrationStatus(enum.StrEnum):
    PENDING_VERIFICATION = "pending-verification"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    AWAITING_APPROVAL = "awaiting-approval"
    CANCELLED = "cancelled"


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    WAIVED = "waived"


class RegistrationCategory(Model):
    __tablename__ = "registration_category"
    __table_args__ = (
        sa.CheckConstraint("fee_cents >= 0", name="fee_not_negative"),
        sa.CheckConstraint("early_fee_cents IS NULL OR early_fee_cents >= 0", name="early_fee_not_negative"),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        sa.CheckConstraint("confirmed_count >= 0", name="confirmed_count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    name_nl: Mapped[str] = mapped_column(sa.String(200), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    fee_cents: Mapped[int] = mapped_column(default=0)
    early_fee_cents: Mapped[int | None]
    # Last day (Europe/Amsterdam) on which the early-bird fee applies.
    early_deadline: Mapped[date | None]
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    capacity: Mapped[int | None]
    # Places held (confirmed + awaiting approval), kept in step with the registrations so
    # capacity is checked and taken by one conditional UPDATE.
    confirmed_count: Mapped[int] = mapped_column(default=0)
    moderated: Mapped[bool] = mapped_column(default=False)
    access_code: Mapped[str | None] = mapped_column(sa.String(64))
    attendance: Mapped[Attendance] = mapped_column(enum_type(Attendance, "attendance"))
    badge_colour: Mapped[str] = mapped_column(sa.String(7), default="#1f4e79")
    sort_order: Mapped[int] = mapped_column(default=0)

    def label(self, language: str) -> str:
        """The name in `language`: the Dutch one when asked for and given, else the English."""
        return self.name_nl if language == "nl" and self.name_nl else self.name

    def __repr__(self) -> str:
        return f"<RegistrationCategory {self.code}>"


class ConferenceSettings(Model):
    """One row: conference-wide settings organisers change at run time."""

    __tablename__ = "conference_settings"
    __table_args__ = (
        sa.CheckConstraint("onsite_cap IS NULL OR onsite_cap >= 0", name="onsite_cap_not_negative"),
        sa.CheckConstraint("onsite_confirmed >= 0", name="onsite_confirmed_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    onsite_cap: Mapped[int | None]
    onsite_confirmed: Mapped[int] = mapped_column(default=0)
    # Last waiting-list number handed out. One conference-wide sequence, so delegates
    # waiting in different categories for the onsite cap are still served in order.
    waitlist_issued: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set by `flask demo-data`: the site holds demo data (of a past event, the pages say so).
    demo_loaded_at: Mapped[datetime | None]
    # Loaded with --historic: the 2022 dates kept, so registration and calls are closed.
    demo_historic: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


# Statuses that hold a place in the category (and the onsite cap for onsite categories).
PLACE_HOLDING = (RegistrationStatus.CONFIRMED, RegistrationStatus.AWAITING_APPROVAL)


class Registration(Model):
    __tablename__ = "registration"
    __table_args__ = (
        # At most one active registration per user, held by the database itself.
        sa.Index(
            "uq_registration_active_user",
            "user_id",
            unique=True,
            postgresql_where=sa.text("status <> 'cancelled'"),
            sqlite_where=sa.text("status <> 'cancelled'"),
        ),
        sa.Index("ix_registration_category_status", "category_id", "status"),
        # Waiting-list numbers come from one sequence and are never handed out twice.
        sa.Index("uq_registration_waitlist_position", "waitlist_position", unique=True),
        sa.CheckConstraint(
            "waitlist_position IS NULL OR waitlist_position > 0", name="waitlist_position_positive"
        ),
        sa.CheckConstraint("discount_cents >= 0", name="discount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("registration_category.id"))
    status: Mapped[RegistrationStatus] = mapped_column(enum_type(RegistrationStatus, "status"))
    waitlist_position: Mapped[int | None]
    attendance: Mapped[Attendance] = mapped_column(enum_type(Attendance, "attendance"))

    first_name: Mapped[str] = mapped_column(sa.String(100), default="")
    last_name: Mapped[str] = mapped_column(sa.String(100), default="")
    affiliation: Mapped[str] = mapped_column(sa.String(200), default="")
    country: Mapped[str] = mapped_column(sa.String(2), default="")
    dietary_needs: Mapped[str] = mapped_column(sa.String(500), default="")
    accessibility_needs: Mapped[str] = mapped_column(sa.String(500), default="")
    public_listing: Mapped[bool] = mapped_column(default=False)

    consent_version: Mapped[str] = mapped_column(sa.String(20), default="")
    consent_at: Mapped[datetime | None]

    amount_due_cents: Mapped[int] = mapped_column(default=0)
    payment_status: Mapped[PaymentStatus] = mapped_column(
        enum_type(PaymentStatus, "payment_status"), default=PaymentStatus.PENDING
    )
    payment_reference: Mapped[str] = mapped_column(sa.String(32), unique=True)
    paid_at: Mapped[datetime | None]
    # Random part of the signed ticket token; replacing it revokes the old ticket.
    ticket_nonce: Mapped[str] = mapped_column(sa.String(32), unique=True)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    # Why it ended: "delegate", "organiser", "rejected" or "erased" (kept for statistics).
    cancel_reason: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")
    # The voucher used, and what it took off the category's fee: amount_due_cents is always
    # what is charged (fee - discount_cents). A cancelled registration keeps both for its
    # invoice, though its use goes back to the voucher (vouchers.give_back_voucher_use).
    voucher_id: Mapped[int | None] = mapped_column(sa.ForeignKey("voucher.id"), index=True)
    discount_cents: Mapped[int] = mapped_column(default=0, server_default="0")

    user: Mapped[User | None] = relationship()
    category: Mapped[RegistrationCategory] = relationship()
    voucher: Mapped[Voucher | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status != RegistrationStatus.CANCELLED

    @property
    def holds_place(self) -> bool:
        return self.status in PLACE_HOLDING

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.status}>"


class DiscountKind(enum.StrEnum):
    PERCENT = "percent"  # value: percent off, 1..100
    AMOUNT = "amount"  # value: cents off the fee
    PRICE = "price"  # value: the fee in cents instead (never more than the category's)


voucher_category = sa.Table(
    "voucher_category",
    Model.metadata,
    sa.Column("voucher_id", sa.ForeignKey("voucher.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("category_id", sa.ForeignKey("registration_category.id", ondelete="CASCADE"), primary_key=True),
)


class Voucher(Model):
    """A code that lowers the fee, for some categories (none listed: all), in a window, for at
    most `max_uses` registrations. `used_count` is taken by one conditional UPDATE, as a
    category's places are, so the database holds the maximum under any concurrency."""

    __tablename__ = "voucher"
    __table_args__ = (
        sa.CheckConstraint("max_uses >= 1", name="max_uses_positive"),
        sa.CheckConstraint("used_count >= 0 AND used_count <= max_uses", name="used_within_max"),
        sa.CheckConstraint("value >= 0", name="value_not_negative"),
        sa.CheckConstraint("kind <> 'percent' OR value <= 100", name="percent_at_most_100"),
        sa.CheckConstraint(
            "valid_from IS NULL OR valid_until IS NULL OR valid_until > valid_from", name="until_after_from"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored upper-case; delegates' input is normalised the same way before the look-up.
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[DiscountKind] = mapped_column(enum_type(DiscountKind, "kind"))
    value: Mapped[int]
    max_uses: Mapped[int] = mapped_column(default=1)
    used_count: Mapped[int] = mapped_column(default=0, server_default="0")
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    # A place even when the category is full (the onsite cap of the building still holds).
    beyond_capacity: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # What it is for ("Sponsor: ACME", "Press"); a batch shares its note.
    note: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    batch: Mapped[str] = mapped_column(sa.String(40), default="", server_default="", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    categories: Mapped[list[RegistrationCategory]] = relationship(
        secondary=voucher_category, order_by=RegistrationCategory.sort_order
    )

    def __repr__(self) -> str:
        return f"<Voucher {self.code}>"


class QuestionKind(enum.StrEnum):
    TEXT = "text"
    CHOICE = "choice"  # one of the choices
    CHOICES = "choices"  # any of the choices
    YES_NO = "yes-no"
    NUMBER = "number"
    DATE = "date"


question_category = sa.Table(
    "question_category",
    Model.metadata,
    sa.Column("question_id", sa.ForeignKey("registration_question.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("category_id", sa.ForeignKey("registration_category.id", ondelete="CASCADE"), primary_key=True),
)


class Question(Model):
    """An organiser's question on the registration form, for some categories (none: all)."""

    __tablename__ = "registration_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[QuestionKind] = mapped_column(enum_type(QuestionKind, "kind"))
    text: Mapped[str] = mapped_column(sa.String(300))
    text_nl: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    required: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0, index=True)

    categories: Mapped[list[RegistrationCategory]] = relationship(
        secondary=question_category, order_by=RegistrationCategory.sort_order
    )
    choices: Mapped[list[QuestionChoice]] = relationship(
        back_populates="question", order_by="QuestionChoice.position", cascade="all, delete-orphan"
    )

    def label(self, language: str) -> str:
        return self.text_nl if language == "nl" and self.text_nl else self.text

    def asks(self, category_id: int) -> bool:
        return not self.categories or any(c.id == category_id for c in self.categories)

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.kind}>"


class QuestionChoice(Model):
    __tablename__ = "question_choice"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("registration_question.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(sa.String(200))
    text_nl: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")

    question: Mapped[Question] = relationship(back_populates="choices")

    def label(self, language: str) -> str:
        return self.text_nl if language == "nl" and self.text_nl else self.text


answer_choice = sa.Table(
    "answer_choice",
    Model.metadata,
    sa.Column("answer_id", sa.ForeignKey("registration_answer.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("choice_id", sa.ForeignKey("question_choice.id", ondelete="CASCADE"), primary_key=True),
)


class Answer(Model):
    """A delegate's answer: `value` holds text, a number, an ISO date or yes/no; the choices
    of choice questions are rows of answer_choice, so a filter is a plain join."""

    __tablename__ = "registration_answer"
    __table_args__ = (sa.UniqueConstraint("registration_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration_question.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    question: Mapped[Question] = relationship()
    choices: Mapped[list[QuestionChoice]] = relationship(secondary=answer_choice, order_by=QuestionChoice.position)
