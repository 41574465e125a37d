"""Co-speakers: the invitation mail with its signed link, the answer, and an account made from it.

The link carries a signed, expiring token (esof.tokens) naming the speaker row and its nonce:
a forged or altered link fails the signature, an old one its age, and one whose address was
removed from the proposal (or invited again) its nonce. The answer is one conditional UPDATE
from "invited", so a link works once. Functions flush, never commit.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from esof.accounts.models import User
from esof.accounts.services import create_user, find_user_by_email, may_mail_address, record_audit
from esof.cfp.errors import (
    AddressNotConfirmed,
    InvitationAnswered,
    InvitationExpired,
    InvitationInvalid,
    InvitationNeedsLogin,
    InvitationsLimited,
)
from esof.cfp.models import Proposal, ProposalSpeaker, ProposalState, Review, SpeakerStatus, new_nonce
from esof.cfp.sessions import add_speaker_to_session
from esof.db import rows_matched, utcnow
from esof.errors import PermissionDenied
from esof.extensions import db
from esof.mail.services import queue_mail
from esof.tokens import InvalidToken, make_token, read_token, same_secret
from esof.urls import external_url

INVITATION_PURPOSE = "cfp-co-speaker"
INVITATION_DAYS = 14
# A proposal in one of these states still takes answers from its co-speakers.
ANSWERABLE = frozenset({ProposalState.DRAFT, ProposalState.SUBMITTED, ProposalState.WAITLISTED,
                        ProposalState.ACCEPTED})


def invitation_token(speaker: ProposalSpeaker) -> str:
    return make_token(INVITATION_PURPOSE, {"id": speaker.id, "nonce": speaker.nonce})


def invite_speaker(*, speaker: ProposalSpeaker, proposal: Proposal, inviter: User, now: datetime | None = None) -> None:
    """Mail the invitation (a new link: an earlier one stops working). Capped per address, as
    every mail anyone can make the site send to an address (RATELIMIT_MAIL_PER_ADDRESS)."""
    if not may_mail_address("cfp-invitation", speaker.email):
        raise InvitationsLimited()
    speaker.nonce = new_nonce()
    speaker.invited_at = now or utcnow()
    db.session.flush()
    existing = find_user_by_email(speaker.email)
    if existing is not None:
        # A reviewer who becomes a speaker of the proposal no longer counts among its scores.
        db.session.execute(
            sa.delete(Review).where(Review.proposal_id == proposal.id, Review.reviewer_id == existing.id)
            .execution_options(synchronize_session="fetch")
        )
    queue_mail(
        to=speaker.email,
        template="cfp/invitation",
        language=existing.language if existing is not None else inviter.language,
        title=proposal.title,
        inviter=inviter.display_name or inviter.email,
        link=external_url("cfp.invitation_answer", token=invitation_token(speaker)),
        days=INVITATION_DAYS,
    )


def resend_invitation(*, speaker: ProposalSpeaker, actor: User) -> ProposalSpeaker:
    proposal = speaker.proposal
    if proposal.submitter_id != actor.id:
        raise PermissionDenied(_l("Only the person who submitted the proposal can invite co-speakers."))
    if speaker.is_submitter or speaker.status is not SpeakerStatus.INVITED:
        raise InvitationAnswered()
    if proposal.state not in ANSWERABLE or proposal.state is ProposalState.DRAFT:
        raise InvitationInvalid(_l("Invitations go out once the proposal is submitted."))
    invite_speaker(speaker=speaker, proposal=proposal, inviter=actor)
    record_audit(actor, "resend-co-speaker-invitation", proposal, email=speaker.email)
    return speaker


def read_invitation(token: str) -> ProposalSpeaker:
    """The speaker row a link names, if the link is genuine, current and not yet answered."""
    try:
        payload = read_token(INVITATION_PURPOSE, token, INVITATION_DAYS * 24 * 3600)
    except InvalidToken as exc:
        raise (InvitationExpired() if exc.expired else InvitationInvalid()) from exc
    speaker = db.session.get(ProposalSpeaker, payload.get("id")) if isinstance(payload, dict) else None
    if speaker is None or not same_secret(payload.get("nonce"), speaker.nonce) or speaker.is_submitter:
        raise InvitationInvalid()
    if speaker.status is not SpeakerStatus.INVITED:
        raise InvitationAnswered()
    if speaker.proposal.state not in ANSWERABLE:
        raise InvitationInvalid(_l("This proposal was withdrawn or not accepted, so the invitation has lapsed."))
    return speaker


def create_invited_account(*, token: str, display_name: str, password: str, language: str) -> User:
    """An account for the invited address; the link reached that mailbox, so it counts as verified."""
    speaker = read_invitation(token)
    if find_user_by_email(speaker.email) is not None:
        raise InvitationNeedsLogin()
    user = create_user(
        email=speaker.email, password=password, display_name=display_name, language=language, verified=True,
    )
    record_audit(user, "sign-up-from-co-speaker-invitation", speaker.proposal)
    return user


def answer_invitation(*, token: str, user: User, accept: bool, now: datetime | None = None) -> ProposalSpeaker:
    """Accept or decline, once. An acceptance of an already accepted proposal joins its session."""
    speaker = read_invitation(token)
    if not user.is_verified:  # an unconfirmed sign-up with the address proves nothing
        raise AddressNotConfirmed()
    if user.email != speaker.email:
        raise PermissionDenied(
            _l("This invitation is for %(email)s. Log out and open the link again.", email=speaker.email)
        )
    now = now or utcnow()
    status = SpeakerStatus.ACCEPTED if accept else SpeakerStatus.DECLINED
    taken = db.session.scalar(
        sa.select(ProposalSpeaker.id).where(
            ProposalSpeaker.proposal_id == speaker.proposal_id, ProposalSpeaker.user_id == user.id,
            ProposalSpeaker.id != speaker.id,
        )
    )
    if taken is not None:  # the same account under another address of this proposal
        raise InvitationAnswered(_l("You are already a speaker of this proposal."))
    moved = rows_matched(db.session.execute(
        sa.update(ProposalSpeaker)
        .where(ProposalSpeaker.id == speaker.id, ProposalSpeaker.status == SpeakerStatus.INVITED,
               ProposalSpeaker.nonce == speaker.nonce)
        .values(status=status, user_id=user.id if accept else None, answered_at=now)
        .execution_options(synchronize_session=False)
    ))
    db.session.expire(speaker)
    if moved != 1:
        raise InvitationAnswered()
    proposal = speaker.proposal
    record_audit(user, "accept-co-speaker-invitation" if accept else "decline-co-speaker-invitation", proposal)
    submitter = proposal.submitter
    if submitter is not None and submitter.is_active:
        queue_mail(
            to=submitter.email, template="cfp/co_speaker_answered", language=submitter.language,
            title=proposal.title, speaker=user.display_name or user.email, accepted=accept,
            link=external_url("cfp.proposal_detail", proposal_id=proposal.id),
        )
    if accept and proposal.state is ProposalState.ACCEPTED:
        add_speaker_to_session(proposal=proposal, user=user)
    return speaker
