"""Speakers' proposals: the rules of their content, drafts, submitting, editing until the
deadline, co-speakers by address, withdrawing. Functions flush, never commit."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from esof.accounts.models import User
from esof.accounts.services import normalise_email, record_audit
from esof.cfp.call import ensure_open, offered_formats, offered_tracks
from esof.cfp.errors import (
    AlreadyDecided,
    DecisionNotAllowed,
    ProposalChanged,
    ProposalInputRejected,
    ProposalLocked,
)
from esof.cfp.invitations import invite_speaker
from esof.cfp.models import CallForSessions, Proposal, ProposalSpeaker, ProposalState, SpeakerStatus
from esof.cfp.states import EDITABLE, move_state
from esof.db import utcnow
from esof.errors import PermissionDenied
from esof.extensions import db
from esof.mail.services import queue_mail
from esof.programme.models import SessionFormat
from esof.urls import external_url

MAX_CO_SPEAKERS = 5
MAX_ABSTRACT = 5000
MAX_AUDIENCE = 5000


@dataclass(kw_only=True)
class ProposalInput:
    """A proposal as its speaker describes it."""

    title: str = ""
    abstract: str = ""
    title_nl: str = ""
    abstract_nl: str = ""
    format: str | None = None
    track_id: int | None = None
    language: str = "en"
    expected_audience: int = 0
    needs_step_free: bool = False
    needs_streaming: bool = False
    equipment: str = ""
    co_speakers: Sequence[str] = ()


def input_from_proposal(proposal: Proposal) -> ProposalInput:
    return ProposalInput(
        title=proposal.title, abstract=proposal.abstract, title_nl=proposal.title_nl,
        abstract_nl=proposal.abstract_nl, format=proposal.format.value if proposal.format else None,
        track_id=proposal.track_id, language=proposal.language, expected_audience=proposal.expected_audience,
        needs_step_free=proposal.needs_step_free, needs_streaming=proposal.needs_streaming,
        equipment=proposal.equipment, co_speakers=[s.email for s in proposal.co_speakers],
    )


def _co_speaker_addresses(addresses: Sequence[str], author: User) -> list[str]:
    found: list[str] = []
    for raw in addresses:
        address = normalise_email(raw)
        if not address:
            continue
        try:
            validate_email(address, check_deliverability=False)
        except EmailNotValidError as exc:
            raise ProposalInputRejected(
                _l("“%(address)s” is not an email address.", address=raw.strip()), "co_speakers"
            ) from exc
        if address == author.email:
            raise ProposalInputRejected(_l("You are a speaker already: list only your co-speakers."), "co_speakers")
        if address not in found:
            found.append(address)
    if len(found) > MAX_CO_SPEAKERS:
        raise ProposalInputRejected(_l("Invite at most %(n)d co-speakers.", n=MAX_CO_SPEAKERS), "co_speakers")
    return found


def _proposal_values(data: ProposalInput, call: CallForSessions, *, complete: bool) -> dict[str, Any]:
    """Check the rules (all of them for a submitted proposal, the given fields for a draft)."""
    title, abstract = data.title.strip(), data.abstract.strip()
    if complete and not title:
        raise ProposalInputRejected(_l("Give the title in English."), "title")
    if complete and not abstract:
        raise ProposalInputRejected(_l("Give the abstract in English."), "abstract")
    for name, value in (("abstract", abstract), ("abstract_nl", data.abstract_nl.strip())):
        if len(value) > MAX_ABSTRACT:
            raise ProposalInputRejected(_l("Keep the abstract under %(n)d characters.", n=MAX_ABSTRACT), name)
    format_ = None
    if data.format:
        if data.format == SessionFormat.KEYNOTE.value:
            raise ProposalInputRejected(_l("Keynotes are by invitation only."), "format")
        if data.format not in {f.value for f in offered_formats(call)}:
            raise ProposalInputRejected(_l("This call does not offer that format."), "format")
        format_ = SessionFormat(data.format)
    elif complete:
        raise ProposalInputRejected(_l("Choose a format."), "format")
    tracks = {t.id for t in offered_tracks(call)}
    if data.track_id and data.track_id not in tracks:
        raise ProposalInputRejected(_l("This call does not offer that track."), "track")
    if complete and tracks and not data.track_id:
        raise ProposalInputRejected(_l("Choose a track."), "track")
    if data.language not in ("en", "nl"):
        raise ProposalInputRejected(_l("Choose English or Dutch."), "language")
    if not 0 <= data.expected_audience <= MAX_AUDIENCE:
        raise ProposalInputRejected(_l("Give an audience between 0 and %(n)d.", n=MAX_AUDIENCE), "expected_audience")
    return {
        "title": title[:300], "abstract": abstract, "title_nl": data.title_nl.strip()[:300],
        "abstract_nl": data.abstract_nl.strip(), "format": format_, "track_id": data.track_id or None,
        "language": data.language, "expected_audience": data.expected_audience,
        "needs_step_free": data.needs_step_free, "needs_streaming": data.needs_streaming,
        "equipment": data.equipment.strip()[:500],
    }


def _sync_co_speakers(proposal: Proposal, addresses: list[str]) -> list[ProposalSpeaker]:
    """Add rows for new addresses, drop the removed ones; returns the added rows."""
    current = {s.email: s for s in proposal.co_speakers}
    for email, speaker in current.items():
        if email not in addresses:
            proposal.speakers.remove(speaker)
    added: list[ProposalSpeaker] = []
    for position, email in enumerate(addresses, start=1):
        row = current.get(email)
        if row is None:
            row = ProposalSpeaker(email=email, status=SpeakerStatus.INVITED)
            proposal.speakers.append(row)
            added.append(row)
        row.position = position
    return added


# A new proposal that says exactly what one its speaker made this recently says is the same one
# sent again (a double click, a browser resending after an answer that got lost). Only an exact
# repeat: the same abstract as a panel and then as a workshop, in another track or with other
# co-speakers is a second proposal, and taking it for the first would drop it and its
# invitations without a word.
RESEND_WINDOW = timedelta(minutes=10)


def _saved_content(values: Mapping[str, Any], addresses: Iterable[str]) -> tuple[dict[str, Any], frozenset[str]]:
    """What a proposal says: every stored field and the co-speakers' addresses (their order aside)."""
    return dict(values), frozenset(addresses)


def _content_of(proposal: Proposal, names: Iterable[str]) -> tuple[dict[str, Any], frozenset[str]]:
    return _saved_content({name: getattr(proposal, name) for name in names}, (s.email for s in proposal.co_speakers))


def _same_new_proposal(
    author: User, values: dict[str, Any], addresses: list[str], *, submitted: bool,
) -> Proposal | None:
    """The proposal this new one repeats, if any. The speaker's account row is locked first, so
    two copies sent at the same moment (to two app servers) are looked at one after the other."""
    db.session.execute(sa.select(User.id).where(User.id == author.id).with_for_update())
    recent = db.session.scalars(
        sa.select(Proposal).where(
            Proposal.submitter_id == author.id, Proposal.title == values["title"],
            Proposal.abstract == values["abstract"], Proposal.created_at >= utcnow() - RESEND_WINDOW,
            Proposal.state == (ProposalState.SUBMITTED if submitted else ProposalState.DRAFT),
        ).order_by(Proposal.id.desc())
    )
    wanted = _saved_content(values, addresses)
    return next((p for p in recent if _content_of(p, values) == wanted), None)


def ensure_is_submitter(proposal: Proposal, user: User) -> None:
    if proposal.submitter_id != user.id:
        raise PermissionDenied(_l("Only the person who submitted the proposal can change it."))


def save_proposal(
    *, proposal: Proposal | None = None, data: ProposalInput, author: User, submit: bool = False,
    now: datetime | None = None,
) -> Proposal:
    """Create or change a draft, or a submitted proposal, while the call is open.

    `submit` sends a draft in. A submitted proposal stays submitted and is checked in full.
    Co-speakers of a submitted proposal who were not yet mailed get their invitation now.
    A new proposal that repeats one the speaker made minutes ago (RESEND_WINDOW) field for field,
    co-speakers included, is that one: it is returned as stored, and nothing is written or mailed
    again.
    """
    now = now or utcnow()
    call = ensure_open(now)
    if proposal is not None:
        ensure_is_submitter(proposal, author)
        if proposal.state not in EDITABLE:
            raise ProposalLocked()
    submitting = submit and (proposal is None or proposal.state is ProposalState.DRAFT)
    complete = submit or (proposal is not None and proposal.state is ProposalState.SUBMITTED)
    values = _proposal_values(data, call, complete=complete)
    addresses = _co_speaker_addresses(data.co_speakers, author)
    if proposal is None:
        resent = _same_new_proposal(author, values, addresses, submitted=submit)
        if resent is not None:
            return resent
        proposal = Proposal(submitter_id=author.id, state=ProposalState.DRAFT)
        proposal.speakers.append(ProposalSpeaker(
            email=author.email, user_id=author.id, is_submitter=True, status=SpeakerStatus.ACCEPTED,
            position=0, answered_at=now,
        ))
        db.session.add(proposal)
    for name, value in values.items():
        setattr(proposal, name, value)
    _sync_co_speakers(proposal, addresses)
    try:
        db.session.flush()
    except StaleDataError as exc:  # an organiser decided, or another tab saved, meanwhile
        raise ProposalChanged() from exc
    if submitting:
        move_state(proposal, ProposalState.SUBMITTED, now=now, submitted_at=now)
        queue_mail(
            to=author.email, template="cfp/submitted", language=author.language, title=proposal.title,
            name=author.display_name or author.email, closes_at=call.closes_at,
            link=external_url("cfp.proposal_detail", proposal_id=proposal.id),
        )
    if proposal.state is ProposalState.SUBMITTED:
        for speaker in proposal.co_speakers:
            if speaker.invited_at is None:
                invite_speaker(speaker=speaker, proposal=proposal, inviter=author, now=now)
    record_audit(author, "submit-proposal" if submitting else "save-proposal", proposal)
    return proposal


def withdraw_proposal(*, proposal: Proposal, author: User, seen_version: int | None = None) -> Proposal:
    """The speaker takes the proposal back (also after the deadline), unless it was decided."""
    ensure_is_submitter(proposal, author)
    try:
        move_state(proposal, ProposalState.WITHDRAWN, seen_version=seen_version)
    except AlreadyDecided as exc:
        raise ProposalLocked(_l("This proposal is withdrawn already.")) from exc
    except DecisionNotAllowed as exc:
        raise ProposalLocked(_l("The committee has decided about this proposal: write to the organisers to"
                                " withdraw it.")) from exc
    record_audit(author, "withdraw-proposal", proposal)
    return proposal
