"""City of Science side events: partner organisations, moderated revisions, occurrences.

An event's content lives in revisions. At most one revision is approved (what the public
sees) and at most one is pending (an edit waiting for moderation), so an approved event
stays public unchanged while its edit is reviewed. Occurrences are the approved
revision's dates expanded in the conference zone, kept for fast calendar queries.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from esof.accounts.models import User
from esof.db import enum_type, utcnow
from esof.extensions import Model
from esof.venues.models import Venue


class EventState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


# The states whose pending revision waits for a moderator's decision: the one definition the
# moderation queue, the review page (`moderation.waiting_revision`) and the organisers'
# dashboard backlog share. A draft was never sent; a withdrawn submission is gone.
MODERATED_STATES = (EventState.SUBMITTED, EventState.APPROVED, EventState.REJECTED)


class RevisionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


class EventCategory(enum.StrEnum):
    LECTURE = "lecture"
    EXHIBITION = "exhibition"
    WORKSHOP = "workshop"
    FAMILY = "family"
    TOUR = "tour"
    FESTIVAL = "festival"
    DEBATE = "debate"
    PERFORMANCE = "performance"
    OTHER = "other"


class Audience(enum.StrEnum):
    CHILDREN = "children"
    FAMILIES = "families"
    ADULTS = "adults"
    PROFESSIONALS = "professionals"


AUDIENCE_VALUES = frozenset(a.value for a in Audience)


@dataclass(frozen=True)
class Place:
    """Where a revision happens: what the partner gave, the venue filling in what they left out."""

    name: str  # the partner's location name ("Hortus botanicus, the greenhouse")
    venue: Venue | None
    address: str  # the revision's own address, else its venue's
    neighbourhood: str
    coordinates: tuple[float, float] | None  # (latitude, longitude): the revision's, else its venue's

    @property
    def venue_name(self) -> str:
        return self.venue.name if self.venue is not None else ""

    @property
    def latitude(self) -> float | None:
        return self.coordinates[0] if self.coordinates is not None else None

    @property
    def longitude(self) -> float | None:
        return self.coordinates[1] if self.coordinates is not None else None


def _coordinates(latitude: float | None, longitude: float | None) -> tuple[float, float] | None:
    return (latitude, longitude) if latitude is not None and longitude is not None else None


class PartnerOrganisation(Model):
    __tablename__ = "partner_organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[PartnerMembership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<PartnerOrganisation {self.slug}>"


class PartnerMembership(Model):
    """An editor of a partner organisation."""

    __tablename__ = "partner_membership"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partner_organisation.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[PartnerOrganisation] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class PartnerInvitation(Model):
    __tablename__ = "partner_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partner_organisation.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]

    organisation: Mapped[PartnerOrganisation] = relationship()


class SideEvent(Model):
    __tablename__ = "side_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partner_organisation.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[EventState] = mapped_column(enum_type(EventState, "state"), default=EventState.DRAFT)
    rejection_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # RFC 5545 SEQUENCE for the feeds: rises with every approved change and every cancellation.
    sequence: Mapped[int] = mapped_column(default=0)
    # A cancelled event stays public (listed struck through, its page, STATUS:CANCELLED in
    # the feeds) so that visitors and subscribers learn that it will not happen.
    cancelled_at: Mapped[datetime | None]
    cancellation_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    organisation: Mapped[PartnerOrganisation] = relationship()
    revisions: Mapped[list[SideEventRevision]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="SideEventRevision.id"
    )

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class SideEventRevision(Model):
    __tablename__ = "side_event_revision"
    __table_args__ = (
        sa.Index(
            "uq_side_event_revision_one_approved",
            "event_id",
            unique=True,
            postgresql_where=sa.text("status = 'approved'"),
            sqlite_where=sa.text("status = 'approved'"),
        ),
        sa.Index(
            "uq_side_event_revision_one_pending",
            "event_id",
            unique=True,
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        ),
        sa.CheckConstraint(
            "(all_day AND start_date IS NOT NULL AND end_date IS NOT NULL AND end_date >= start_date)"
            " OR (NOT all_day AND starts_at IS NOT NULL AND ends_at IS NOT NULL AND ends_at > starts_at)",
            name="valid_dates",
        ),
        sa.CheckConstraint("price_cents IS NULL OR price_cents >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("side_event.id", ondelete="CASCADE"))
    status: Mapped[RevisionStatus] = mapped_column(
        enum_type(RevisionStatus, "status"), default=RevisionStatus.PENDING
    )
    title_en: Mapped[str] = mapped_column(sa.String(300), default="")
    title_nl: Mapped[str] = mapped_column(sa.String(300), default="")
    # Sanitised HTML (nh3) — never store what a partner typed without cleaning it.
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    description_nl: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[str] = mapped_column(sa.String(5), default="nl")
    category: Mapped[EventCategory] = mapped_column(enum_type(EventCategory, "category"))
    # Comma-separated Audience values, e.g. "children,families".
    audience: Mapped[str] = mapped_column(sa.String(100), default="")
    venue_id: Mapped[int | None] = mapped_column(sa.ForeignKey("venue.id", ondelete="SET NULL"))
    location_name: Mapped[str] = mapped_column(sa.String(200), default="")
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    neighbourhood: Mapped[str] = mapped_column(sa.String(100), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    all_day: Mapped[bool] = mapped_column(default=False)
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    # RFC 5545 RRULE value (without "RRULE:"), expanded in the conference zone.
    rrule: Mapped[str | None] = mapped_column(sa.Text)
    exdates: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    price_cents: Mapped[int | None]
    booking_url: Mapped[str] = mapped_column(sa.String(500), default="")
    image_url: Mapped[str] = mapped_column(sa.String(500), default="")
    # The image described for people who cannot see it; empty: the image is decorative.
    image_alt: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime | None]
    # Optimistic concurrency: every ORM UPDATE of a revision is "WHERE id = ? AND version = ?"
    # and raises StaleDataError if someone else changed the row first. The moderation page
    # sends the version it showed, so an approval is of the text the moderator read.
    version: Mapped[int] = mapped_column(server_default="1")

    __mapper_args__ = {"version_id_col": version}

    event: Mapped[SideEvent] = relationship(back_populates="revisions")
    venue: Mapped[Venue | None] = relationship()

    @property
    def is_free(self) -> bool:
        return not self.price_cents

    @property
    def image_src(self) -> str:
        """The image address a page may show: https only (never http, never another scheme)."""
        return self.image_url if self.image_url[:8].lower() == "https://" else ""

    @property
    def audiences(self) -> list[Audience]:
        return [Audience(a) for a in self.audience.split(",") if a in AUDIENCE_VALUES]

    @property
    def place(self) -> Place:
        """The effective location, the one rule pages, feeds and the API show (loads the venue)."""
        venue = self.venue
        return Place(
            name=self.location_name,
            venue=venue,
            address=self.address or (venue.address if venue is not None else ""),
            neighbourhood=self.neighbourhood,
            coordinates=_coordinates(self.latitude, self.longitude)
            or (_coordinates(venue.latitude, venue.longitude) if venue is not None else None),
        )

    def title_in(self, language: str) -> tuple[str, str]:
        """(title, its language): the visitor's language, else the other one."""
        return _in_language(language, en=self.title_en, nl=self.title_nl)

    def description_in(self, language: str) -> tuple[str, str]:
        return _in_language(language, en=self.description_en, nl=self.description_nl)


def _in_language(language: str, *, en: str, nl: str) -> tuple[str, str]:
    texts = {"en": en, "nl": nl}
    if texts.get(language):
        return texts[language], language
    other = "nl" if language == "en" else "en"
    return texts[other], other


class SideEventOccurrence(Model):
    __tablename__ = "side_event_occurrence"
    __table_args__ = (
        sa.CheckConstraint("ends_at >= starts_at", name="ends_not_before_starts"),
        sa.Index("ix_side_event_occurrence_starts", "starts_at"),
        sa.Index("ix_side_event_occurrence_local_day", "local_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("side_event.id", ondelete="CASCADE"), index=True
    )
    revision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("side_event_revision.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # The first local (Europe/Amsterdam) day of the occurrence, for day and month views.
    local_day: Mapped[date]
    all_day: Mapped[bool] = mapped_column(default=False)

    event: Mapped[SideEvent] = relationship()
    revision: Mapped[SideEventRevision] = relationship()


class SideEventOccurrenceCancellation(Model):
    """One cancelled date of a recurring event (the whole event: SideEvent.cancelled_at).

    Keyed by the local day the occurrence starts, as EXDATE is: a series has at most one
    occurrence a day, and the day still names it when an approved edit moves its time. When
    an approved edit takes the day out of the series, `rebuild_occurrences` deletes the row.
    """

    __tablename__ = "side_event_occurrence_cancellation"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("side_event.id", ondelete="CASCADE"), primary_key=True
    )
    local_day: Mapped[date] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    cancelled_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
