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

    user: Mapped[User | None] = relationship()
    category: Mapped[RegistrationCategory] = relationship()

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
