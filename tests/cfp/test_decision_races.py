"""Organisers deciding about the same proposal at the same moment, on PostgreSQL with real
threads: one decision counts, once (one session, one audit entry, one mail per speaker); every
other request gets AlreadyDecided or ProposalChanged and changes nothing."""
from __future__ import annotations

import threading
from collections import Counter

import pytest
import sqlalchemy as sa
from flask import Flask

from esof.accounts.models import AuditLog, User
from esof.cfp import services
from esof.cfp.models import Proposal, ProposalState
from esof.extensions import db
from esof.programme.models import ProgrammeSession
from tests.cfp.factories import accept_co_speaker, mails, make_organiser, make_proposal, open_call
from tests.factories import UserFactory

THREADS = 8
S = ProposalState


def decide(app: Flask, proposal_id: int, organiser_id: int, decision: ProposalState, seen: int,
           barrier: threading.Barrier) -> str:
    """One organiser's request: read the proposal, wait for the others, decide, commit."""
    with app.app_context():
        try:
            proposal = db.session.get(Proposal, proposal_id)
            organiser = db.session.get(User, organiser_id)
            proposal.speakers  # noqa: B018  (read before anyone writes)
            barrier.wait(timeout=30)
            services.decide_proposal(proposal=proposal, decision=decision, actor=organiser, seen_version=seen)
            db.session.commit()
            return decision.value
        except (services.AlreadyDecided, services.ProposalChanged) as exc:
            db.session.rollback()
            return type(exc).__name__
        except Exception as exc:  # reported to the test, which expects none
            db.session.rollback()
            return f"error: {type(exc).__name__}: {exc}"


@pytest.mark.parametrize("decisions", [[S.ACCEPTED] * THREADS, [S.ACCEPTED, S.REJECTED, S.WAITLISTED, S.ACCEPTED] * 2],
                         ids=["accept-vs-accept", "accept-vs-reject-vs-waitlist"])
def test_organisers_racing_on_postgresql_decide_once(pg_app: Flask, decisions: list[ProposalState]) -> None:
    open_call()
    proposal = make_proposal(UserFactory(email="ada@example.org"), co_speakers=["bob@example.org"])
    accept_co_speaker(proposal, "bob@example.org")
    organiser_ids = [make_organiser().id for _ in decisions]
    proposal_id, seen = proposal.id, proposal.version
    db.session.commit()
    mails_before = len(mails())
    barrier = threading.Barrier(THREADS)
    outcomes = [""] * THREADS

    def run(index: int) -> None:
        outcomes[index] = decide(pg_app, proposal_id, organiser_ids[index], decisions[index], seen, barrier)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    counted = Counter(outcomes)
    winners = [o for o in outcomes if o in {d.value for d in decisions}]
    assert len(winners) == 1, counted
    assert set(counted) - set(winners) <= {"AlreadyDecided", "ProposalChanged"}, counted
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal_id)
    assert proposal.state.value == winners[0]
    assert proposal.version == seen + (2 if winners[0] == "accepted" else 1)  # an acceptance also links the session
    assert len(mails()) == mails_before + 2  # ada and bob, once
    audits = db.session.scalars(sa.select(AuditLog.action).where(AuditLog.action.like("proposal-%"))).all()
    assert audits == [f"proposal-{winners[0]}"]
    sessions = db.session.scalar(sa.select(sa.func.count(ProgrammeSession.id)))
    assert sessions == (1 if winners[0] == "accepted" else 0)
    if winners[0] == "accepted":
        assert counted["AlreadyDecided"] + counted["ProposalChanged"] == THREADS - 1
