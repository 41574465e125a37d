"""Programme: tracks, speakers, sessions, the draft schedule and published versions.

The draft lives in ``ScheduleSlot``; publishing copies it into ``PublishedSession`` rows
of a new ``ScheduleVersion``. Public pages, the API and the feeds read only the latest
published version.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from esof.db import enum_type, utcnow
from esof.extensions import Model
from esof.venues.models import Room


class SessionFormat(enum.StrEnum):
    KEYNOTE = "keynote"
    PLENARY = "plenary"
    PANEL = "panel"
    DEBATE = "debate"
    WORKSHOP = "workshop"
    SEMINAR = "seminar"
    POSTER = "poster"
    OPEN_PODIUM = "open-podium"
    CEREMONY = "ceremony"
    SOCIAL = "social"


class SessionStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class Participation(enum.StrEnum):
    """A speaker's answer to taking part in a session (asked in the speakers' area)."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class Track(Model):
    __tablename__ = "track"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    name_nl: Mapped[str] = mapped_column(sa.String(200), default="")
    colour: Mapped[str] = mapped_column(sa.String(7), default="#1f4e79")

    def __repr__(self) -> str:
        return f"<Track {self.slug}>"


class Person(Model):
    """A speaker, moderator or chair; optionally linked to a user account."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    affiliation: Mapped[str] = mapped_column(sa.String(200), default="")
    email: Mapped[str | None] = mapped_column(sa.String(254))
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    # An https address of a portrait for the public speaker page (the speaker sets it); live, not published.
    photo_url: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    needs_step_free: Mapped[bool] = mapped_column(default=False)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )

    availability: Mapped[list[PersonAvailability]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.name}>"


class PersonAvailability(Model):
    """A window in which a speaker said they can be scheduled. None given: always."""

    __tablename__ = "person_availability"
    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="ends_after_starts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]

    person: Mapped[Person] = relationship(back_populates="availability")


class SessionSpeaker(Model):
    __tablename__ = "session_speaker"

    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programme_session.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(sa.String(20), default="speaker")
    position: Mapped[int] = mapped_column(default=0)
    # The speaker's own answer (speakers' area); organisers see it on the session form and list.
    participation: Mapped[Participation] = mapped_column(
        enum_type(Participation, "participation"), default=Participation.PENDING, server_default="pending"
    )
    answered_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship()
    session: Mapped[ProgrammeSession] = relationship(back_populates="speaker_links")


class ProgrammeSession(Model):
    __tablename__ = "programme_session"
    __table_args__ = (
        sa.CheckConstraint("expected_audience >= 0", name="audience_not_negative"),
        sa.CheckConstraint("booking_cap IS NULL OR booking_cap >= 0", name="cap_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    abstract: Mapped[str] = mapped_column(sa.Text, default="")
    # Dutch title and abstract, optional: pages in Dutch show them, English otherwise.
    title_nl: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    abstract_nl: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    format: Mapped[SessionFormat] = mapped_column(enum_type(SessionFormat, "format"))
    language: Mapped[str] = mapped_column(sa.String(2), default="en")
    track_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("track.id", ondelete="SET NULL"), index=True
    )
    expected_audience: Mapped[int] = mapped_column(default=0)
    needs_booking: Mapped[bool] = mapped_column(default=False)
    # A per-session cap below the room's capacity (a workshop with 20 seats in a 60-seat room).
    booking_cap: Mapped[int | None]
    needs_step_free: Mapped[bool] = mapped_column(default=False)
    # Set by organisers (keynotes, opening, closing): the schedule solver leaves it where it is.
    pinned: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    status: Mapped[SessionStatus] = mapped_column(
        enum_type(SessionStatus, "status"), default=SessionStatus.CONFIRMED
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    track: Mapped[Track | None] = relationship()
    speaker_links: Mapped[list[SessionSpeaker]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SessionSpeaker.position"
    )
    slot: Mapped[ScheduleSlot | None] = relationship(
        back_populates="session", cascade="all, delete-orphan", uselist=False
    )

    @property
    def speakers(self) -> list[Person]:
        return [link.person for link in self.speaker_links]

    def __repr__(self) -> str:
        return f"<ProgrammeSession {self.id} {self.title!r}>"


class ScheduleSlot(Model):
    """Where and when a session sits in the organisers' draft schedule."""

    __tablename__ = "schedule_slot"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        sa.Index("ix_schedule_slot_room_starts", "room_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programme_session.id", ondelete="CASCADE"), unique=True
    )
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("room.id", ondelete="RESTRICT"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]

    session: Mapped[ProgrammeSession] = relationship(back_populates="slot")
    room: Mapped[Room] = relationship()


class ScheduleVersion(Model):
    __tablename__ = "schedule_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # Deferred: large, and read only by the changes page; every public request loads the
    # latest version to learn its number.
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict, deferred=True)
    changelog: Mapped[list[Any]] = mapped_column(sa.JSON, default=list, deferred=True)


class PublishedSession(Model):
    """One session as a published version shows it: what the public, API and feeds read.

    Every field a visitor sees is copied here at publication, so an organiser's edit of the
    draft (``ProgrammeSession``) stays private until the next version. Capacity and booking
    counts are not programme content: they stay live.
    """

    __tablename__ = "published_session"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "session_id"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        sa.Index("ix_published_session_version_starts", "version_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("schedule_version.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programme_session.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(300))
    abstract: Mapped[str] = mapped_column(sa.Text, default="")
    title_nl: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    abstract_nl: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    format: Mapped[SessionFormat] = mapped_column(enum_type(SessionFormat, "format"))
    language: Mapped[str] = mapped_column(sa.String(2), default="en")
    needs_booking: Mapped[bool] = mapped_column(default=False)
    room_id: Mapped[int | None] = mapped_column(sa.ForeignKey("room.id", ondelete="SET NULL"))
    track_id: Mapped[int | None] = mapped_column(sa.ForeignKey("track.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[SessionStatus] = mapped_column(enum_type(SessionStatus, "status"))
    # RFC 5545 SEQUENCE: rises whenever a version changes anything the public sees.
    sequence: Mapped[int] = mapped_column(default=0)
    last_modified: Mapped[datetime] = mapped_column(default=utcnow)

    version: Mapped[ScheduleVersion] = relationship()
    session: Mapped[ProgrammeSession] = relationship()
    room: Mapped[Room | None] = relationship()
    track: Mapped[Track | None] = relationship()
    speakers: Mapped[list[PublishedSpeaker]] = relationship(
        back_populates="published_session", cascade="all, delete-orphan", order_by="PublishedSpeaker.position",
    )

    def title_in(self, language: str) -> str:
        """The title in the visitor's language: Dutch where the session has one, else English."""
        return self.title_nl if language == "nl" and self.title_nl else self.title

    def abstract_in(self, language: str) -> str:
        return self.abstract_nl if language == "nl" and self.abstract_nl else self.abstract


class PublishedSpeaker(Model):
    """A speaker of a published session, with the name and affiliation that version shows."""

    __tablename__ = "published_speaker"
    __table_args__ = (sa.UniqueConstraint("published_session_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    published_session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("published_session.id", ondelete="CASCADE"), index=True
    )
    # Kept when the person is deleted later: the published version still names them.
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    affiliation: Mapped[str] = mapped_column(sa.String(200), default="")
    role: Mapped[str] = mapped_column(sa.String(20), default="speaker")
    position: Mapped[int] = mapped_column(default=0)

    published_session: Mapped[PublishedSession] = relationship(back_populates="speakers")


class ProposalStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ScheduleProposal(Model):
    """One run of the schedule solver started from the organisers' pages: its progress and its
    result (the proposed places, as JSON), applied to the draft only when an organiser confirms."""

    __tablename__ = "schedule_proposal"
    __table_args__ = (sa.CheckConstraint("progress >= 0 AND progress <= 100", name="progress_0_100"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    mode: Mapped[str] = mapped_column(sa.String(20))
    baseline: Mapped[str] = mapped_column(sa.String(20), default="draft")
    time_limit: Mapped[int] = mapped_column(default=30)
    status: Mapped[ProposalStatus] = mapped_column(
        enum_type(ProposalStatus, "status"), default=ProposalStatus.QUEUED
    )
    progress: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(sa.String(300), default="")
    # What the draft looked like when the proposal was made: applying refuses if it changed since.
    draft_fingerprint: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    applied_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, deferred=True)
