"""Bulk "mark paid" from a bank statement: reading bank CSV dialects, the preview's matches and
mismatches, and the confirm that applies each line once (one conditional UPDATE, one audit row)."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from esof.accounts.models import AuditLog, Role
from esof.extensions import db
from esof.registration.bank_statement import (
    Outcome,
    apply_statement,
    parse_amount,
    preview_statement,
    read_statement,
)
from esof.registration.billing_errors import StatementTooLarge, StatementUnreadable
from esof.registration.models import PaymentStatus, Registration, RegistrationStatus
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory, register
from tests.support import csrf_token_from, log_in

LIMIT = 100_000


@pytest.mark.parametrize(("text", "cents"), [
    ("450,00", 45000), ("450.00", 45000), ("1.234,56", 123456), ("1234.56", 123456), ("1,234.56", 123456),
    ("€ 450", 45000), ("+450.00 EUR", 45000), ("-12.5", -1250), ("1.234", 123400), ("12,5", 1250),
    ("", None), ("abc", None), ("1,2,3.4.5", None), ("12.345,678", None),
])
def test_amounts_in_every_notation(text: str, cents: int | None) -> None:
    assert parse_amount(text) == cents


def test_semicolons_bom_and_decimal_comma() -> None:
    data = "\ufeffDatum;Naam;Bedrag;Omschrijving\n2022-05-02;A. Lovelace;1.234,56;ESOF-0123456789 fee\n".encode()
    [line] = read_statement(data, max_bytes=LIMIT)
    assert (line.line_no, line.reference, line.amount_cents) == (2, "ESOF-0123456789", 123456)


def test_commas_and_a_reference_column() -> None:
    data = b"reference,amount\nESOF-0123456789,450.00\nesof 0000000002,1234.56\n"
    lines = read_statement(data, max_bytes=LIMIT)
    assert [(line.reference, line.amount_cents) for line in lines] == [
        ("ESOF-0123456789", 45000), ("ESOF-0000000002", 123456)]


def test_windows_1252_and_debit_column() -> None:
    data = "Naam;Af Bij;Bedrag (EUR);Mededelingen\nJosé;Af;450,00;ESOF-0123456789\nRené;Bij;450,00;ESOF-0123456780\n"
    lines = read_statement(data.encode("cp1252"), max_bytes=LIMIT)
    assert [line.amount_cents for line in lines] == [-45000, 45000]


def test_no_header_the_reference_is_found_anywhere() -> None:
    lines = read_statement(b"2022-05-02;450,00;ESOF-0123456789\n", max_bytes=LIMIT)
    assert [(line.reference, line.amount_cents) for line in lines] == [("ESOF-0123456789", 45000)]


@pytest.mark.parametrize("data", [b"", b"   \n", b"\x00\x01 just some words\nand more"])
def test_unreadable_files_are_refused(data: bytes) -> None:
    with pytest.raises(StatementUnreadable):
        read_statement(data, max_bytes=LIMIT)


def test_too_large_files_are_refused() -> None:
    with pytest.raises(StatementTooLarge):
        read_statement(b"x" * 101, max_bytes=100)


def pending(fee: int = 45000) -> Registration:
    return register(UserFactory(), CategoryFactory(fee_cents=fee))


def test_preview_sorts_each_line_and_changes_nothing(app) -> None:
    match, wrong, paid, cancelled = pending(), pending(), pending(), pending()
    paid.payment_status = PaymentStatus.PAID
    cancelled.status = RegistrationStatus.CANCELLED
    db.session.commit()
    text = "\n".join([
        "reference;amount",
        f"{match.payment_reference};450,00",
        f"{wrong.payment_reference};400,00",
        f"{paid.payment_reference};450,00",
        f"{cancelled.payment_reference};450,00",
        "ESOF-9999999999;450,00",
        f"{match.payment_reference};450,00",
        f"{wrong.payment_reference};-450,00",
    ])
    preview = preview_statement(read_statement(text.encode(), max_bytes=LIMIT))
    assert [p.outcome for p in preview] == [
        Outcome.MATCH, Outcome.WRONG_AMOUNT, Outcome.ALREADY_PAID, Outcome.CANCELLED,
        Outcome.UNKNOWN_REFERENCE, Outcome.DUPLICATE, Outcome.NOT_A_PAYMENT,
    ]
    assert preview[1].due_cents == 45000
    db.session.expire_all()
    assert db.session.get(Registration, match.id).payment_status == PaymentStatus.PENDING


def test_apply_marks_paid_once_with_one_audit_row(app) -> None:
    first, second = pending(), pending()
    organiser = UserFactory(roles=[Role.ORGANISER])
    db.session.commit()
    pairs = [(first.payment_reference, 45000), (second.payment_reference, 44000)]
    result = apply_statement(matches=pairs, actor=organiser)
    db.session.commit()
    assert result.applied == [first.payment_reference] and result.skipped == [second.payment_reference]
    again = apply_statement(matches=pairs, actor=organiser)
    db.session.commit()
    assert again.applied == []
    db.session.expire_all()
    assert db.session.get(Registration, first.id).payment_status == PaymentStatus.PAID
    assert db.session.get(Registration, first.id).paid_at is not None
    assert db.session.get(Registration, second.id).payment_status == PaymentStatus.PENDING
    audits = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "registration-payment")).all()
    assert len(audits) == 1


def organiser_client(client):
    UserFactory(email="org@example.org", roles=[Role.ORGANISER])
    db.session.commit()
    log_in(client, "org@example.org")
    return client


def upload(client, data: bytes, filename: str = "statement.csv"):
    token = csrf_token_from(client.get("/registration/organiser/bank-statement").get_data(as_text=True))
    return client.post("/registration/organiser/bank-statement", data={
        "csrf_token": token, "statement": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def test_upload_preview_then_confirm_twice_over_http(app, client) -> None:
    match, wrong = pending(), pending()
    db.session.commit()
    organiser_client(client)
    data = f"Omschrijving;Bedrag\nfee {match.payment_reference};450,00\n{wrong.payment_reference};1,00\n".encode()
    preview = upload(client, data)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Match: will be marked paid" in page and "Wrong amount: €450.00 is due" in page
    assert "Mark 1 registration paid" in page
    db.session.expire_all()
    assert db.session.get(Registration, match.id).payment_status == PaymentStatus.PENDING  # preview only
    matches = f"{match.payment_reference}:45000"
    assert f'value="{matches}"' in page
    token = csrf_token_from(page)
    confirm = "/registration/organiser/bank-statement/confirm"
    done = client.post(confirm, data={"csrf_token": token, "matches": matches})
    assert done.status_code == 200 and "Marked paid: 1." in done.get_data(as_text=True)
    repeat = client.post(confirm, data={"csrf_token": token, "matches": matches})
    assert "Marked paid: 0." in repeat.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Registration, match.id).payment_status == PaymentStatus.PAID
    assert db.session.get(Registration, wrong.id).payment_status == PaymentStatus.PENDING
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.action == "registration-payment")) == 1


def test_bad_files_re_render_with_a_message(app, client) -> None:
    organiser_client(client)
    unreadable = upload(client, b"")
    assert unreadable.status_code in (400, 422)
    app.config["BANK_STATEMENT_MAX_BYTES"] = 50
    too_large = upload(client, b"reference;amount\n" + b"ESOF-0123456789;450,00\n" * 10)
    assert too_large.status_code == 413 and "The file is too large" in too_large.get_data(as_text=True)
    huge = upload(client, b"reference;amount\n" + b"ESOF-0123456789;450,00\n" * 2000)  # 46 kB > 50 B + 16 kB
    assert huge.status_code == 413 and "The file is too large" in huge.get_data(as_text=True)
    app.config["BANK_STATEMENT_MAX_BYTES"] = 1000
    words = upload(client, b"just some words\nwithout any amount")
    assert words.status_code == 422 and "could not be read as a bank statement" in words.get_data(as_text=True)


def test_confirm_needs_csrf_a_valid_payload_and_the_role(app, client) -> None:
    registration = pending()
    db.session.commit()
    organiser_client(client)
    no_csrf = client.post("/registration/organiser/bank-statement/confirm",
                          data={"matches": f"{registration.payment_reference}:45000"})
    assert no_csrf.status_code == 400
    token = csrf_token_from(client.get("/registration/organiser/bank-statement").get_data(as_text=True))
    forged = client.post("/registration/organiser/bank-statement/confirm",
                         data={"csrf_token": token, "matches": "DROP TABLE;1"})
    assert forged.status_code == 400
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).payment_status == PaymentStatus.PENDING
    client.post("/account/logout", data={"csrf_token": token})


def test_delegates_cannot_open_the_bank_statement_page(app, client) -> None:
    UserFactory(email="ada@example.org")
    db.session.commit()
    log_in(client, "ada@example.org")
    assert client.get("/registration/organiser/bank-statement").status_code == 403
    assert client.post("/registration/organiser/bank-statement/confirm", data={}).status_code in (400, 403)


def test_preview_queries_do_not_grow_with_the_file(app) -> None:
    from tests.support import QueryCounter

    registrations = [pending() for _ in range(40)]
    db.session.commit()

    def queries_for(count: int) -> int:
        text = "reference;amount\n" + "".join(f"{r.payment_reference};450,00\n" for r in registrations[:count])
        lines = read_statement(text.encode(), max_bytes=LIMIT)
        db.session.expire_all()
        with QueryCounter(db.engine) as counter:
            preview = preview_statement(lines)
        assert [p.outcome for p in preview] == [Outcome.MATCH] * count
        return len(counter.statements)

    assert queries_for(4) == queries_for(40)
