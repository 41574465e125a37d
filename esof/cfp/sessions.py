"""From an accepted proposal to the programme: an unscheduled draft session, its speakers as
people linked to their accounts, and the speaker role. Everything goes through the programme's
own services (`save_person`, `save_session`); functions flush, never commit."""
from __future__ import annotations

import inspect
from typing import Any

import sqlalchemy as sa

from esof.accounts.models import Role, User
from esof.accounts.services import grant_role
from esof.cfp.models import Proposal, SpeakerStatus
from esof.extensions import db
from esof.programme.models import Person, ProgrammeSession
from esof.programme.services import save_person, save_session

# save_session takes the Dutch title and abstract from the bilingual-sessions change on;
# without it a session keeps only the English texts (the proposal keeps both).
_SAVE_SESSION_PARAMETERS = set(inspect.signature(save_session).parameters)
SESSIONS_ARE_BILINGUAL = {"title_nl", "abstract_nl"} <= _SAVE_SESSION_PARAMETERS


def speaker_users(proposal: Proposal) -> list[User]:
    """The proposal's speakers with accounts who are on it: the submitter and accepted co-speakers."""
    return [
        s.user for s in proposal.speakers
        if s.user is not None and s.status is SpeakerStatus.ACCEPTED and s.user.is_active
    ]


def person_for(user: User) -> Person:
    """The user's Person: one linked to the account, else one with their address (then linked),
    else a new one."""
    person = db.session.scalar(sa.select(Person).where(Person.user_id == user.id).order_by(Person.id).limit(1))
    if person is None and user.is_verified:  # an address counts once its owner confirmed it
        person = db.session.scalar(
            sa.select(Person)
            .where(sa.func.lower(Person.email) == user.email, Person.user_id.is_(None))
            .order_by(Person.id).limit(1)
        )
    if person is None:
        person = save_person(name=user.display_name or user.email, email=user.email)
    person.user_id = user.id
    return person


def _bilingual(title_nl: str, abstract_nl: str) -> dict[str, Any]:
    return {"title_nl": title_nl, "abstract_nl": abstract_nl} if SESSIONS_ARE_BILINGUAL else {}


def session_from_proposal(*, proposal: Proposal, actor: User) -> ProgrammeSession:
    """An unscheduled draft session with the proposal's content and speakers, linked to it."""
    users = speaker_users(proposal)
    people = [person_for(user) for user in users]
    assert proposal.format is not None  # a submitted proposal has one (database check)
    item = save_session(
        title=proposal.title, format=proposal.format, abstract=proposal.abstract, language=proposal.language,
        track_id=proposal.track_id, speaker_ids=[p.id for p in people],
        expected_audience=proposal.expected_audience, needs_step_free=proposal.needs_step_free,
        **_bilingual(proposal.title_nl, proposal.abstract_nl),
    )
    proposal.session_id = item.id
    for user in users:
        grant_role(user=user, role=Role.SPEAKER, actor=actor)
    db.session.flush()
    return item


def add_speaker_to_session(*, proposal: Proposal, user: User) -> None:
    """A co-speaker who accepts after the proposal was accepted joins its session."""
    item = db.session.get(ProgrammeSession, proposal.session_id) if proposal.session_id else None
    if item is None:
        return
    person = person_for(user)
    speaker_ids = [link.person_id for link in item.speaker_links]
    if person.id not in speaker_ids:
        save_session(
            item=item, title=item.title, format=item.format, abstract=item.abstract, language=item.language,
            track_id=item.track_id, speaker_ids=[*speaker_ids, person.id],
            expected_audience=item.expected_audience, needs_booking=item.needs_booking,
            booking_cap=item.booking_cap, needs_step_free=item.needs_step_free,
        )
    grant_role(user=user, role=Role.SPEAKER, actor=user)
