"""The speakers' own verbs: their profile, their answer per session, their availability.

Each takes the acting user and touches only that user's rows: a person, a session link or an
availability window of someone else is NotFound, exactly as one that does not exist, so ids
reveal nothing. Services flush, never commit; mails leave with the commit (the outbox).
"""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from esof.accounts.models import User
from esof.accounts.services import record_audit
from esof.db import utcnow
from esof.errors import NotFound, ValidationFailed
from esof.extensions import db
from esof.programme.models import Participation, Person, PersonAvailability, SessionSpeaker
from esof.programme.people import add_availability, remove_availability, save_person
from esof.speakers.mail import mail_organisers_of_decline

MAX_PHOTO_URL_LENGTH = 500
# Characters that have no place in an address an <img src> shows (quotes, angle brackets, spaces).
UNSAFE_URL_CHARACTERS = frozenset("<>\"'`\\ \t\r\n")


class NoSpeakerProfile(NotFound):
    default_message = _l("Your account is not linked to a speaker profile.")


class NotYourSession(NotFound):
    default_message = _l("You are not a speaker of this session.")


class NotYourAvailability(NotFound):
    default_message = _l("There is no such availability window of yours.")


class PhotoAddressRejected(ValidationFailed):
    default_message = _l("Enter a photo address starting with https:// (at most 500 characters).")


class AnswerRejected(ValidationFailed):
    default_message = _l("Answer whether you take part: confirm or decline.")


def check_photo_url(value: str) -> str:
    """'' or an https address with a host: pages show the photo, and an http one would be mixed content."""
    value = value.strip()
    if not value:
        return ""
    if len(value) > MAX_PHOTO_URL_LENGTH or any(c in UNSAFE_URL_CHARACTERS or ord(c) < 32 for c in value):
        raise PhotoAddressRejected()
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError as exc:  # an unbalanced [ in the host, a port that is not a number
        raise PhotoAddressRejected() from exc
    if parts.scheme.lower() != "https" or not host:
        raise PhotoAddressRejected()
    return value


def own_person(*, user: User, person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None or person.user_id != user.id:
        raise NoSpeakerProfile()
    return person


def update_speaker_profile(
    *, user: User, person: Person, affiliation: str, bio: str, photo_url: str, needs_step_free: bool,
) -> Person:
    """What the speaker says of themselves. The affiliation is programme content: the public
    sees it from the next publication on. Bio and photo are shown live."""
    if person.user_id != user.id:
        raise NoSpeakerProfile()
    photo = check_photo_url(photo_url)
    save_person(person=person, name=person.name, affiliation=affiliation, email=person.email, bio=bio.strip(),
                needs_step_free=needs_step_free)
    person.photo_url = photo
    record_audit(user, "speaker.profile", person)
    db.session.flush()
    return person


def answer_participation(*, user: User, session_id: int, answer: Participation | str) -> list[SessionSpeaker]:
    """Confirm or decline taking part in one's own session (the answer may change later).
    A decline is audited and mailed to the organisers; so is every later change of mind."""
    try:
        answer = Participation(answer)
    except ValueError as exc:
        raise AnswerRejected() from exc
    if answer is Participation.PENDING:
        raise AnswerRejected()
    links = list(db.session.scalars(
        sa.select(SessionSpeaker).join(Person, Person.id == SessionSpeaker.person_id)
        .where(SessionSpeaker.session_id == session_id, Person.user_id == user.id)
        .order_by(SessionSpeaker.person_id)
    ))
    if not links:
        raise NotYourSession()
    now = utcnow()
    for link in links:
        before = link.participation
        if before is answer:
            continue
        link.participation, link.answered_at = answer, now
        record_audit(user, "speaker.participation", link.session, person_id=link.person_id,
                     answer=str(answer), before=str(before))
        if answer is Participation.DECLINED or before is Participation.DECLINED:
            mail_organisers_of_decline(link)
    db.session.flush()
    return links


def add_speaker_availability(*, user: User, person: Person, starts_at: datetime,
                             ends_at: datetime) -> PersonAvailability:
    """A window in which the speaker can be scheduled (conference days only, the programme's rule)."""
    if person.user_id != user.id:
        raise NoSpeakerProfile()
    return add_availability(person=person, starts_at=starts_at, ends_at=ends_at)


def remove_speaker_availability(*, user: User, window_id: int) -> None:
    window = db.session.get(PersonAvailability, window_id)
    if window is None or window.person.user_id != user.id:
        raise NotYourAvailability()
    remove_availability(window=window)
