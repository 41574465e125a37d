"""A proposal sent again (a double click, a browser resending after a lost answer, the same
form posted to two app servers at once) is stored once, with one confirmation mail.

Found while writing tests/ops/test_writer_faults_postgres.py: a speaker whose answer was lost in
a database restart and who sent the form again got a second, identical proposal."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from esof.accounts.models import User
from esof.cfp import services
from esof.cfp.models import Proposal, ProposalState
from esof.extensions import db
from esof.programme.models import SessionFormat
from tests.cfp.factories import mails, make_proposal, open_call, proposal_input
from tests.factories import UserFactory
from tests.ops.test_scale_out import all_at_once


def proposals_of(user: User) -> list[Proposal]:
    return list(db.session.scalars(sa.select(Proposal).where(Proposal.submitter_id == user.id).order_by(Proposal.id)))


def test_the_same_proposal_sent_twice_is_stored_once_with_one_mail(app) -> None:
    open_call()
    ada = UserFactory(email="ada@example.org")
    first = make_proposal(ada)
    again = make_proposal(ada)
    db.session.commit()
    assert again.id == first.id and again.state is ProposalState.SUBMITTED
    assert [p.id for p in proposals_of(ada)] == [first.id]
    assert [m.to_address for m in mails()] == ["ada@example.org"]


def test_a_different_proposal_a_draft_or_one_sent_much_later_is_a_new_one(app) -> None:
    open_call()
    ada = UserFactory(email="ada@example.org")
    first = make_proposal(ada)
    other_title = make_proposal(ada, title="Rivers with borders")
    draft = services.save_proposal(data=proposal_input(), author=ada)  # a draft is not the submitted one
    db.session.commit()
    assert len({first.id, other_title.id, draft.id}) == 3
    first.created_at -= services.RESEND_WINDOW + timedelta(seconds=1)
    draft.created_at -= services.RESEND_WINDOW + timedelta(seconds=1)
    db.session.commit()
    later = make_proposal(ada)
    assert later.id not in (first.id, other_title.id, draft.id)
    assert make_proposal(UserFactory(), title=first.title).id != first.id  # another speaker's
    db.session.commit()


@pytest.mark.postgres
def test_the_same_proposal_posted_at_the_same_moment_is_stored_once(pg_app: Flask) -> None:
    open_call()
    ada = UserFactory(email="ada@example.org")
    db.session.commit()
    ada_id, copies = ada.id, 6

    def submit() -> int | str:
        with pg_app.app_context():
            try:
                saved = services.save_proposal(data=proposal_input(), author=db.session.get(User, ada_id), submit=True)
                db.session.commit()
                return saved.id
            except sa.exc.DBAPIError as exc:  # a deadlock, a lock wait past the limit
                return repr(exc)
            finally:
                db.session.remove()

    outcomes = all_at_once(list(range(copies)), lambda _i, _n: submit())
    db.session.expire_all()
    stored = proposals_of(db.session.get(User, ada_id))
    assert len(stored) == 1 and outcomes == [stored[0].id] * copies
    assert [m.to_address for m in mails()] == ["ada@example.org"]


# --- only an exact repeat is one: every saved field and the same co-speakers ------------------

def second_track_id() -> int:
    return services.offered_tracks(services.current_call())[1].id


@pytest.mark.parametrize("change", [
    {"format": SessionFormat.WORKSHOP.value},
    {"track_id": "second"},
    {"title_nl": "Rivieren met grenzen"},
    {"abstract_nl": "Hoe de Maas drie landen verbindt."},
    {"language": "nl"},
    {"expected_audience": 30},
    {"needs_step_free": True},
    {"needs_streaming": True},
    {"equipment": "A flip chart"},
], ids=lambda change: next(iter(change)))
def test_the_same_title_and_abstract_with_another_field_is_a_second_proposal(app, change) -> None:
    open_call()
    ada = UserFactory(email="ada@example.org")
    overrides = {name: second_track_id() if value == "second" else value for name, value in change.items()}
    first = make_proposal(ada)
    second = make_proposal(ada, **overrides)
    db.session.commit()
    assert second.id != first.id and second.state is ProposalState.SUBMITTED
    assert [p.id for p in proposals_of(ada)] == [first.id, second.id]
    name, value = next(iter(overrides.items()))
    stored = getattr(second, name)
    assert (stored.value if isinstance(stored, SessionFormat) else stored) == value
    assert [m.to_address for m in mails()] == ["ada@example.org", "ada@example.org"]


def test_a_panel_then_a_workshop_then_the_panel_resent_are_two_proposals(app) -> None:
    open_call()
    ada = UserFactory(email="ada@example.org")
    panel = make_proposal(ada)
    workshop = make_proposal(ada, format=SessionFormat.WORKSHOP.value)
    again = make_proposal(ada)  # the panel's form resent: not the workshop, the newest of the two
    db.session.commit()
    assert again.id == panel.id and workshop.id != panel.id
    assert [(p.id, p.format) for p in proposals_of(ada)] == [
        (panel.id, SessionFormat.PANEL), (workshop.id, SessionFormat.WORKSHOP)]


def test_the_same_proposal_with_other_co_speakers_is_a_second_one_whose_co_speakers_are_invited(app) -> None:
    open_call()
    ada = UserFactory(email="ada@example.org")
    first = make_proposal(ada, co_speakers=["bob@example.org", "carla@example.org"])
    again = make_proposal(ada, co_speakers=["Carla@Example.org", "bob@example.org"])  # the same two
    other = make_proposal(ada, co_speakers=["bob@example.org", "dan@example.org"])
    alone = make_proposal(ada)
    db.session.commit()
    assert again.id == first.id
    assert [p.id for p in proposals_of(ada)] == [first.id, other.id, alone.id]
    assert [s.email for s in other.co_speakers] == ["bob@example.org", "dan@example.org"]
    assert all(s.invited_at is not None for s in other.co_speakers)
    assert alone.co_speakers == []
    assert [m.to_address for m in mails("dan@example.org")] == ["dan@example.org"]
    assert len(mails("bob@example.org")) == 2  # one invitation for each proposal
    assert len(mails("carla@example.org")) == 1
