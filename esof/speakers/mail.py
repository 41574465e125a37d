"""Mails of the speakers' area, queued in the transaction of their cause (the outbox):

- `speakers/schedule_changed`: after a publication, one mail per speaker listing their
  sessions that the version moved, gave another room or cancelled (from its changelog), in
  the speaker's language;
- `speakers/participation_declined`: to every organiser when a speaker declines a session
  (or takes a decline back).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from esof.accounts.models import User
from esof.extensions import db
from esof.mail.services import queue_mail
from esof.programme.models import (
    Participation,
    Person,
    PublishedSession,
    PublishedSpeaker,
    ScheduleVersion,
    SessionSpeaker,
)
from esof.speakers.queries import active_organisers
from esof.urls import external_url

# The changes a speaker must hear of: they decide where the speaker has to be, and when.
MAILED_CHANGES = ("moved", "room-changed", "cancelled")


def mail_language(language: str | None) -> str:
    return language if language and language in current_app.config["LANGUAGES"] else "en"


def _moment(state: dict[str, Any], key: str) -> datetime | None:
    value = state.get(key)
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class ChangedSession:
    """A session whose place, time or status a publication changed, read from its changelog
    entry: the states before and after (room labels, times) as the changelog keeps them."""

    session_id: int
    changes: tuple[str, ...]
    before: dict[str, Any]
    after: dict[str, Any]

    def title_in(self, language: str) -> str:
        return (self.after.get("title_nl") if language == "nl" else "") or self.after.get("title", "")

    def times(self, state: str) -> tuple[datetime | None, datetime | None]:
        """(start, end) of the state 'before' or 'after'."""
        values = self.before if state == "before" else self.after
        return _moment(values, "starts_at"), _moment(values, "ends_at")

    @property
    def link(self) -> str:
        return external_url("programme.session_detail", session_id=self.session_id)


def changed_sessions(changelog: Iterable[dict[str, Any]]) -> dict[int, ChangedSession]:
    found = {}
    for entry in changelog:
        codes = tuple(code for code in entry.get("changes", ()) if code in MAILED_CHANGES)
        if codes and entry.get("before"):
            found[entry["session_id"]] = ChangedSession(entry["session_id"], codes, entry["before"], entry["after"])
    return found


@dataclass
class Recipient:
    address: str
    name: str
    language: str
    session_ids: list[int] = field(default_factory=list)


def _recipients(version_id: int, session_ids: Iterable[int]) -> list[Recipient]:
    """The speakers the version names for these sessions, by address: the account's, else the
    person's own. Without an address, with an erased account, or after declining: no mail."""
    rows = db.session.execute(
        sa.select(PublishedSession.session_id, Person.name, Person.email, Person.user_id, User.email,
                  User.display_name, User.language, User.erased_at, SessionSpeaker.participation)
        .select_from(PublishedSpeaker)
        .join(PublishedSession, PublishedSession.id == PublishedSpeaker.published_session_id)
        .join(Person, Person.id == PublishedSpeaker.person_id)
        .outerjoin(User, User.id == Person.user_id)
        .outerjoin(SessionSpeaker, sa.and_(SessionSpeaker.session_id == PublishedSession.session_id,
                                           SessionSpeaker.person_id == Person.id))
        .where(PublishedSession.version_id == version_id, PublishedSession.session_id.in_(list(session_ids)))
        .order_by(PublishedSession.starts_at, PublishedSession.session_id, PublishedSpeaker.position)
    )
    found: dict[str, Recipient] = {}
    for session_id, name, person_email, user_id, email, display_name, language, erased_at, participation in rows:
        if participation is Participation.DECLINED:
            continue
        if user_id is not None:
            address = email if erased_at is None else None
        else:
            address = person_email
        if not address:
            continue
        recipient = found.setdefault(address.lower(), Recipient(address, display_name or name,
                                                                mail_language(language)))
        if session_id not in recipient.session_ids:
            recipient.session_ids.append(session_id)
    return list(found.values())


def mail_speakers_of_changes(version: ScheduleVersion, **_signal: Any) -> int:
    """Receiver of `schedule_published`: one mail per speaker whose sessions the version moved,
    re-roomed or cancelled. Returns the number of mails queued."""
    changed = changed_sessions(version.changelog or [])
    if not changed:
        return 0
    recipients = _recipients(version.id, changed)
    for recipient in recipients:
        queue_mail(
            to=recipient.address, template="speakers/schedule_changed", language=recipient.language,
            name=recipient.name, lang=recipient.language, number=version.number,
            sessions=[changed[sid] for sid in recipient.session_ids],
            area_link=external_url("speakers.speaker_home"),
        )
    return len(recipients)


def mail_organisers_of_decline(link: SessionSpeaker) -> None:
    """Every organiser hears that a speaker declined a session, or took a decline back."""
    declined = link.participation is Participation.DECLINED
    for organiser in active_organisers():
        queue_mail(
            to=organiser.email, template="speakers/participation_declined", language=mail_language(organiser.language),
            speaker=link.person.name, title=link.session.title, declined=declined,
            link=external_url("programme.session_edit", session_id=link.session_id),
        )
