"""Holes a review of the call found, closed: an unconfirmed sign-up with someone's address is not
that person, invitation mails are capped per address, a reviewer who becomes a speaker leaves
the scores, and a draft withdrawn before submission never reaches reviewers."""
from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from esof.cfp import services
from esof.cfp.errors import AddressNotConfirmed, InvitationsLimited
from esof.cfp.models import Review, SpeakerStatus
from esof.cfp.review import can_view_proposal, is_speaker_of
from esof.extensions import db
from tests.cfp.factories import CRITERIA, mails, make_proposal, make_reviewer, open_call, proposal_input
from tests.factories import UserFactory
from tests.support import log_in


@pytest.fixture
def invited(app):
    open_call()
    author = UserFactory(email="ada@example.org")
    proposal = make_proposal(author, co_speakers=["victim@uni.example"])
    db.session.commit()
    return proposal


def test_an_unconfirmed_account_with_the_invited_address_cannot_answer_or_read(app, client, invited) -> None:
    impostor = UserFactory(email="victim@uni.example", email_verified_at=None)
    db.session.commit()
    speaker = next(s for s in invited.speakers if s.email == "victim@uni.example")
    with pytest.raises(AddressNotConfirmed):
        services.answer_invitation(token=services.invitation_token(speaker), user=impostor, accept=True)
    db.session.rollback()
    assert db.session.get(type(speaker), speaker.id).status is SpeakerStatus.INVITED
    assert (is_speaker_of(impostor, invited), can_view_proposal(impostor, invited)) == (False, False)
    log_in(client, "victim@uni.example")
    mine = client.get("/cfp/mine").get_data(as_text=True)
    assert "/cfp/invitations/" not in mine  # no working link handed out
    assert client.get(f"/cfp/proposals/{invited.id}").status_code == 404


def test_the_confirmed_owner_of_the_address_still_can(app, invited) -> None:
    owner = UserFactory(email="victim@uni.example")  # verified
    speaker = next(s for s in invited.speakers if s.email == "victim@uni.example")
    services.answer_invitation(token=services.invitation_token(speaker), user=owner, accept=True)
    assert speaker.status is SpeakerStatus.ACCEPTED and is_speaker_of(owner, invited)


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_MAIL_PER_ADDRESS": "3 per hour"}


def test_invitations_to_one_address_are_capped(app, invited) -> None:
    speaker = next(s for s in invited.speakers if s.email == "victim@uni.example")
    author = invited.submitter
    services.resend_invitation(speaker=speaker, actor=author)
    services.resend_invitation(speaker=speaker, actor=author)  # the first mail and two more: 3
    with pytest.raises(InvitationsLimited):
        services.resend_invitation(speaker=speaker, actor=author)
    assert len(mails(to="victim@uni.example")) == 3


def test_a_reviewer_invited_as_co_speaker_leaves_the_scores(app) -> None:
    open_call()
    reviewer = make_reviewer(email="rev@example.org")
    author = UserFactory(email="ada@example.org")
    proposal = make_proposal(author)
    services.save_review(proposal=proposal, reviewer=reviewer, data=services.ReviewInput(
        score=5, criteria={c.key: 5 for c in CRITERIA}))
    services.save_proposal(data=proposal_input(co_speakers=["rev@example.org"]), author=author, submit=True,
                           proposal=proposal)
    assert db.session.scalar(sa.select(sa.func.count(Review.id)).where(Review.proposal_id == proposal.id)) == 0


def test_a_draft_withdrawn_before_submission_stays_hidden_from_reviewers(app) -> None:
    open_call()
    author = UserFactory(email="ada@example.org")
    draft = make_proposal(author, submit=False)
    services.withdraw_proposal(proposal=draft, author=author, seen_version=draft.version)
    assert can_view_proposal(make_reviewer(email="rev@example.org"), draft) is False
