"""Cancellation and refunds: a paid registration cancelled gets its refund due by the rules at that
moment, with a credit note of its own sequence; organisers mark it done once (conditional UPDATE,
audit row); the rules page, the confirmation step, the counts and the CSV cells."""
from __future__ import annotations

import csv
import io
import subprocess
import threading
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from esof.accounts.models import AuditLog, Role
from esof.extensions import db
from esof.registration.billing_errors import RefundNotDue
from esof.registration.billing_models import BillingDocument, DocumentKind, Refund, RefundStatus
from esof.registration.delegates import cancel_registration
from esof.registration.invoicing import invoice_for
from esof.registration.models import PaymentStatus, Registration
from esof.registration.refunds import (
    cancellation_rules,
    mark_refund_done,
    refund_cells,
    refund_of,
    refund_totals,
    save_cancellation_rules,
)
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory, register
from tests.support import csrf_token_from, log_in, submit_form

FULL_UNTIL, PARTIAL_UNTIL = date(2022, 5, 31), date(2022, 6, 30)


def rules(percent: int = 50) -> None:
    save_cancellation_rules(full_refund_until=FULL_UNTIL, partial_refund_percent=percent,
                            partial_refund_until=PARTIAL_UNTIL, actor=UserFactory(roles=[Role.ORGANISER]))


def paid(fee: int = 45000, email: str | None = None) -> Registration:
    user = UserFactory(**({"email": email} if email else {}))
    registration = register(user, CategoryFactory(fee_cents=fee))
    registration.payment_status = PaymentStatus.PAID
    registration.paid_at = datetime(2022, 5, 1, tzinfo=UTC)
    db.session.flush()
    return registration


def credit_notes(registration_id: int) -> list[BillingDocument]:
    return list(db.session.scalars(sa.select(BillingDocument).where(
        BillingDocument.registration_id == registration_id, BillingDocument.kind == DocumentKind.CREDIT_NOTE)))


@pytest.mark.parametrize(("moment", "amount"), [
    (datetime(2022, 5, 31, 21, 59, tzinfo=UTC), 45000),  # 23:59 on the full-refund day in Leiden
    (datetime(2022, 5, 31, 22, 0, tzinfo=UTC), 22500),  # 00:00 on 1 June in Leiden
    (datetime(2022, 6, 30, 21, 59, tzinfo=UTC), 22500),
])
def test_cancelling_a_paid_registration_sets_the_refund_due_by_the_rules(app, moment, amount) -> None:
    rules()
    registration = paid()
    cancel_registration(registration=registration, actor=registration.user, now=moment)
    db.session.commit()
    refund = refund_of(registration.id)
    assert (refund.status, refund.amount_cents, refund.paid_cents) == (RefundStatus.DUE, amount, 45000)
    # The invoice was never asked for: it is issued, then credited by the refund.
    [invoice] = [d for d in db.session.scalars(sa.select(BillingDocument)) if d.kind == DocumentKind.INVOICE]
    [note] = credit_notes(registration.id)
    assert (invoice.number, note.number, note.credits_id, note.total_cents) == (1, 1, invoice.id, amount)
    assert refund.credit_note_id == note.id


def test_no_refund_after_the_last_day(app) -> None:
    rules()
    registration = paid()
    cancel_registration(registration=registration, actor=registration.user,
                        now=datetime(2022, 6, 30, 22, 0, tzinfo=UTC))
    db.session.commit()
    assert refund_of(registration.id) is None and credit_notes(registration.id) == []


def test_organisers_cancelling_refund_everything(app) -> None:
    rules(percent=0)
    registration = paid()
    cancel_registration(registration=registration, actor=UserFactory(roles=[Role.ORGANISER]), reason="organiser",
                        now=datetime(2022, 7, 10, tzinfo=UTC))
    assert refund_of(registration.id).amount_cents == 45000


def test_cancelling_an_unpaid_invoiced_registration_credits_the_invoice_in_full(app) -> None:
    registration = register(UserFactory(), CategoryFactory(fee_cents=45000))
    invoice_for(registration)
    cancel_registration(registration=registration, actor=registration.user)
    [note] = credit_notes(registration.id)
    assert (note.total_cents, note.reason) == (45000, "cancelled") and refund_of(registration.id) is None


def test_credit_notes_have_their_own_gapless_sequence(app) -> None:
    first, second = paid(), paid()
    invoice_for(first), invoice_for(second)
    for registration in (first, second):
        cancel_registration(registration=registration, actor=registration.user)
    numbers = sorted(note.number_text for r in (first, second) for note in credit_notes(r.id))
    assert numbers == ["ESOF2022-CN-00001", "ESOF2022-CN-00002"]


def test_refund_done_once_with_one_audit_row(app) -> None:
    registration = paid()
    cancel_registration(registration=registration, actor=registration.user)
    organiser = UserFactory(roles=[Role.ORGANISER])
    refund = refund_of(registration.id)
    mark_refund_done(refund=refund, actor=organiser)
    with pytest.raises(RefundNotDue):
        mark_refund_done(refund=refund, actor=organiser)
    db.session.commit()
    refund = refund_of(registration.id)
    assert refund.status == RefundStatus.DONE and refund.done_by_id == organiser.id and refund.done_at
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.action == "refund-done")) == 1


@pytest.mark.postgres
def test_two_organisers_marking_the_same_refund_done_at_once(pg_app) -> None:
    registration = paid()
    cancel_registration(registration=registration, actor=registration.user)
    organisers = [UserFactory(roles=[Role.ORGANISER]).id for _ in range(8)]
    db.session.commit()
    refund_id = refund_of(registration.id).id
    barrier = threading.Barrier(len(organisers))
    outcomes: list[str] = []

    def mark(organiser_id: int) -> None:
        from esof.accounts.models import User

        with pg_app.app_context():
            barrier.wait()
            try:
                mark_refund_done(refund=db.session.get_one(Refund, refund_id),
                                 actor=db.session.get_one(User, organiser_id))
                db.session.commit()
                outcomes.append("done")
            except RefundNotDue:
                db.session.rollback()
                outcomes.append("not due")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=mark, args=(oid,)) for oid in organisers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["done"] + ["not due"] * (len(organisers) - 1)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.action == "refund-done")) == 1


def test_counts_and_csv_cells(app) -> None:
    due, done, unpaid = paid(), paid(), register(UserFactory(), CategoryFactory())
    for registration in (due, done):
        cancel_registration(registration=registration, actor=registration.user)
    mark_refund_done(refund=refund_of(done.id), actor=UserFactory(roles=[Role.ORGANISER]))
    totals = refund_totals()
    assert (totals[RefundStatus.DUE].count, totals[RefundStatus.DUE].cents) == (1, 45000)
    assert (totals[RefundStatus.DONE].count, totals[RefundStatus.DONE].cents) == (1, 45000)
    assert refund_cells([due.id, done.id, unpaid.id]) == {due.id: ("450.00", ""), done.id: ("", "450.00")}
    assert refund_cells([]) == {}


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()


def test_delegate_sees_the_refund_before_cancelling_and_gets_a_credit_note(app, client) -> None:
    save_cancellation_rules(full_refund_until=date(2022, 1, 1), partial_refund_percent=40, partial_refund_until=None,
                            actor=UserFactory(roles=[Role.ORGANISER]))
    registration = paid(email="zoe@example.org")
    db.session.commit()
    log_in(client, "zoe@example.org")
    detail = client.get(f"/registration/{registration.id}").get_data(as_text=True)
    assert f"/registration/{registration.id}/cancel/confirm" in detail
    confirm = client.get(f"/registration/{registration.id}/cancel/confirm").get_data(as_text=True)
    assert "You get €180.00 back (40 % of the €450.00 you paid)" in confirm
    assert "button-danger" in confirm and "Yes, cancel my registration" in confirm
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).is_active  # the confirmation step changes nothing
    response = submit_form(client, f"/registration/{registration.id}/cancel", {},
                           page=f"/registration/{registration.id}/cancel/confirm")
    assert response.status_code == 302
    page = client.get(f"/registration/{registration.id}").get_data(as_text=True)
    assert "Refund of €180.00 on its way" in page and "ESOF2022-CN-00001" in page
    text = pdf_text(client.get("/registration/credit-note.pdf").data)
    assert "Credit note ESOF2022-CN-00001" in text and "Credits invoice ESOF2022-00001" in text
    assert "-€180.00" in text and "refunded to the account" in text


def test_another_delegates_cancel_confirmation_is_404(app, client) -> None:
    theirs = paid()
    UserFactory(email="eve@example.org")
    db.session.commit()
    log_in(client, "eve@example.org")
    assert client.get(f"/registration/{theirs.id}/cancel/confirm").status_code == 404


def organiser_client(app):
    organiser = UserFactory(roles=[Role.ORGANISER])
    db.session.commit()
    staff = app.test_client()
    log_in(staff, organiser.email)
    return staff


def test_rules_page_saves_and_refuses_bad_input(app) -> None:
    staff = organiser_client(app)
    page = staff.get("/registration/organiser/refund-rules")
    assert page.status_code == 200 and "Cancellation rules" in page.get_data(as_text=True)
    saved = submit_form(staff, "/registration/organiser/refund-rules", {
        "full_refund_until": "2022-05-31", "partial_refund_percent": "50", "partial_refund_until": "2022-06-30"})
    assert saved.status_code == 302
    assert cancellation_rules().full_refund_until == FULL_UNTIL
    assert 'data-refund-today="0"' in staff.get("/registration/organiser/refund-rules").get_data(as_text=True)
    for bad in ({"full_refund_until": "2022-06-30", "partial_refund_percent": "50",
                 "partial_refund_until": "2022-05-31"},
                {"full_refund_until": "", "partial_refund_percent": "150", "partial_refund_until": ""}):
        refused = submit_form(staff, "/registration/organiser/refund-rules", bad)
        assert refused.status_code == 422
        db.session.expire_all()
        assert cancellation_rules().partial_refund_until == PARTIAL_UNTIL
    assert "cannot end before the full refund" in submit_form(
        staff, "/registration/organiser/refund-rules", {"full_refund_until": "2022-06-30",
                                                        "partial_refund_percent": "50",
                                                        "partial_refund_until": "2022-05-31"}).get_data(as_text=True)
    no_csrf = staff.post("/registration/organiser/refund-rules", data={"partial_refund_percent": "10"})
    assert no_csrf.status_code == 400 and cancellation_rules().partial_refund_percent == 50


def test_delegates_cannot_use_the_organiser_refund_pages(app, client) -> None:
    registration = paid(email="zoe@example.org")
    cancel_registration(registration=registration, actor=registration.user)
    db.session.commit()
    log_in(client, "zoe@example.org")
    token = csrf_token_from(client.get(f"/registration/{registration.id}").get_data(as_text=True))
    assert client.get("/registration/organiser/refund-rules").status_code == 403
    assert client.get("/registration/organiser/refunds").status_code == 403
    assert client.post(f"/registration/organiser/{registration.id}/refund-done",
                       data={"csrf_token": token}).status_code == 403
    assert refund_of(registration.id).status == RefundStatus.DUE


def test_organiser_marks_a_refund_done_from_the_registration_page(app) -> None:
    registration = paid()
    cancel_registration(registration=registration, actor=registration.user)
    staff = organiser_client(app)
    listing = staff.get("/registration/organiser/refunds").get_data(as_text=True)
    assert registration.payment_reference in listing and 'data-refunds-due="1"' in listing
    detail = f"/registration/organiser/{registration.id}"
    assert "Refund due: €450.00" in staff.get(detail).get_data(as_text=True)
    assert staff.post(f"{detail}/refund-done", data={}).status_code == 400  # no CSRF token
    done = submit_form(staff, f"{detail}/refund-done", {}, page=detail)
    assert done.status_code == 302
    again = submit_form(staff, f"{detail}/refund-done", {}, page="/registration/organiser/refunds")
    assert again.status_code == 302
    page = staff.get(detail).get_data(as_text=True)
    assert "Refund done: €450.00" in page and "no longer due" in page
    db.session.expire_all()
    assert refund_of(registration.id).status == RefundStatus.DONE
    listing = staff.get("/registration/organiser/refunds?status=done").get_data(as_text=True)
    assert 'data-refunds-done="1"' in listing and 'data-refunds-due="0"' in listing
    pdf = staff.get(f"{detail}/credit-note.pdf")
    assert pdf.status_code == 200 and "ESOF2022-CN-00001" in pdf_text(pdf.data)


def test_the_confirmation_step_in_dutch(app, client) -> None:
    registration = paid(email="jan@example.nl")
    registration.user.language = "nl"
    db.session.commit()
    log_in(client, "jan@example.nl")
    page = client.get(f"/registration/{registration.id}/cancel/confirm",
                      headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Je registratie annuleren?" in page and "Ja, mijn registratie annuleren" in page
    assert "€ 450,00" in page.replace("\xa0", " ")


def test_the_registrations_csv_and_list_show_refunds_due_and_done(app) -> None:
    due, done = paid(), paid()
    for registration in (due, done):
        cancel_registration(registration=registration, actor=registration.user)
    mark_refund_done(refund=refund_of(done.id), actor=UserFactory(roles=[Role.ORGANISER]))
    db.session.commit()
    staff = organiser_client(app)
    rows = list(csv.DictReader(io.StringIO(staff.get("/registration/organiser/export.csv").get_data(as_text=True))))
    by_id = {int(row["id"]): row for row in rows}
    assert (by_id[due.id]["refund_due_eur"], by_id[due.id]["refund_done_eur"]) == ("450.00", "")
    assert (by_id[done.id]["refund_due_eur"], by_id[done.id]["refund_done_eur"]) == ("", "450.00")
    listing = staff.get("/registration/organiser/").get_data(as_text=True)
    assert 'data-refunds-due="1"' in listing and 'data-refunds-done="1"' in listing


def test_an_organiser_cancelling_is_asked_first_with_the_refund(app) -> None:
    registration = paid()
    db.session.commit()
    staff = organiser_client(app)
    page = f"/registration/organiser/{registration.id}"
    asked = submit_form(staff, f"{page}/cancel", {}, page=page)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Cancel the registration of" in html
    assert "A refund of €450.00 is due" in html and "button button-danger" in html
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status.value == "confirmed"
    confirmed = staff.post(f"{page}/cancel", data={"csrf_token": csrf_token_from(html), "confirmed": "yes"})
    assert confirmed.status_code == 302
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status.value == "cancelled"
    assert refund_of(registration.id).amount_cents == 45000
