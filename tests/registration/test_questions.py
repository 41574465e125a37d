"""Organisers' questions and delegates' answers: the services' rules."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from esof.accounts.models import Role
from esof.extensions import db
from esof.registration import questions
from esof.registration.errors import AnswersInvalid
from esof.registration.models import Answer, Question, QuestionKind, Registration
from esof.registration.questions import QuestionInvalid, QuestionSpec
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory, register


@pytest.fixture
def boss(app):
    return UserFactory(roles=[Role.ORGANISER])


def ask(boss, kind: QuestionKind, text: str = "Question?", **spec) -> Question:
    return questions.create_question(actor=boss, spec=QuestionSpec(kind=kind, text=text, **spec))


def test_questions_keep_their_order_and_move_up_and_down(boss) -> None:
    a, b, c = (ask(boss, QuestionKind.TEXT, t) for t in "abc")
    assert [q.text for q in questions.list_questions()] == ["a", "b", "c"]
    questions.move_question(actor=boss, question=c, step=-1)
    assert [q.text for q in questions.list_questions()] == ["a", "c", "b"]
    questions.move_question(actor=boss, question=a, step=-1)  # already first: nothing moves
    questions.move_question(actor=boss, question=a, step=1)
    assert [q.text for q in questions.list_questions()] == ["c", "a", "b"]
    assert b.position == 3


@pytest.mark.parametrize(("kind", "choices"), [
    (QuestionKind.CHOICE, [("Only one", "")]),
    (QuestionKind.CHOICES, []),
    (QuestionKind.CHOICE, [("", "Alleen Nederlands"), ("Two", "Twee")]),
])
def test_choice_question_needs_two_english_choices(boss, kind, choices) -> None:
    with pytest.raises(QuestionInvalid):
        ask(boss, kind, choices=choices)


def test_editing_keeps_answers_with_their_choices_and_the_kind_of_answered_questions(boss) -> None:
    regular = CategoryFactory(code="regular")
    excursion = ask(boss, QuestionKind.CHOICE, "Excursion", choices=[("Canal", "Gracht"), ("Museum", "Museum")])
    canal = excursion.choices[0]
    register(UserFactory(), regular, answers={excursion.id: [str(canal.id)]})
    spec = QuestionSpec(kind=QuestionKind.CHOICE, text="Excursion on Friday",
                        choices=[("Canal tour", "Rondvaart"), ("Museum", "Museum"), ("Botanical garden", "Hortus")])
    questions.update_question(actor=boss, question=excursion, spec=spec)
    [answer] = db.session.scalars(sa.select(Answer)).all()
    assert [c.label("nl") for c in answer.choices] == ["Rondvaart"]
    assert [c.text for c in excursion.choices] == ["Canal tour", "Museum", "Botanical garden"]
    with pytest.raises(QuestionInvalid):
        questions.update_question(actor=boss, question=excursion, spec=QuestionSpec(QuestionKind.TEXT, "Which?"))


def test_answers_are_checked_per_kind(boss) -> None:
    category = CategoryFactory()
    text = ask(boss, QuestionKind.TEXT)
    number = ask(boss, QuestionKind.NUMBER)
    day = ask(boss, QuestionKind.DATE)
    yes_no = ask(boss, QuestionKind.YES_NO)
    one = ask(boss, QuestionKind.CHOICE, choices=[("A", ""), ("B", "")])
    many = ask(boss, QuestionKind.CHOICES, choices=[("X", ""), ("Y", ""), ("Z", "")])
    listed = questions.list_questions()
    good = questions.check_answers(listed, {
        text.id: [" Hello "], number.id: ["2,50"], day.id: ["2022-07-14"], yes_no.id: ["no"],
        one.id: [str(one.choices[1].id)], many.id: [str(many.choices[2].id), str(many.choices[0].id)],
    }, category_id=category.id)
    assert good[text.id].value == "Hello" and good[number.id].value == "2.5" and good[day.id].value == "2022-07-14"
    assert good[yes_no.id].value == "no" and good[one.id].choice_ids == (one.choices[1].id,)
    assert good[many.id].choice_ids == (many.choices[0].id, many.choices[2].id)
    with pytest.raises(AnswersInvalid) as refused:
        questions.check_answers(listed, {
            number.id: ["many"], day.id: ["14 July"], yes_no.id: ["maybe"],
            one.id: [str(one.choices[0].id), str(one.choices[1].id)], many.id: [str(one.choices[0].id)],
        }, category_id=category.id)
    assert set(refused.value.problems) == {number.id, day.id, yes_no.id, one.id, many.id}


def test_required_questions_count_only_in_their_categories(boss) -> None:
    press, regular = CategoryFactory(code="press"), CategoryFactory(code="regular")
    question = ask(boss, QuestionKind.TEXT, "Which outlet?", required=True, category_ids=[press.id])
    listed = questions.list_questions()
    assert questions.check_answers(listed, {}, category_id=regular.id) == {}
    with pytest.raises(AnswersInvalid) as refused:
        questions.check_answers(listed, {question.id: ["  "]}, category_id=press.id)
    assert refused.value.problems == {question.id: "Please answer this question."}


def test_a_refused_answer_saves_no_registration(boss) -> None:
    category = CategoryFactory()
    question = ask(boss, QuestionKind.YES_NO, "Party?", required=True)
    db.session.commit()
    with pytest.raises(AnswersInvalid):
        register(UserFactory(), category, answers={question.id: []})
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


def test_delegate_changes_answers_until_registration_closes(boss) -> None:
    from datetime import timedelta

    from esof.db import utcnow
    from esof.registration.errors import AnswersClosed

    category = CategoryFactory()
    party = ask(boss, QuestionKind.YES_NO, "Party?")
    diet = ask(boss, QuestionKind.TEXT, "Anything else?")
    user = UserFactory()
    registration = register(user, category, answers={party.id: ["yes"], diet.id: ["Tea"]})
    questions.update_answers(registration=registration, raw={party.id: ["no"], diet.id: [""]}, actor=user)
    stored = questions.answers_of([registration.id])[registration.id]
    assert {q: a.value for q, a in stored.items()} == {party.id: "no"}  # the emptied answer is gone
    with pytest.raises(AnswersClosed):
        questions.update_answers(registration=registration, raw={party.id: ["yes"]}, actor=user,
                                 now=category.closes_at + timedelta(minutes=1))
    assert questions.answers_open(registration, utcnow())
