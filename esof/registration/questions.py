"""Organisers' questions on the registration form, and delegates' answers.

A question is asked in some categories (none listed: in all), in English and Dutch, in the
organisers' order (`position`). The form shows every question; only those of the chosen
category are checked and saved, so a delegate who switches category before sending the form
is not held up by a required question of another one. Answers can be changed on
/registration/answers until the category's registration closes.

Answers are stored as text (`value`: text, a number as written by Decimal, an ISO date, or
"yes"/"no"); the choices of choice questions are rows of answer_choice, so the organisers'
filter "answer to a question = value" is one EXISTS on an indexed column either way.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from esof.accounts.models import User
from esof.accounts.services import record_audit
from esof.db import utcnow
from esof.errors import ValidationFailed
from esof.extensions import db
from esof.registration.errors import AnswersClosed, AnswersInvalid
from esof.registration.models import (
    Answer,
    Question,
    QuestionChoice,
    QuestionKind,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
    answer_choice,
)

CHOICE_KINDS = (QuestionKind.CHOICE, QuestionKind.CHOICES)
TEXT_LIMIT = 2000
MAX_CHOICES = 30


class QuestionInvalid(ValidationFailed):
    status_code = 422


@dataclass
class QuestionSpec:
    kind: QuestionKind
    text: str
    text_nl: str = ""
    required: bool = False
    category_ids: Sequence[int] = ()
    choices: Sequence[tuple[str, str]] = field(default_factory=list)  # (English, Dutch)


def check_question(spec: QuestionSpec) -> QuestionSpec:
    text, text_nl = spec.text.strip(), spec.text_nl.strip()
    if not text:
        raise QuestionInvalid(str(_l("Please give the question in English.")))
    if len(text) > 300 or len(text_nl) > 300:
        raise QuestionInvalid(str(_l("A question has at most 300 characters.")))
    choices = [(en.strip(), nl.strip()) for en, nl in spec.choices if en.strip() or nl.strip()]
    if spec.kind in CHOICE_KINDS:
        if len(choices) < 2 or len(choices) > MAX_CHOICES:
            raise QuestionInvalid(str(_l("A choice question has 2 to %(n)d choices.", n=MAX_CHOICES)))
        if any(not en or len(en) > 200 or len(nl) > 200 for en, nl in choices):
            raise QuestionInvalid(str(_l("Every choice needs an English text of at most 200 characters.")))
    else:
        choices = []
    return QuestionSpec(spec.kind, text, text_nl, bool(spec.required), list(spec.category_ids), choices)


def _categories(ids: Sequence[int]) -> list[RegistrationCategory]:
    if not ids:
        return []
    found = list(db.session.scalars(sa.select(RegistrationCategory).where(RegistrationCategory.id.in_(ids))))
    if len(found) != len(set(ids)):
        raise QuestionInvalid(str(_l("Choose categories from the list.")))
    return found


def list_questions() -> list[Question]:
    """Every question in the organisers' order, with categories and choices (three queries)."""
    return list(db.session.scalars(
        sa.select(Question)
        .options(selectinload(Question.categories), selectinload(Question.choices))
        .order_by(Question.position, Question.id)
    ))


def _answered(question: Question) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(Answer.question_id == question.id))) is True


def create_question(*, actor: User, spec: QuestionSpec) -> Question:
    spec = check_question(spec)
    last = db.session.scalar(sa.select(sa.func.max(Question.position))) or 0
    question = Question(
        kind=spec.kind, text=spec.text, text_nl=spec.text_nl, required=spec.required, position=last + 1,
        categories=_categories(spec.category_ids),
        choices=[QuestionChoice(position=n, text=en, text_nl=nl) for n, (en, nl) in enumerate(spec.choices)],
    )
    db.session.add(question)
    db.session.flush()
    record_audit(actor, "question-create", question, kind=spec.kind.value)
    return question


def update_question(*, actor: User, question: Question, spec: QuestionSpec) -> Question:
    """Change the texts, categories and choices. Choices keep their rows by position, so
    answers stay with a choice whose wording is corrected; a removed choice loses its answers.
    The kind of an answered question stays: its answers would no longer fit."""
    spec = check_question(spec)
    if spec.kind != question.kind and _answered(question):
        raise QuestionInvalid(str(_l("This question has answers: its kind can no longer change.")))
    question.kind, question.text, question.text_nl, question.required = (
        spec.kind, spec.text, spec.text_nl, spec.required
    )
    question.categories = _categories(spec.category_ids)
    kept = question.choices[: len(spec.choices)]
    for choice, (en, nl) in zip(kept, spec.choices, strict=False):
        choice.text, choice.text_nl = en, nl
    question.choices = kept + [
        QuestionChoice(position=n, text=en, text_nl=nl)
        for n, (en, nl) in enumerate(spec.choices) if n >= len(kept)
    ]
    db.session.flush()
    record_audit(actor, "question-edit", question, kind=spec.kind.value)
    return question


def move_question(*, actor: User, question: Question, step: int) -> None:
    """Swap with the neighbour above (step -1) or below (+1); at either end nothing moves."""
    order = list_questions()
    index = next(n for n, q in enumerate(order) if q.id == question.id)
    other = index + (1 if step > 0 else -1)
    if not 0 <= other < len(order):
        return
    for position, q in enumerate(order, start=1):  # also mends equal positions
        q.position = position
    order[index].position, order[other].position = order[other].position, order[index].position
    db.session.flush()
    record_audit(actor, "question-move", question, step=1 if step > 0 else -1)


def delete_question(*, actor: User, question: Question) -> None:
    record_audit(actor, "question-delete", question, text=question.text)
    db.session.delete(question)  # its choices and answers go with it (ON DELETE CASCADE)
    db.session.flush()


@dataclass(frozen=True)
class CheckedAnswer:
    value: str = ""
    choice_ids: tuple[int, ...] = ()


def _check_one(question: Question, values: list[str]) -> CheckedAnswer:
    """One question's answer from the form's values, or QuestionInvalid with the reason."""
    kind = question.kind
    if kind == QuestionKind.TEXT:
        if len(values[0]) > TEXT_LIMIT:
            raise QuestionInvalid(_("At most %(n)d characters.", n=TEXT_LIMIT))
        return CheckedAnswer(value=values[0])
    if kind == QuestionKind.YES_NO:
        if values[0] not in ("yes", "no"):
            raise QuestionInvalid(_("Please answer yes or no."))
        return CheckedAnswer(value=values[0])
    if kind == QuestionKind.NUMBER:
        try:
            number = Decimal(values[0].replace(",", "."))
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite() or abs(number) >= Decimal("1e12") or len(values[0]) > 30:
            raise QuestionInvalid(_("Please give a number, such as 3 or 2.5."))
        return CheckedAnswer(value=str(number.normalize()) if number != number.to_integral() else str(int(number)))
    if kind == QuestionKind.DATE:
        try:
            return CheckedAnswer(value=date.fromisoformat(values[0]).isoformat())
        except ValueError:
            raise QuestionInvalid(_("Please give a date as year-month-day, such as 2022-07-14.")) from None
    offered = {choice.id for choice in question.choices}
    try:
        picked = tuple(sorted({int(v) for v in values}))
    except ValueError:
        picked = (0,)
    if not set(picked) <= offered or (kind == QuestionKind.CHOICE and len(picked) != 1):
        raise QuestionInvalid(_("Please choose from the list."))
    return CheckedAnswer(choice_ids=picked)


def check_answers(
    questions: Iterable[Question], raw: Mapping[int, Sequence[str]], *, category_id: int
) -> dict[int, CheckedAnswer]:
    """{question id: answer} for the questions asked in the category; every problem at once
    in AnswersInvalid (question id: message). An unanswered optional question has no entry."""
    checked: dict[int, CheckedAnswer] = {}
    problems: dict[int, str] = {}
    for question in questions:
        if not question.asks(category_id):
            continue
        values = [v.strip() for v in raw.get(question.id, ()) if v and v.strip()]
        if not values:
            if question.required:
                problems[question.id] = _("Please answer this question.")
            continue
        try:
            checked[question.id] = _check_one(question, values)
        except QuestionInvalid as exc:
            problems[question.id] = exc.message
    if problems:
        raise AnswersInvalid(problems)
    return checked


def save_answers(registration: Registration, answers: Mapping[int, CheckedAnswer]) -> None:
    """Make the registration's stored answers exactly `answers` (others are removed)."""
    stored = {a.question_id: a for a in db.session.scalars(
        sa.select(Answer).where(Answer.registration_id == registration.id).options(selectinload(Answer.choices))
    )} if registration.id is not None else {}
    choices = {c.id: c for c in db.session.scalars(sa.select(QuestionChoice).where(
        QuestionChoice.id.in_([cid for a in answers.values() for cid in a.choice_ids])
    ))} if any(a.choice_ids for a in answers.values()) else {}
    for question_id, answer in stored.items():
        if question_id not in answers:
            db.session.delete(answer)
    for question_id, checked in answers.items():
        row = stored.get(question_id) or Answer(registration_id=registration.id, question_id=question_id)
        row.value = checked.value
        row.choices = [choices[cid] for cid in checked.choice_ids]
        row.updated_at = utcnow()
        db.session.add(row)
    db.session.flush()


def answers_open(registration: Registration, now: datetime | None = None) -> bool:
    """Answers may change while the registration is active and its category still open."""
    closes_at = registration.category.closes_at
    return registration.is_active and (closes_at is None or (now or utcnow()) < closes_at)


def update_answers(
    *, registration: Registration, raw: Mapping[int, Sequence[str]], actor: User, now: datetime | None = None,
    after_closing: bool = False,
) -> None:
    """Replace the registration's answers. `after_closing`: an organiser mends them for a
    delegate (the help desk) after registration closed; delegates themselves may not."""
    if not registration.is_active or not (after_closing or answers_open(registration, now)):
        raise AnswersClosed()
    save_answers(registration, check_answers(list_questions(), raw, category_id=registration.category_id))
    if actor.id != registration.user_id:
        record_audit(actor, "answers-edit", registration)


def answers_of(registration_ids: Sequence[int] | None = None) -> dict[int, dict[int, Answer]]:
    """{registration id: {question id: answer}} with the choices, in two queries (None: all)."""
    stmt = sa.select(Answer).options(selectinload(Answer.choices))
    if registration_ids is not None:
        stmt = stmt.where(Answer.registration_id.in_(registration_ids))
    found: dict[int, dict[int, Answer]] = {}
    for answer in db.session.scalars(stmt):
        found.setdefault(answer.registration_id, {})[answer.question_id] = answer
    return found


def answer_counts() -> tuple[dict[int, int], dict[int, int]]:
    """({question id: answers}, {choice id: times chosen}) over registrations not cancelled,
    in two grouped queries: how many go on the canal tour, how many come to the party."""
    active = sa.and_(Answer.registration_id == Registration.id, Registration.status != RegistrationStatus.CANCELLED)
    per_question = db.session.execute(
        sa.select(Answer.question_id, sa.func.count()).join(Registration, active).group_by(Answer.question_id)
    ).tuples().all()
    per_choice = db.session.execute(
        sa.select(answer_choice.c.choice_id, sa.func.count())
        .join(Answer, Answer.id == answer_choice.c.answer_id).join(Registration, active)
        .group_by(answer_choice.c.choice_id)
    ).tuples().all()
    return dict(per_question), dict(per_choice)


def answer_cell(answer: Answer | None) -> str:
    """An answer in the CSV: the choices' English labels, else the stored value."""
    if answer is None:
        return ""
    return "; ".join(choice.text for choice in answer.choices) if answer.choices else answer.value


def answer_text(answer: Answer | None, language: str = "en") -> str:
    """An answer as a person reads it: the chosen choices' labels, yes or no, or the value."""
    if answer is None:
        return ""
    if answer.choices:
        return "; ".join(choice.label(language) for choice in answer.choices)
    if answer.value in ("yes", "no") and answer.question.kind == QuestionKind.YES_NO:
        return _("yes") if answer.value == "yes" else _("no")
    return answer.value
