"""The committee's decisions: accept, reject or waitlist, one proposal or many at once.

A decision is one conditional UPDATE from the version the organiser saw (`states.move_state`),
then, in the same transaction, the draft session of an acceptance, the audit entry and one mail
to every speaker in their language. A decision that lost a race changes nothing and mails
nobody. Functions flush, never commit.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.orm import joinedload, selectinload

from esof.accounts.models import Role, User
from esof.accounts.services import record_audit
from esof.cfp.call import DECISIONS, current_call, decision_text, fill_placeholders
from esof.cfp.errors import DecisionNotAllowed
from esof.cfp.models import Proposal, ProposalSpeaker, ProposalState
from esof.cfp.sessions import session_from_proposal, speaker_users
from esof.cfp.states import move_state
from esof.db import utcnow
from esof.errors import DomainError, NotFound, PermissionDenied
from esof.extensions import db
from esof.mail.services import queue_mail
from esof.programme.forms import FORMAT_LABELS
from esof.programme.models import ProgrammeSession
from esof.urls import external_url


def can_decide(user: User) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.ORGANISER))


@dataclass
class Decision:
    proposal: Proposal
    decision: ProposalState
    mails: int
    session: ProgrammeSession | None = None


@dataclass
class BulkDecision:
    decided: list[Decision] = field(default_factory=list)
    # (proposal id, title or "", the reason nothing happened to it)
    refused: list[tuple[int, str, str]] = field(default_factory=list)


def mail_decision(proposal: Proposal, decision: ProposalState) -> int:
    """One mail to each speaker, in their language, with the organisers' text; returns how many."""
    call = current_call()
    link = external_url("cfp.proposal_detail", proposal_id=proposal.id)
    sent = 0
    for user in speaker_users(proposal):
        language = user.language if user.language in ("en", "nl") else "en"
        text = decision_text(call, decision, language)
        with force_locale(language):
            track = proposal.track
            values = {
                "title": proposal.title_in(language),
                "name": user.display_name or user.email,
                "link": link,
                "format": str(FORMAT_LABELS[proposal.format]) if proposal.format else "",
                "track": ((track.name_nl if language == "nl" and track.name_nl else track.name) if track else ""),
            }
        subject = " ".join(fill_placeholders(text["subject"], values).split())
        queue_mail(
            to=user.email, template="cfp/decision", language=language,
            subject=subject, body=fill_placeholders(text["body"], values),
        )
        sent += 1
    return sent


def decide_proposal(
    *, proposal: Proposal, decision: ProposalState, actor: User, seen_version: int | None = None,
    now: datetime | None = None,
) -> Decision:
    """Decide about the proposal as the organiser saw it (`seen_version`).

    Raises AlreadyDecided when another organiser made the same decision first, ProposalChanged
    when it changed otherwise, DecisionNotAllowed when its state admits no such decision.
    """
    if not can_decide(actor):
        raise PermissionDenied()
    if decision not in DECISIONS:
        raise DecisionNotAllowed()
    now = now or utcnow()
    previous = proposal.state
    move_state(proposal, decision, seen_version=seen_version, now=now, decided_at=now, decided_by_id=actor.id)
    item = session_from_proposal(proposal=proposal, actor=actor) if decision is ProposalState.ACCEPTED else None
    record_audit(actor, f"proposal-{decision.value}", proposal, previous=previous.value,
                 session=item.id if item is not None else None)
    mails = mail_decision(proposal, decision)
    return Decision(proposal=proposal, decision=decision, mails=mails, session=item)


def decide_proposals(
    *, choices: Sequence[tuple[int, int | None]], decision: ProposalState, actor: User,
    now: datetime | None = None,
) -> BulkDecision:
    """Decide about several proposals, each as the organiser saw it ((id, seen version) pairs).

    Each decision has its own savepoint: one that lost a race, or whose state admits no such
    decision, is listed in `refused` with the reason and leaves the others as they are.
    """
    if not can_decide(actor):
        raise PermissionDenied()
    ids = [proposal_id for proposal_id, _seen in choices]
    found = {
        p.id: p for p in db.session.scalars(
            sa.select(Proposal).where(Proposal.id.in_(ids))
            .options(selectinload(Proposal.speakers).joinedload(ProposalSpeaker.user), joinedload(Proposal.track))
        )
    }
    outcome = BulkDecision()
    for proposal_id, seen in dict.fromkeys(choices):
        proposal = found.get(proposal_id)
        if proposal is None:
            outcome.refused.append((proposal_id, "", NotFound().message))
            continue
        title = proposal.title
        try:
            with db.session.begin_nested():
                outcome.decided.append(decide_proposal(
                    proposal=proposal, decision=decision, actor=actor, seen_version=seen, now=now,
                ))
        except DomainError as exc:
            outcome.refused.append((proposal_id, title, exc.message))
    return outcome
