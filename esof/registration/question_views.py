"""Organisers' questions (list in order, create, edit, move, delete) and the delegate's own
pages for their answers and their billing details after registering."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from esof import access
from esof.accounts.auth import roles_required
from esof.accounts.models import Role
from esof.errors import Busy, DomainError
from esof.extensions import db
from esof.form_choices import choices
from esof.registration.billing_errors import BillingInvalid
from esof.registration.blueprint import answers_busy, bp, page_language
from esof.registration.categories import list_categories
from esof.registration.delegates import active_registration_for
from esof.registration.errors import AnswersInvalid
from esof.registration.forms import AnswersForm, BillingForm, ConfirmForm, QuestionForm
from esof.registration.invoicing import BillingInput, billing_details_for, save_billing_details
from esof.registration.models import Answer, Question, QuestionKind, Registration
from esof.registration.questions import (
    QuestionSpec,
    answer_counts,
    answers_of,
    answers_open,
    create_question,
    delete_question,
    list_questions,
    move_question,
    update_answers,
    update_question,
)

BILLING_FIELDS = {"name": "billing_name", "address": "billing_address", "vat_number": "billing_vat_number",
                  "po_reference": "billing_po_reference"}


def raw_answers(form: MultiDict[str, str], questions: Sequence[Question]) -> dict[int, list[str]]:
    """The form's values per question: inputs are named question-<id> (several for checkboxes)."""
    return {q.id: form.getlist(f"question-{q.id}") for q in questions}


def stored_as_raw(answers: Mapping[int, Answer]) -> dict[int, list[str]]:
    return {
        question_id: [str(c.id) for c in answer.choices] if answer.choices else [answer.value]
        for question_id, answer in answers.items()
    }


def billing_input(form: BillingForm | object) -> BillingInput:
    return BillingInput(**{name: getattr(form, field).data or "" for name, field in BILLING_FIELDS.items()})


def show_billing_error(form: object, error: BillingInvalid) -> bool:
    """Put the error on its field; False if the form has no such field."""
    field = getattr(form, BILLING_FIELDS.get(error.field, ""), None)
    if field is None:
        return False
    field.errors = [*field.errors, error.message]
    return True


# Organisers ------------------------------------------------------------------------------

def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines()]


def _spec(form: QuestionForm) -> QuestionSpec:
    english, dutch = _lines(form.choices_en.data), _lines(form.choices_nl.data)
    dutch += [""] * (len(english) - len(dutch))
    return QuestionSpec(
        kind=QuestionKind(form.kind.data), text=form.text.data or "", text_nl=form.text_nl.data or "",
        required=bool(form.required.data), category_ids=list(form.categories.data or []),
        choices=list(zip(english, dutch[: len(english)], strict=True)),
    )


@bp.route("/organiser/questions", methods=["GET", "POST"])
@roles_required(Role.ORGANISER)
@answers_busy
def organiser_questions() -> ResponseReturnValue:
    """The list in order; a POST here creates a question (the contract names this URL)."""
    if request.method == "POST":
        return _question_form(None)
    per_question, per_choice = answer_counts()
    return render_template(
        "registration/question_list.html", questions=list_questions(), action_form=ConfirmForm(),
        language=page_language(), per_question=per_question, per_choice=per_choice,
    )


@bp.route("/organiser/questions/new", methods=["GET", "POST"], defaults={"question_id": None})
@bp.route("/organiser/questions/<int:question_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ORGANISER)
@answers_busy
def organiser_question_edit(question_id: int | None) -> ResponseReturnValue:
    return _question_form(question_id)


def _question_form(question_id: int | None) -> ResponseReturnValue:
    question = db.get_or_404(Question, question_id) if question_id else None
    form = QuestionForm(obj=question)
    form.categories.choices = choices((c.id, c.label(page_language())) for c in list_categories())
    if question is not None and request.method == "GET":
        form.kind.data = question.kind.value
        form.categories.data = [c.id for c in question.categories]
        form.choices_en.data = "\n".join(c.text for c in question.choices)
        form.choices_nl.data = "\n".join(c.text_nl for c in question.choices)
    if form.validate_on_submit():
        try:
            if question is None:
                create_question(actor=current_user, spec=_spec(form))
            else:
                update_question(actor=current_user, question=question, spec=_spec(form))
        except Busy:
            raise  # answered by @answers_busy
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("The question is saved."), "success")
            return redirect(url_for("registration.organiser_questions"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("registration/question_form.html", form=form, question=question), status


@bp.post("/organiser/questions/<int:question_id>/move")
@roles_required(Role.ORGANISER)
@answers_busy
def organiser_question_move(question_id: int) -> ResponseReturnValue:
    question = db.get_or_404(Question, question_id)
    direction = request.form.get("direction")
    if not ConfirmForm().validate_on_submit() or direction not in ("up", "down"):
        abort(400)
    move_question(actor=current_user, question=question, step=-1 if direction == "up" else 1)
    db.session.commit()
    return redirect(url_for("registration.organiser_questions"))


@bp.post("/organiser/questions/<int:question_id>/delete")
@roles_required(Role.ORGANISER)
@answers_busy
def organiser_question_delete(question_id: int) -> ResponseReturnValue:
    question = db.get_or_404(Question, question_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    delete_question(actor=current_user, question=question)
    db.session.commit()
    flash(_("The question and its answers are deleted."), "success")
    return redirect(url_for("registration.organiser_questions"))


# The delegate ----------------------------------------------------------------------------

def _own_active_registration() -> Registration:
    registration = active_registration_for(current_user)
    if registration is None:
        abort(404)
    return registration


@bp.route("/answers", methods=["GET", "POST"])
@login_required
@access.login
@answers_busy
def registration_answers() -> ResponseReturnValue:
    registration = _own_active_registration()
    return _answers_page(registration, by_organiser=False)


@bp.route("/organiser/<int:registration_id>/answers", methods=["GET", "POST"])
@roles_required(Role.ORGANISER)
@answers_busy
def organiser_answers(registration_id: int) -> ResponseReturnValue:
    """The help desk changes a delegate's answers, also after registration closed (audited)."""
    registration = db.get_or_404(Registration, registration_id)
    if not registration.is_active:
        abort(404)
    return _answers_page(registration, by_organiser=True)


def _answers_page(registration: Registration, *, by_organiser: bool) -> ResponseReturnValue:
    questions = [q for q in list_questions() if q.asks(registration.category_id)]
    form = AnswersForm()
    is_open = by_organiser or answers_open(registration)
    values = stored_as_raw(answers_of([registration.id]).get(registration.id, {}))
    problems: dict[int, str] = {}
    if by_organiser:
        action = url_for("registration.organiser_answers", registration_id=registration.id)
        back = url_for("registration.organiser_registration", registration_id=registration.id)
    else:
        action = url_for("registration.registration_answers")
        back = url_for("registration.registration_detail", registration_id=registration.id)
    if form.validate_on_submit():
        values = raw_answers(request.form, questions)
        try:
            update_answers(registration=registration, raw=values, actor=current_user, after_closing=by_organiser)
        except Busy:
            raise
        except AnswersInvalid as exc:
            db.session.rollback()
            problems = exc.problems
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("The answers are saved.") if by_organiser else _("Your answers are saved."), "success")
            return redirect(back)
    status = 422 if problems or form.errors or form.form_errors else 200
    return render_template(
        "registration/answers.html", form=form, registration=registration, questions=questions,
        values=values, problems=problems, is_open=is_open, language=page_language(), action=action, back=back,
        by_organiser=by_organiser,
    ), status


@bp.route("/billing", methods=["GET", "POST"])
@login_required
@access.login
@answers_busy
def registration_billing() -> ResponseReturnValue:
    registration = _own_active_registration()
    details = billing_details_for(registration)
    form = BillingForm()
    if request.method == "GET" and details is not None:
        form.billing_name.data, form.billing_address.data = details.name, details.address
        form.billing_vat_number.data, form.billing_po_reference.data = details.vat_number, details.po_reference
    if form.validate_on_submit():
        try:
            save_billing_details(registration=registration, details=billing_input(form), actor=current_user)
        except Busy:
            raise
        except BillingInvalid as exc:
            db.session.rollback()
            if not show_billing_error(form, exc):
                form.form_errors.append(exc.message)
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Your billing details are saved."), "success")
            return redirect(url_for("registration.registration_detail", registration_id=registration.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("registration/answers_billing.html", form=form, registration=registration), status
