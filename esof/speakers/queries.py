"""Reads of the speakers' area: a user's people and their sessions, each with the place and
time the latest published version gives it (none before publication). A fixed number of
queries whatever the number of sessions."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from esof.accounts.models import Role, User, UserRole
from esof.extensions import db
from esof.programme.models import Person, ProgrammeSession, PublishedSession, SessionSpeaker, SessionStatus
from esof.programme.queries import PUBLISHED_SESSION_LOADS, latest_version, published_speaker


@dataclass(frozen=True)
class SpeakerSession:
    """One of the speaker's sessions: their link to it (role, answer), the draft, and the
    published row of the latest version (None until it is published)."""

    link: SessionSpeaker
    session: ProgrammeSession
    published: PublishedSession | None

    @property
    def is_cancelled(self) -> bool:
        status = self.published.status if self.published is not None else self.session.status
        return status is SessionStatus.CANCELLED


def people_of(user: User) -> list[Person]:
    """The people linked to the account, oldest first (the first is the speaker's profile)."""
    return list(db.session.scalars(
        sa.select(Person).where(Person.user_id == user.id)
        .options(selectinload(Person.availability)).order_by(Person.id)
    ))


def is_linked(user: User) -> bool:
    return db.session.scalar(sa.select(Person.id).where(Person.user_id == user.id).limit(1)) is not None


def is_public(person: Person) -> bool:
    """Whether the public speaker pages show the person (a session of the latest version)."""
    version = latest_version()
    return version is not None and published_speaker(version.id, person.id) is not None


def speaker_sessions(people: list[Person]) -> list[SpeakerSession]:
    """The people's sessions: published ones by start time, then those not published yet by title."""
    if not people:
        return []
    links = list(db.session.scalars(
        sa.select(SessionSpeaker).where(SessionSpeaker.person_id.in_([p.id for p in people]))
        .options(joinedload(SessionSpeaker.session), joinedload(SessionSpeaker.person))
    ))
    version = latest_version()
    published: dict[int, PublishedSession] = {}
    if version is not None and links:
        published = {row.session_id: row for row in db.session.scalars(
            sa.select(PublishedSession)
            .where(PublishedSession.version_id == version.id,
                   PublishedSession.session_id.in_({link.session_id for link in links}))
            .options(*PUBLISHED_SESSION_LOADS)
        ).unique()}
    found = [SpeakerSession(link, link.session, published.get(link.session_id)) for link in links]
    found.sort(key=_in_order)
    return found


def _in_order(item: SpeakerSession) -> tuple[int, float, str, int]:
    if item.published is not None:
        return (0, item.published.starts_at.timestamp(), "", item.session.id)
    return (1, 0.0, item.session.title.lower(), item.session.id)


def active_organisers() -> list[User]:
    """Who hears of a speaker's decline: every active organiser account."""
    return list(db.session.scalars(
        sa.select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ORGANISER, User.is_active_account.is_(True), User.erased_at.is_(None))
        .order_by(User.id)
    ))
