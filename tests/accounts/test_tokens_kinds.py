"""Every kind of secret link refuses a wrong token: one that is signed and well formed but
names a stale nonce, or a random token one character off the real one. Each check compares
in constant time (esof.tokens.same_secret / hmac.compare_digest, or a look-up by SHA-256);
these tests pin the behaviour that comparison must keep."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask

from esof.accounts.models import Role, User
from esof.announcements.optout import has_opted_out, unsubscribe_url
from esof.cfp import services as cfp
from esof.cfp.invitations import INVITATION_PURPOSE
from esof.cfp.models import ProposalSpeaker, SpeakerStatus
from esof.extensions import db
from esof.feeds import services as feeds
from esof.mail.models import OutboxMessage
from esof.registration.services import TicketRevoked, verify_ticket_token
from esof.registration.tickets import TICKET_PURPOSE, ticket_token
from esof.side_events import services as side_events
from esof.tokens import make_token
from tests.cfp.factories import make_proposal, open_call
from tests.checkin.factories import delegate
from tests.factories import UserFactory
from tests.side_events.factories import PartnerOrganisationFactory


def one_off(token: str) -> str:
    """The token with its first character changed."""
    return ("B" if token[0] == "A" else "A") + token[1:]


def test_verification_link_for_another_address_is_refused(app: Flask) -> None:
    user = UserFactory(email="ada@example.org", email_verified_at=None)
    db.session.commit()
    wrong = make_token("verify-email", {"id": user.id, "email": "mallory@example.org"})
    right = make_token("verify-email", {"id": user.id, "email": "ada@example.org"})

    response = app.test_client().get(f"/account/verify/{wrong}")
    db.session.expire_all()
    assert response.status_code == 400
    assert db.session.get(User, user.id).email_verified_at is None
    assert app.test_client().get(f"/account/verify/{right}").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).email_verified_at is not None


def test_co_speaker_invitation_with_a_stale_nonce_is_refused(app: Flask) -> None:
    open_call()
    proposal = make_proposal(UserFactory(), co_speakers=["grace@uni.example"])
    db.session.commit()
    speaker = next(s for s in proposal.speakers if s.email == "grace@uni.example")
    wrong = make_token(INVITATION_PURPOSE, {"id": speaker.id, "nonce": "0" * len(speaker.nonce)})

    response = app.test_client().get(f"/cfp/invitations/{wrong}")
    assert response.status_code == 400
    assert "This invitation link is not valid." in response.get_data(as_text=True)
    assert app.test_client().get(f"/cfp/invitations/{cfp.invitation_token(speaker)}").status_code == 200
    status = db.session.scalar(sa.select(ProposalSpeaker.status).where(ProposalSpeaker.id == speaker.id))
    assert status is SpeakerStatus.INVITED


def test_agenda_feed_with_a_wrong_token_is_404(app: Flask) -> None:
    user = UserFactory()
    token = feeds.agenda_token(user)
    db.session.commit()

    assert app.test_client().get(f"/feeds/agenda/{one_off(token)}.ics").status_code == 404
    assert app.test_client().get(f"/feeds/agenda/{token}.ics").status_code == 200


def test_partner_invitation_with_a_wrong_token_is_refused(app: Flask) -> None:
    organiser = UserFactory(roles=[Role.ORGANISER])
    organisation = PartnerOrganisationFactory()
    side_events.invite_editor(organisation=organisation, email="editor@partner.example", invited_by=organiser)
    db.session.commit()
    mail = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.to_address == "editor@partner.example")
    ).one()
    match = re.search(r"http://esof\.test/calendar/invitations/(\S+)", mail.body_text)
    assert match is not None
    token = match.group(1)

    assert app.test_client().get(f"/calendar/invitations/{one_off(token)}").status_code == 400
    assert app.test_client().get(f"/calendar/invitations/{token}").status_code == 200


def test_ticket_with_a_stale_nonce_is_refused(app: Flask) -> None:
    registration = delegate()
    db.session.commit()
    stale = make_token(TICKET_PURPOSE, {"r": registration.id, "n": "0" * len(registration.ticket_nonce)})

    with pytest.raises(TicketRevoked):
        verify_ticket_token(stale)
    assert verify_ticket_token(ticket_token(registration)) is registration


def test_unsubscribe_link_with_a_wrong_token_is_404_and_unsubscribes_nobody(app: Flask) -> None:
    user = UserFactory()
    db.session.commit()
    path = unsubscribe_url(user.id).removeprefix("http://esof.test")
    payload, _, signature = path.rpartition(".")
    wrong = f"{payload}.{one_off(signature)}"

    client = app.test_client()
    assert client.get(wrong).status_code == 404
    assert client.post(wrong).status_code == 404
    assert client.get(path).status_code == 200
    assert has_opted_out(user) is False
