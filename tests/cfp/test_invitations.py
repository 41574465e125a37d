"""Co-speakers' invitations: a signed link that works once, for the invited address only."""
from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner

from esof.accounts.models import User
from esof.cfp import services
from esof.cfp.models import ProposalSpeaker, SpeakerStatus
from esof.errors import PermissionDenied
from esof.extensions import db
from tests.cfp.factories import mails, make_proposal, open_call, proposal_input
from tests.factories import UserFactory


@pytest.fixture
def proposal(app):
    open_call()
    author = UserFactory(email="ada@example.org", display_name="Ada Lovelace")
    item = make_proposal(author, co_speakers=["bob@example.org"])
    db.session.commit()
    return item


def bob_row(proposal) -> ProposalSpeaker:
    return next(s for s in proposal.speakers if s.email == "bob@example.org")


def test_accepting_links_the_account_and_tells_the_submitter(proposal) -> None:
    bob = UserFactory(email="bob@example.org", display_name="Bob")
    token = services.invitation_token(bob_row(proposal))

    services.answer_invitation(token=token, user=bob, accept=True)
    db.session.commit()

    row = bob_row(proposal)
    assert (row.status, row.user_id) == (SpeakerStatus.ACCEPTED, bob.id)
    assert [m.subject for m in mails("ada@example.org")][-1] == "Bob will speak in “Rivers without borders”"


def test_declining_keeps_no_account_on_the_row(proposal) -> None:
    bob = UserFactory(email="bob@example.org", display_name="Bob")
    services.answer_invitation(token=services.invitation_token(bob_row(proposal)), user=bob, accept=False)
    db.session.commit()
    assert (bob_row(proposal).status, bob_row(proposal).user_id) == (SpeakerStatus.DECLINED, None)
    assert mails("ada@example.org")[-1].subject == "Bob declined to speak in “Rivers without borders”"


def test_a_link_works_once(proposal) -> None:
    bob = UserFactory(email="bob@example.org")
    token = services.invitation_token(bob_row(proposal))
    services.answer_invitation(token=token, user=bob, accept=True)
    db.session.commit()
    mailed = len(mails())

    with pytest.raises(services.InvitationAnswered) as refused:
        services.answer_invitation(token=token, user=bob, accept=False)
    assert refused.value.message == "This invitation has already been answered. Nothing was changed."
    db.session.rollback()
    assert bob_row(proposal).status is SpeakerStatus.ACCEPTED
    assert len(mails()) == mailed


def test_a_forged_or_altered_link_is_refused(proposal) -> None:
    token = services.invitation_token(bob_row(proposal))
    for forged in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "not-a-token", token + "x"):
        with pytest.raises(services.InvitationInvalid) as refused:
            services.read_invitation(forged)
        assert type(refused.value) is services.InvitationInvalid


def test_an_expired_link_is_refused_as_expired(proposal, monkeypatch) -> None:
    fifteen_days_ago = int(time.time()) - 15 * 24 * 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: fifteen_days_ago)
    token = services.invitation_token(bob_row(proposal))
    monkeypatch.undo()

    with pytest.raises(services.InvitationExpired) as refused:
        services.read_invitation(token)
    assert refused.value.message == (
        "This invitation link has expired. Ask the person who invited you to send it again."
    )


def test_a_removed_address_or_a_new_invitation_voids_the_old_link(proposal) -> None:
    author = proposal.submitter
    old = services.invitation_token(bob_row(proposal))
    services.resend_invitation(speaker=bob_row(proposal), actor=author)
    db.session.commit()
    with pytest.raises(services.InvitationInvalid):
        services.read_invitation(old)
    newer = services.invitation_token(bob_row(proposal))
    assert services.read_invitation(newer).email == "bob@example.org"

    services.save_proposal(proposal=proposal, data=proposal_input(co_speakers=[]), author=author)
    db.session.commit()
    with pytest.raises(services.InvitationInvalid):
        services.read_invitation(newer)


def test_only_the_invited_address_may_answer(proposal) -> None:
    mallory = UserFactory(email="mallory@example.org")
    with pytest.raises(PermissionDenied) as refused:
        services.answer_invitation(token=services.invitation_token(bob_row(proposal)), user=mallory, accept=True)
    assert refused.value.message == "This invitation is for bob@example.org. Log out and open the link again."
    assert bob_row(proposal).status is SpeakerStatus.INVITED


def test_an_account_made_from_the_link_is_verified_and_answers(proposal) -> None:
    token = services.invitation_token(bob_row(proposal))
    bob = services.create_invited_account(token=token, display_name="Bob Builder", password="a long password",
                                          language="nl")
    db.session.commit()
    assert (bob.email, bob.is_verified, bob.language) == ("bob@example.org", True, "nl")

    with pytest.raises(services.InvitationNeedsLogin):
        services.create_invited_account(token=token, display_name="Bob again", password="a long password",
                                        language="en")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.email == "bob@example.org")) == 1
    services.answer_invitation(token=token, user=bob, accept=True)
    assert bob_row(proposal).user_id == bob.id


def test_a_withdrawn_proposal_takes_no_answers(proposal) -> None:
    token = services.invitation_token(bob_row(proposal))
    services.withdraw_proposal(proposal=proposal, author=proposal.submitter)
    db.session.commit()
    with pytest.raises(services.InvitationInvalid) as refused:
        services.read_invitation(token)
    assert refused.value.message == "This proposal was withdrawn or not accepted, so the invitation has lapsed."
