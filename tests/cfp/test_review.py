"""Reviewing: own proposals and conflicts are out, scores in range, one review each, and other
reviewers' scores hidden until one has scored."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from esof.cfp import queries, services
from esof.cfp.models import Review, ReviewScore
from esof.errors import PermissionDenied
from esof.extensions import db
from tests.cfp.factories import make_organiser, make_proposal, make_reviewer, open_call
from tests.factories import UserFactory


@pytest.fixture
def proposal(app):
    open_call()
    item = make_proposal(UserFactory(email="ada@example.org"), co_speakers=["rita@example.org"])
    db.session.commit()
    return item


def review(score: int = 4, **criteria: int) -> services.ReviewInput:
    return services.ReviewInput(score=score, criteria={"relevance": 5, "clarity": 3, **criteria},
                                comment="Strong panel.")


def reviews_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Review.id))) or 0


def test_a_review_has_an_overall_score_and_one_per_criterion(proposal) -> None:
    reviewer = make_reviewer()
    saved = services.save_review(proposal=proposal, reviewer=reviewer, data=review())
    db.session.commit()
    assert (saved.score, saved.scores_by_criterion, saved.comment) == (4, {"clarity": 3, "relevance": 5},
                                                                       "Strong panel.")


def test_saving_again_changes_the_one_review(proposal) -> None:
    reviewer = make_reviewer()
    services.save_review(proposal=proposal, reviewer=reviewer, data=review(4))
    services.save_review(proposal=proposal, reviewer=reviewer, data=review(2, clarity=1))
    db.session.commit()
    assert reviews_count() == 1
    assert services.review_of(reviewer, proposal).scores_by_criterion == {"clarity": 1, "relevance": 5}


@pytest.mark.parametrize(("data", "field"), [
    (services.ReviewInput(score=6, criteria={"relevance": 3, "clarity": 3}), "score"),
    (services.ReviewInput(score=None, criteria={"relevance": 3, "clarity": 3}), "score"),
    (services.ReviewInput(score=3, criteria={"relevance": 0, "clarity": 3}), "score_relevance"),
    (services.ReviewInput(score=3, criteria={"relevance": 3}), "score_clarity"),
])
def test_scores_outside_one_to_five_or_missing_are_refused(proposal, data, field) -> None:
    with pytest.raises(services.ProposalInputRejected) as refused:
        services.save_review(proposal=proposal, reviewer=make_reviewer(), data=data)
    assert (refused.value.field, refused.value.message) == (field, "Give a score from 1 to 5.")
    db.session.rollback()
    assert reviews_count() == 0


def test_the_database_refuses_a_second_review_and_a_score_out_of_range(proposal) -> None:
    reviewer = make_reviewer()
    services.save_review(proposal=proposal, reviewer=reviewer, data=review())
    db.session.commit()
    db.session.add(Review(proposal_id=proposal.id, reviewer_id=reviewer.id, score=3))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(ReviewScore(review_id=services.review_of(reviewer, proposal).id, criterion="other", score=9))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_reviewer_never_scores_their_own_proposal(proposal) -> None:
    ada = db.session.get(type(proposal.submitter), proposal.submitter_id)
    ada.add_role("reviewer")
    rita = make_reviewer(email="rita@example.org")  # invited as co-speaker, not yet answered
    for reviewer in (ada, rita):
        with pytest.raises(services.OwnProposal) as refused:
            services.save_review(proposal=proposal, reviewer=reviewer, data=review())
        assert refused.value.status_code == 403
        assert refused.value.message == "You are a speaker of this proposal, so you cannot review it."
        assert [row.id for row in queries.review_queue(reviewer).items] == []
    assert reviews_count() == 0


def test_a_declared_conflict_removes_the_proposal_and_the_score(proposal) -> None:
    reviewer, other = make_reviewer(), make_reviewer()
    services.save_review(proposal=proposal, reviewer=reviewer, data=review(5))
    services.save_review(proposal=proposal, reviewer=other, data=review(1))
    db.session.commit()

    services.declare_conflict(proposal=proposal, reviewer=reviewer)
    db.session.commit()

    assert queries.review_queue(reviewer).items == []
    assert [(r.id, r.review_count) for r in queries.review_queue(other).items] == [(proposal.id, 1)]
    ranked = queries.ranked_proposals().items
    assert (ranked[0].scores.count, ranked[0].scores.mean) == (1, 1.0)
    with pytest.raises(services.ConflictDeclared):
        services.save_review(proposal=proposal, reviewer=reviewer, data=review(5))
    db.session.rollback()
    assert reviews_count() == 1

    services.withdraw_conflict(proposal=proposal, reviewer=reviewer)
    db.session.commit()
    assert [r.id for r in queries.review_queue(reviewer).items] == [proposal.id]


def test_other_reviews_stay_hidden_until_one_has_scored(proposal) -> None:
    first, second = make_reviewer(), make_reviewer()
    services.save_review(proposal=proposal, reviewer=first, data=review(5))
    assert services.may_see_other_reviews(second, proposal) is False
    assert services.may_see_other_reviews(make_organiser(), proposal) is True
    services.save_review(proposal=proposal, reviewer=second, data=review(2))
    assert services.may_see_other_reviews(second, proposal) is True


def test_only_reviewers_review_and_only_while_reviewing_is_open(proposal) -> None:
    with pytest.raises(PermissionDenied):
        services.save_review(proposal=proposal, reviewer=UserFactory(), data=review())
    call = services.current_call()
    call.reviewing_open = False
    with pytest.raises(services.ReviewingClosed):
        services.save_review(proposal=proposal, reviewer=make_reviewer(), data=review())


def test_drafts_and_decided_proposals_are_not_reviewable(proposal) -> None:
    draft = make_proposal(UserFactory(), submit=False)
    with pytest.raises(services.NotReviewable):
        services.save_review(proposal=draft, reviewer=make_reviewer(), data=review())
    services.decide_proposal(proposal=proposal, decision=services.DECISIONS[1], actor=make_organiser())
    with pytest.raises(services.NotReviewable):
        services.save_review(proposal=proposal, reviewer=make_reviewer(), data=review())


def test_queue_puts_unscored_first_then_least_reviewed(app) -> None:
    open_call()
    a, b, c = (make_proposal(UserFactory(), title=f"P{n}") for n in range(3))
    me, other = make_reviewer(), make_reviewer()
    services.save_review(proposal=a, reviewer=other, data=review())
    services.save_review(proposal=b, reviewer=me, data=review(3))
    db.session.commit()
    rows = queries.review_queue(me).items
    assert [(r.title, r.my_score, r.review_count) for r in rows] == [
        ("P2", None, 0), ("P0", None, 1), ("P1", 3, 1)]
    assert [r.title for r in queries.review_queue(me, queries.ProposalFilter(unreviewed=True)).items] == [
        "P2", "P0"]


def test_scores_give_mean_spread_and_range() -> None:
    scores = queries.Scores.of([1, 3, 5])
    assert (scores.count, scores.mean, round(scores.spread, 4), scores.low, scores.high) == (3, 3.0, 1.633, 1, 5)
    assert queries.Scores.of([]) == queries.Scores()
