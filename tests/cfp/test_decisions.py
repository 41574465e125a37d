"""Decisions: one conditional UPDATE from the version the organiser saw, a draft session with
the speakers as people, the speaker role, one mail per speaker in their language."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from esof.accounts.models import AuditLog, Role
from esof.cfp import services
from esof.cfp.models import Proposal, ProposalState
from esof.errors import PermissionDenied
from esof.extensions import db
from esof.programme.models import Person, ProgrammeSession, SessionFormat
from esof.programme.services import save_person
from tests.cfp.factories import accept_co_speaker, mails, make_organiser, make_proposal, open_call, proposal_input
from tests.factories import UserFactory

S = ProposalState


@pytest.fixture
def organiser(app):
    open_call()
    return make_organiser(email="chair@example.org")


@pytest.fixture
def proposal(organiser):
    ada = UserFactory(email="ada@example.org", display_name="Ada Lovelace", language="en")
    item = make_proposal(ada, co_speakers=["bob@example.org", "carla@example.org"])
    accept_co_speaker(item, "bob@example.org", display_name="Bob de Bouwer", language="nl")
    db.session.commit()
    return item


def decision_mails() -> list[tuple[str, str]]:
    return [(m.to_address, m.subject) for m in mails() if "/cfp/proposals/" in m.body_text
            and m.subject.startswith(("Your proposal", "Je voorstel", "Uw voorstel"))]


def test_accepting_makes_an_unscheduled_session_with_the_speakers(proposal, organiser) -> None:
    existing = save_person(name="B. de Bouwer", email="bob@example.org", affiliation="TU Delft")
    mailed_before = len(mails())

    outcome = services.decide_proposal(proposal=proposal, decision=S.ACCEPTED, actor=organiser,
                                       seen_version=proposal.version)
    db.session.commit()

    item = db.session.get(ProgrammeSession, outcome.session.id)
    assert proposal.state is S.ACCEPTED
    assert proposal.session_id == item.id
    assert (item.title, item.format, item.track_id, item.slot) == (
        "Rivers without borders", SessionFormat.PANEL, proposal.track_id, None)
    if services.SESSIONS_ARE_BILINGUAL:
        assert item.title_nl == "Rivieren zonder grenzen"
    people = item.speakers
    assert [(p.name, p.email, p.user_id) for p in people] == [
        ("Ada Lovelace", "ada@example.org", proposal.submitter_id),
        ("B. de Bouwer", "bob@example.org", people[1].user_id),
    ]
    assert people[1].id == existing.id  # the Person with that address, now linked to the account
    assert all(p.user_id is not None for p in people)
    for person in people:
        assert Role.SPEAKER in db.session.get(type(proposal.submitter), person.user_id).roles
    # carla never answered: she is not a speaker yet, and gets no decision mail
    assert outcome.mails == 2
    new = mails()[mailed_before:]
    assert sorted((m.to_address, m.language) for m in new) == [("ada@example.org", "en"), ("bob@example.org", "nl")]
    assert [m.subject for m in new if m.language == "en"] == ["Your proposal “Rivers without borders” is accepted"]
    assert [m.subject for m in new if m.language == "nl"] == ["Je voorstel “Rivieren zonder grenzen” is aangenomen"]
    assert "Dear Ada Lovelace," in next(m.body_text for m in new if m.language == "en")
    audit = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "proposal-accepted")).all()
    assert [(a.actor_id, a.target_id, a.detail["previous"]) for a in audit] == [
        (organiser.id, proposal.id, "submitted")]


def test_decision_mails_use_the_organisers_texts_in_each_speakers_language(proposal, organiser) -> None:
    call = services.current_call()
    call.decision_texts = {"rejected": {
        "en": {"subject": "About {title}", "body": "Dear {name}, sorry. {link} {unknown}"},
        "nl": {"subject": "Over {title}", "body": "Beste {name}, helaas ({track}, {format})."},
    }}
    services.decide_proposal(proposal=proposal, decision=S.REJECTED, actor=organiser)
    db.session.commit()
    by_language = {m.language: m for m in mails() if m.subject.startswith(("About", "Over"))}
    assert by_language["en"].subject == "About Rivers without borders"
    assert by_language["en"].body_text.startswith(
        f"Dear Ada Lovelace, sorry. http://esof.test/cfp/proposals/{proposal.id} {{unknown}}")
    assert by_language["nl"].subject == "Over Rivieren zonder grenzen"
    assert by_language["nl"].body_text.startswith("Beste Bob de Bouwer, helaas (Spoor A, Panel).")


def test_a_waitlisted_proposal_can_be_accepted_later(proposal, organiser) -> None:
    services.decide_proposal(proposal=proposal, decision=S.WAITLISTED, actor=organiser)
    db.session.commit()
    assert proposal.session_id is None
    services.decide_proposal(proposal=proposal, decision=S.ACCEPTED, actor=organiser)
    db.session.commit()
    assert proposal.state is S.ACCEPTED
    assert proposal.session_id is not None


def test_a_decided_proposal_is_not_decided_again(proposal, organiser) -> None:
    services.decide_proposal(proposal=proposal, decision=S.REJECTED, actor=organiser)
    db.session.commit()
    mailed = len(mails())
    with pytest.raises(services.DecisionNotAllowed):
        services.decide_proposal(proposal=proposal, decision=S.ACCEPTED, actor=organiser)
    with pytest.raises(services.AlreadyDecided):
        services.decide_proposal(proposal=proposal, decision=S.REJECTED, actor=organiser)
    db.session.rollback()
    assert len(mails()) == mailed
    assert db.session.scalar(sa.select(sa.func.count(ProgrammeSession.id))) == 0


def test_a_decision_on_a_stale_page_changes_nothing(proposal, organiser) -> None:
    seen = proposal.version
    services.save_proposal(proposal=proposal, data=proposal_input(title="Rivers, renamed",
                           co_speakers=["bob@example.org", "carla@example.org"]), author=proposal.submitter)
    db.session.commit()
    mailed = len(mails())

    with pytest.raises(services.ProposalChanged) as refused:
        services.decide_proposal(proposal=proposal, decision=S.ACCEPTED, actor=organiser, seen_version=seen)
    assert refused.value.status_code == 409
    db.session.rollback()
    assert db.session.get(Proposal, proposal.id).state is S.SUBMITTED
    assert len(mails()) == mailed
    assert db.session.scalar(sa.select(sa.func.count(ProgrammeSession.id))) == 0


def test_the_second_of_two_identical_decisions_is_told_and_mails_nobody(proposal, organiser) -> None:
    seen = proposal.version
    services.decide_proposal(proposal=proposal, decision=S.ACCEPTED, actor=organiser, seen_version=seen)
    db.session.commit()
    mailed = len(mails())
    with pytest.raises(services.AlreadyDecided) as refused:
        services.decide_proposal(proposal=proposal, decision=S.ACCEPTED, actor=make_organiser(), seen_version=seen)
    assert refused.value.message == (
        "Another organiser has just made this decision. Nothing was changed and no mail was sent again.")
    db.session.rollback()
    assert len(mails()) == mailed
    assert db.session.scalar(sa.select(sa.func.count(ProgrammeSession.id))) == 1


def test_only_organisers_decide(proposal) -> None:
    with pytest.raises(PermissionDenied):
        services.decide_proposal(proposal=proposal, decision=S.ACCEPTED, actor=UserFactory(roles=[Role.REVIEWER]))


def test_bulk_decisions_skip_what_changed_and_decide_the_rest(organiser) -> None:
    proposals = [make_proposal(UserFactory(), title=f"Bulk {n}") for n in range(4)]
    db.session.commit()
    stale = (proposals[1].id, proposals[1].version - 1 if proposals[1].version > 1 else 99)
    services.decide_proposal(proposal=proposals[2], decision=S.REJECTED, actor=organiser)
    db.session.commit()
    choices = [(proposals[0].id, proposals[0].version), stale, (proposals[2].id, 1), (proposals[3].id,
               proposals[3].version), (999_999, 1)]

    outcome = services.decide_proposals(choices=choices, decision=S.ACCEPTED, actor=organiser)
    db.session.commit()

    assert [d.proposal.title for d in outcome.decided] == ["Bulk 0", "Bulk 3"]
    assert [(title, reason) for _id, title, reason in outcome.refused] == [
        ("Bulk 1", services.ProposalChanged().message),
        ("Bulk 2", services.ProposalChanged().message),
        ("", "Not found."),
    ]
    states = dict(db.session.execute(sa.select(Proposal.title, Proposal.state)).all())
    assert states == {"Bulk 0": S.ACCEPTED, "Bulk 1": S.SUBMITTED, "Bulk 2": S.REJECTED, "Bulk 3": S.ACCEPTED}
    assert db.session.scalar(sa.select(sa.func.count(ProgrammeSession.id))) == 2


def test_a_co_speaker_accepting_after_the_acceptance_joins_the_session(proposal, organiser) -> None:
    outcome = services.decide_proposal(proposal=proposal, decision=S.ACCEPTED, actor=organiser)
    db.session.commit()
    carla = accept_co_speaker(proposal, "carla@example.org", display_name="Carla")
    db.session.commit()
    item = db.session.get(ProgrammeSession, outcome.session.id)
    assert [p.name for p in item.speakers] == ["Ada Lovelace", "Bob de Bouwer", "Carla"]
    assert Role.SPEAKER in carla.roles
    person = db.session.scalar(sa.select(Person).where(Person.user_id == carla.id))
    assert person.email == "carla@example.org"
