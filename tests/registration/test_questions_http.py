"""Organisers' questions through HTTP: the organiser pages, the registration form, the
delegate's answers page, and answers in the organiser's view, filters and CSV."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import sqlalchemy as sa

from esof.accounts.models import Role, User
from esof.db import utcnow
from esof.extensions import db
from esof.registration import questions
from esof.registration.models import Answer, Question, QuestionKind, Registration
from esof.registration.questions import QuestionSpec
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory, form_data, register
from tests.support import log_in, submit_form


def logged_in(client, email: str, **kwargs) -> User:
    user = UserFactory(email=email, **kwargs)
    db.session.commit()
    log_in(client, email)
    return user


def organiser(client) -> User:
    return logged_in(client, "org@example.org", roles=[Role.ORGANISER])


def ask(kind: QuestionKind, text: str, **spec) -> Question:
    question = questions.create_question(actor=UserFactory(), spec=QuestionSpec(kind=kind, text=text, **spec))
    db.session.commit()
    return question


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_question_pages_need_the_organiser_role(app, client) -> None:
    question = ask(QuestionKind.TEXT, "Why?")
    logged_in(client, "ada@example.org")
    for url in ("/registration/organiser/questions", "/registration/organiser/questions/new",
                f"/registration/organiser/questions/{question.id}/edit"):
        assert client.get(url).status_code == 403, url
    response = submit_form(client, f"/registration/organiser/questions/{question.id}/delete", {},
                           page="/registration/answers")
    assert response.status_code in (403, 404)
    assert count(Question) == 1


def test_organiser_creates_orders_edits_and_deletes_questions(app, client) -> None:
    press = CategoryFactory(code="press", name="Press")
    organiser(client)
    response = submit_form(client, "/registration/organiser/questions/new", {
        "text": "Which excursion?", "text_nl": "Welke excursie?", "kind": "choice", "required": "y",
        "choices_en": "Canal tour\nMuseum\n", "choices_nl": "Rondvaart\nMuseum", "categories": [str(press.id)],
    })
    assert response.status_code == 302
    submit_form(client, "/registration/organiser/questions/new", {"text": "Party?", "kind": "yes-no"},
                page="/registration/organiser/questions/new")
    excursion, party = questions.list_questions()
    assert (excursion.text_nl, excursion.required, [c.text_nl for c in excursion.choices]) == (
        "Welke excursie?", True, ["Rondvaart", "Museum"]
    )
    assert [c.code for c in excursion.categories] == ["press"] and party.categories == []
    submit_form(client, f"/registration/organiser/questions/{party.id}/move", {"direction": "up"},
                page="/registration/organiser/questions")
    db.session.expire_all()
    assert [q.text for q in questions.list_questions()] == ["Party?", "Which excursion?"]
    page = client.get("/registration/organiser/questions").get_data(as_text=True)
    assert page.index("Party?") < page.index("Which excursion?") and "Welke excursie?" in page
    submit_form(client, f"/registration/organiser/questions/{party.id}/delete", {},
                page="/registration/organiser/questions")
    db.session.expire_all()
    assert [q.text for q in questions.list_questions()] == ["Which excursion?"]


def test_bad_question_re_renders_with_message_and_saves_nothing(app, client) -> None:
    organiser(client)
    one_choice = submit_form(client, "/registration/organiser/questions/new",
                             {"text": "Pick", "kind": "choice", "choices_en": "Only"})
    assert one_choice.status_code == 422
    assert "A choice question has 2 to 30 choices." in one_choice.get_data(as_text=True)
    no_text = submit_form(client, "/registration/organiser/questions/new", {"text": "", "kind": "text"})
    assert no_text.status_code == 422
    unknown_kind = submit_form(client, "/registration/organiser/questions/new", {"text": "X", "kind": "essay"})
    assert unknown_kind.status_code == 422
    no_csrf = client.post("/registration/organiser/questions/new", data={"text": "X", "kind": "text"})
    assert no_csrf.status_code in (400, 422)
    assert count(Question) == 0


def test_registration_form_asks_and_saves_answers_of_the_chosen_category(app, client) -> None:
    CategoryFactory(code="regular")
    press = CategoryFactory(code="press")
    outlet = ask(QuestionKind.TEXT, "Which outlet?", required=True, category_ids=[press.id])
    nights = ask(QuestionKind.NUMBER, "How many nights?")
    extras = ask(QuestionKind.CHOICES, "Extras", choices=[("Dinner", "Diner"), ("Tour", "Rondleiding")])
    logged_in(client, "ada@example.org")
    page = client.get("/registration/").get_data(as_text=True)
    assert f'name="question-{outlet.id}"' in page and "Only for: press" in page
    assert f'type="checkbox" name="question-{extras.id}"' in page
    refused = submit_form(client, "/registration/", form_data("press", **{f"question-{nights.id}": "two"}))
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Please answer this question." in text and "Please give a number" in text
    assert count(Registration) == 0 and count(Answer) == 0
    done = submit_form(client, "/registration/", form_data("regular", **{
        f"question-{nights.id}": "3", f"question-{extras.id}": [str(extras.choices[0].id), str(extras.choices[1].id)],
    }))
    assert done.status_code == 302  # the press-only required question does not hold up regular
    [registration] = db.session.scalars(sa.select(Registration)).all()
    stored = questions.answers_of([registration.id])[registration.id]
    assert stored[nights.id].value == "3" and [c.text for c in stored[extras.id].choices] == ["Dinner", "Tour"]
    assert outlet.id not in stored


def test_delegate_changes_answers_on_the_answers_page_until_closing(app, client) -> None:
    category = CategoryFactory(code="regular")
    party = ask(QuestionKind.YES_NO, "Party?")
    user = logged_in(client, "ada@example.org")
    registration = register(user, category, answers={party.id: ["yes"]})
    db.session.commit()
    page = client.get("/registration/answers").get_data(as_text=True)
    assert 'value="yes" checked' in page
    response = submit_form(client, "/registration/answers", {f"question-{party.id}": "no"})
    assert response.status_code == 302
    db.session.expire_all()
    assert questions.answers_of([registration.id])[registration.id][party.id].value == "no"
    bad = submit_form(client, "/registration/answers", {f"question-{party.id}": "perhaps"})
    assert bad.status_code == 422 and "Please answer yes or no." in bad.get_data(as_text=True)
    category.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    closed = client.get("/registration/answers").get_data(as_text=True)
    assert "can no longer be changed" in closed and "Save my answers" not in closed
    late = submit_form(client, "/registration/answers", {f"question-{party.id}": "yes"},
                       page="/registration/privacy")
    assert late.status_code == 422
    db.session.expire_all()
    assert questions.answers_of([registration.id])[registration.id][party.id].value == "no"


def test_answers_page_without_registration_is_404(app, client) -> None:
    logged_in(client, "ada@example.org")
    assert client.get("/registration/answers").status_code == 404


def test_organiser_sees_filters_and_exports_answers(app, client) -> None:
    category = CategoryFactory(code="regular")
    excursion = ask(QuestionKind.CHOICE, "Excursion", choices=[("Canal", "Gracht"), ("Museum", "Museum")])
    remark = ask(QuestionKind.TEXT, "Remarks")
    canal, museum = excursion.choices
    first = register(UserFactory(), category, answers={excursion.id: [str(canal.id)], remark.id: ["=1+1 vegan"]})
    register(UserFactory(), category, answers={excursion.id: [str(museum.id)]})
    register(UserFactory(), category)
    db.session.commit()
    organiser(client)
    detail = client.get(f"/registration/organiser/{first.id}").get_data(as_text=True)
    assert "Excursion" in detail and "Canal" in detail and "=1+1 vegan" in detail
    by_choice = client.get(f"/registration/organiser/?question={excursion.id}&answer={canal.id}").get_data(as_text=True)
    assert "1 registration<" in by_choice
    by_label = client.get(f"/registration/organiser/?question={excursion.id}&answer=gracht").get_data(as_text=True)
    assert "1 registration<" in by_label  # the Dutch text of the choice
    by_text = client.get(f"/registration/organiser/?question={remark.id}&answer=VEGAN").get_data(as_text=True)
    assert "1 registration<" in by_text
    answered = client.get(f"/registration/organiser/?question={excursion.id}").get_data(as_text=True)
    assert "2 registrations<" in answered
    rows = list(csv.reader(io.StringIO(client.get("/registration/organiser/export.csv").get_data(as_text=True))))
    header = rows[0]
    assert header[-2:] == [f"question {excursion.id}: Excursion", f"question {remark.id}: Remarks"]
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id[str(first.id)][-2:] == ["Canal", "'=1+1 vegan"]
    assert len(rows) == 4


def test_a_refused_voucher_and_a_missing_answer_are_shown_together(app, client) -> None:
    CategoryFactory(code="regular")
    meal = ask(QuestionKind.CHOICE, "Meal", required=True, choices=[("Fish", "Vis"), ("Vegan", "Veganistisch")])
    logged_in(client, "ada@example.org")
    response = submit_form(client, "/registration/", form_data("regular", voucher="NOSUCHCODE"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="voucher-error">There is no voucher with this code.' in page
    assert f'<p class="error" id="question-{meal.id}-error">Please answer this question.</p>' in page
    assert count(Registration) == 0


def test_posting_to_the_contract_url_creates_a_question(app, client) -> None:
    organiser(client)
    response = submit_form(client, "/registration/organiser/questions", {"text": "Party?", "kind": "yes-no"})
    assert response.status_code == 302
    assert [q.text for q in questions.list_questions()] == ["Party?"]


def test_questions_and_choices_are_asked_in_dutch(app, client) -> None:
    CategoryFactory(code="regular")
    ask(QuestionKind.CHOICE, "Which excursion?", text_nl="Welke excursie?",
        choices=[("Canal tour", "Rondvaart"), ("Museum", "")])
    logged_in(client, "ada@example.org", language="nl")
    page = client.get("/registration/", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Welke excursie?" in page and "Rondvaart" in page
    assert ">Museum</label>" in page  # no Dutch given: the English text
    assert "Vragen van de organisatoren" in page and "Kortingscode" in page


def test_questions_page_counts_answers_of_registrations_not_cancelled(app, client) -> None:
    from esof.registration import services

    category = CategoryFactory(code="regular")
    excursion = ask(QuestionKind.CHOICE, "Excursion", choices=[("Canal", "Gracht"), ("Museum", "Museum")])
    canal, museum = (str(c.id) for c in excursion.choices)
    for choice in (canal, canal, museum):
        register(UserFactory(), category, answers={excursion.id: [choice]})
    gone = register(UserFactory(), category, answers={excursion.id: [canal]})
    db.session.commit()
    services.cancel_registration(registration=gone, actor=None)
    db.session.commit()
    organiser(client)
    page = client.get("/registration/organiser/questions").get_data(as_text=True)
    assert "Canal (2) · Museum (1)" in page
    assert '<td class="number">3</td>' in page


def test_organiser_changes_a_delegates_answers_after_closing_with_an_audit_row(app, client) -> None:
    from esof.accounts.models import AuditLog

    category = CategoryFactory(code="regular")
    party = ask(QuestionKind.YES_NO, "Party?")
    registration = register(UserFactory(), category, answers={party.id: ["yes"]})
    category.closes_at = utcnow() - timedelta(days=1)
    db.session.commit()
    organiser(client)
    url = f"/registration/organiser/{registration.id}/answers"
    assert f'href="{url}"' in client.get(f"/registration/organiser/{registration.id}").get_data(as_text=True)
    response = submit_form(client, url, {f"question-{party.id}": "no"})
    assert response.status_code == 302 and response.location == f"/registration/organiser/{registration.id}"
    db.session.expire_all()
    assert questions.answers_of([registration.id])[registration.id][party.id].value == "no"
    assert db.session.scalar(sa.select(AuditLog.action).where(AuditLog.action == "answers-edit")) == "answers-edit"


def test_delegates_cannot_use_the_organisers_answers_page(app, client) -> None:
    category = CategoryFactory(code="regular")
    party = ask(QuestionKind.YES_NO, "Party?")
    other = register(UserFactory(), category, answers={party.id: ["yes"]})
    db.session.commit()
    logged_in(client, "ada@example.org")
    assert client.get(f"/registration/organiser/{other.id}/answers").status_code == 403
