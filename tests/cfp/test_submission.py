"""The call and the speakers' proposals, through the services: the rules without HTTP."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from esof.accounts.models import AuditLog
from esof.cfp import services
from esof.cfp.models import CallForSessions, Proposal, ProposalSpeaker, ProposalState, SpeakerStatus
from esof.db import utcnow
from esof.errors import PermissionDenied
from esof.extensions import db
from esof.programme.models import SessionFormat
from tests.cfp.factories import close_call, mails, make_organiser, make_proposal, open_call, proposal_input
from tests.factories import UserFactory


@pytest.fixture
def call(app):
    return open_call()


@pytest.fixture
def author(app):
    return UserFactory(email="ada@example.org", display_name="Ada Lovelace")


# --- the call -----------------------------------------------------------------------------

def test_call_is_open_between_opening_and_deadline(call) -> None:
    assert services.is_open(call) is True
    assert services.is_open(call, call.opens_at - timedelta(seconds=1)) is False
    assert services.is_open(call, call.closes_at) is False
    assert services.is_open(None) is False


def test_call_never_offers_keynotes(app) -> None:
    with pytest.raises(services.ProposalInputRejected) as refused:
        open_call(formats=[SessionFormat.KEYNOTE.value, SessionFormat.PANEL.value])
    assert refused.value.field == "formats"
    assert refused.value.message == "Keynotes are by invitation only and cannot be offered in the call."
    assert services.current_call() is None


def test_call_must_close_after_it_opens(app) -> None:
    now = utcnow()
    with pytest.raises(services.ProposalInputRejected) as refused:
        open_call(opens_at=now, closes_at=now)
    assert refused.value.field == "closes_at"


def test_call_refuses_an_unknown_placeholder_naming_the_allowed_ones(app) -> None:
    texts = {"accepted": {"nl": {"subject": "Geaccepteerd: {titel}", "body": "Beste {name}"}}}
    with pytest.raises(services.ProposalInputRejected) as refused:
        open_call(decision_texts=texts)
    assert refused.value.field == "accepted_nl_subject"
    assert refused.value.message == (
        "Unknown placeholder {titel}. You can use: {title}, {name}, {link}, {format}, {track}."
    )


def test_call_keeps_criteria_tracks_and_formats_in_order(call) -> None:
    assert [f.value for f in services.offered_formats(call)] == [
        "panel", "debate", "workshop", "seminar", "poster", "open-podium"]
    assert [t.name for t in services.offered_tracks(call)] == ["Track A", "Track B"]
    assert [c.key for c in services.criteria_of(call)] == ["relevance", "clarity"]
    assert services.parse_criteria("Originality | Originaliteit\n\nFit with the theme") == [
        services.Criterion(key="originality", en="Originality", nl="Originaliteit"),
        services.Criterion(key="fit_with_the_theme", en="Fit with the theme", nl=""),
    ]


def test_only_one_call_row_is_possible(call) -> None:
    db.session.add(CallForSessions(id=2, opens_at=call.opens_at, closes_at=call.closes_at))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()


# --- drafts and submissions ---------------------------------------------------------------

def test_draft_may_be_incomplete_and_invites_nobody_yet(call, author) -> None:
    proposal = make_proposal(author, submit=False, abstract="", format=None, co_speakers=["bob@example.org"])
    db.session.commit()

    assert proposal.state is ProposalState.DRAFT
    assert [(s.email, s.status, s.invited_at) for s in proposal.speakers] == [
        ("ada@example.org", SpeakerStatus.ACCEPTED, proposal.speakers[0].invited_at),
        ("bob@example.org", SpeakerStatus.INVITED, None),
    ]
    assert mails() == []


def test_submitting_mails_the_submitter_and_invites_each_co_speaker_once(call, author) -> None:
    draft = make_proposal(author, submit=False, co_speakers=["bob@example.org", "Carla@Example.org", "bob@example.org"])
    proposal = services.save_proposal(proposal=draft, data=proposal_input(
        co_speakers=["bob@example.org", "carla@example.org"]), author=author, submit=True)
    db.session.commit()

    assert proposal.state is ProposalState.SUBMITTED
    assert proposal.submitted_at is not None
    assert sorted(m.to_address for m in mails()) == ["ada@example.org", "bob@example.org", "carla@example.org"]
    assert mails("bob@example.org")[0].subject == "Invitation to speak at ESOF 2022: Rivers without borders"
    assert "/cfp/invitations/" in mails("bob@example.org")[0].body_text
    assert mails("ada@example.org")[0].subject == "Proposal received: Rivers without borders"

    services.save_proposal(proposal=proposal, data=proposal_input(
        co_speakers=["bob@example.org", "dan@example.org"]), author=author)
    db.session.commit()
    assert sorted(m.to_address for m in mails()) == [
        "ada@example.org", "bob@example.org", "carla@example.org", "dan@example.org"]
    assert [s.email for s in proposal.speakers] == ["ada@example.org", "bob@example.org", "dan@example.org"]


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"title": " "}, "title", "Give the title in English."),
    ({"abstract": ""}, "abstract", "Give the abstract in English."),
    ({"format": None}, "format", "Choose a format."),
    ({"format": "keynote"}, "format", "Keynotes are by invitation only."),
    ({"format": "ceremony"}, "format", "This call does not offer that format."),
    ({"track_id": None}, "track", "Choose a track."),
    ({"language": "de"}, "language", "Choose English or Dutch."),
    ({"expected_audience": -1}, "expected_audience", "Give an audience between 0 and 5000."),
    ({"co_speakers": ["not-an-address"]}, "co_speakers", "“not-an-address” is not an email address."),
    ({"co_speakers": ["ADA@example.org"]}, "co_speakers", "You are a speaker already: list only your co-speakers."),
    ({"co_speakers": [f"s{n}@example.org" for n in range(6)]}, "co_speakers", "Invite at most 5 co-speakers."),
])
def test_submission_rules_name_the_field(call, author, overrides, field, message) -> None:
    with pytest.raises(services.ProposalInputRejected) as refused:
        make_proposal(author, **overrides)
    assert (refused.value.field, refused.value.message) == (field, message)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Proposal.id))) == 0


def test_submitting_after_the_deadline_is_refused_and_saves_nothing(call, author) -> None:
    close_call()
    with pytest.raises(services.CallClosed) as refused:
        make_proposal(author)
    assert refused.value.message.startswith("The call for sessions closed on ")
    assert "CET" in refused.value.message or "CEST" in refused.value.message
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Proposal.id))) == 0
    assert mails() == []


def test_editing_after_the_deadline_is_refused(call, author) -> None:
    proposal = make_proposal(author)
    db.session.commit()
    close_call()
    with pytest.raises(services.CallClosed):
        services.save_proposal(proposal=proposal, data=proposal_input(title="Too late"), author=author)
    db.session.rollback()
    assert db.session.get(Proposal, proposal.id).title == "Rivers without borders"


def test_only_the_submitter_edits(call, author) -> None:
    proposal = make_proposal(author)
    other = UserFactory()
    with pytest.raises(PermissionDenied):
        services.save_proposal(proposal=proposal, data=proposal_input(title="Mine now"), author=other)


def test_withdrawing_works_once_and_also_after_the_deadline(call, author) -> None:
    proposal = make_proposal(author)
    db.session.commit()
    close_call()
    seen = proposal.version
    services.withdraw_proposal(proposal=proposal, author=author, seen_version=seen)
    db.session.commit()
    assert proposal.state is ProposalState.WITHDRAWN

    with pytest.raises(services.ProposalLocked) as refused:
        services.withdraw_proposal(proposal=proposal, author=author, seen_version=seen)
    assert refused.value.message == "This proposal is withdrawn already."
    actions = db.session.scalars(sa.select(AuditLog.action).where(AuditLog.target_type == "Proposal")).all()
    assert actions.count("withdraw-proposal") == 1


def test_database_keeps_one_row_per_address_and_no_keynotes(call, author) -> None:
    proposal = make_proposal(author)
    db.session.commit()
    db.session.add(ProposalSpeaker(proposal_id=proposal.id, email="ada@example.org"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
    proposal = db.session.get(Proposal, proposal.id)
    proposal.format = SessionFormat.KEYNOTE
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_an_organiser_cannot_edit_another_speakers_proposal(call, author) -> None:
    proposal = make_proposal(author)
    with pytest.raises(PermissionDenied):
        services.save_proposal(proposal=proposal, data=proposal_input(), author=make_organiser())
