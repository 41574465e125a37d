"""Marking registrations paid from a bank statement (CSV): read, preview, apply.

Banks export CSV in many dialects: ``;`` or ``,`` between fields, a decimal comma
(``1.234,56``) or point, a byte-order mark, Windows-1252 instead of UTF-8, a debit/credit
column ("Af Bij") instead of a sign, the payment reference inside a free-text description.
:func:`read_statement` reads them into (reference, amount) lines; :func:`preview_statement`
sorts each into a match or a reason why not, with one query for the whole file; and
:func:`apply_statement` marks each match paid with one conditional UPDATE (only while the
payment is still pending and the amount is still the one due) and one audit row. So a
statement uploaded twice, or two organisers confirming the same one, pays nobody twice.
"""
from __future__ import annotations

import csv
import enum
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from esof.accounts.models import User
from esof.accounts.services import record_audit
from esof.db import rows_matched, utcnow
from esof.errors import busy_on_lock_timeout
from esof.extensions import db
from esof.registration.billing_errors import StatementTooLarge, StatementUnreadable
from esof.registration.invoicing import issue_invoice_if_due
from esof.registration.mail import send_registration_mail
from esof.registration.models import PaymentStatus, Registration, RegistrationStatus

MAX_LINES = 5000
REFERENCE_IN_TEXT = re.compile(r"ESOF[\s\-_.]*(\d{10})", re.IGNORECASE)
REFERENCE_HEADERS = ("reference", "referentie", "kenmerk", "betalingskenmerk", "payment reference",
                     "omschrijving", "description", "mededelingen", "remittance", "verwendungszweck")
AMOUNT_HEADERS = ("amount", "bedrag", "betrag", "credit", "montant", "transaction amount")
SIGN_HEADERS = ("af bij", "af/bij", "debit/credit", "credit/debit")
DEBIT_WORDS = frozenset({"af", "debit", "d", "dt", "soll"})


class Outcome(enum.StrEnum):
    MATCH = "match"
    WRONG_AMOUNT = "wrong-amount"
    UNKNOWN_REFERENCE = "unknown-reference"
    ALREADY_PAID = "already-paid"
    CANCELLED = "cancelled"
    DUPLICATE = "duplicate"
    NOT_A_PAYMENT = "not-a-payment"  # no amount, or money going out


@dataclass(frozen=True)
class StatementLine:
    line_no: int
    reference: str  # ESOF-… when one was found, else the text of the reference column
    amount_cents: int | None


@dataclass(frozen=True)
class PreviewLine:
    line: StatementLine
    outcome: Outcome
    registration_id: int | None = None
    name: str = ""
    due_cents: int | None = None


def parse_amount(text: str) -> int | None:
    """Cents of '450,00', '1.234,56', '1,234.56', '€ 450', '-12.5', '+450.00 EUR'; None if not one."""
    value = re.sub(r"(?i)eur|€|\s|\u00a0|'", "", text or "")
    negative = value.startswith("-") or (value.startswith("(") and value.endswith(")"))
    value = value.strip("+-()")
    if not re.fullmatch(r"\d[\d.,]*", value):
        return None
    last_comma, last_point = value.rfind(","), value.rfind(".")
    decimal = ""
    if last_comma >= 0 and last_point >= 0:
        decimal = "," if last_comma > last_point else "."
    elif last_comma >= 0 or last_point >= 0:
        sep = "," if last_comma >= 0 else "."
        tail = value[value.rfind(sep) + 1:]
        # "450,00" and "12.5" are decimals; "1.234" and "1,234" are thousands.
        decimal = sep if value.count(sep) == 1 and len(tail) in (1, 2) else ""
    whole, _, fraction = value.rpartition(decimal) if decimal else (value, "", "")
    separators = set(whole) & {".", ","}
    # Thousands separators only in groups of three, one kind of them: "1,2,3.4.5" is no amount.
    if separators and (len(separators) > 1 or not re.fullmatch(
            r"\d{1,3}(?:[.,]\d{3})+", whole)):
        return None
    whole = re.sub(r"[.,]", "", whole)
    if not whole.isdigit() or (fraction and not fraction.isdigit()) or len(fraction) > 2:
        return None
    cents = int(whole) * 100 + int((fraction + "00")[:2])
    return -cents if negative else cents


def normal_reference(text: str) -> str:
    match = REFERENCE_IN_TEXT.search(text or "")
    return f"ESOF-{match.group(1)}" if match else (text or "").strip()[:40]


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise StatementUnreadable()


def _dialect_delimiter(text: str) -> str:
    """The separator found the same number of times on every one of the first lines, ; first:
    a file with ; often has decimal commas, which would fool a guess (csv.Sniffer does)."""
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    for candidate in (";", "\t", ",", "|"):
        counts = {line.count(candidate) for line in lines}
        if len(counts) == 1 and counts != {0}:
            return candidate
    sample = "\n".join(lines)
    return ";" if sample.count(";") > sample.count(",") else ","


def _column(header: list[str], names: Iterable[str]) -> int | None:
    cells = [re.sub(r"\s+", " ", cell.strip().lower()) for cell in header]
    for name in names:  # in the order of preference
        for index, cell in enumerate(cells):
            if cell == name or cell.startswith(name + " ") or cell.startswith(name + "("):
                return index
    return None


def read_statement(data: bytes, *, max_bytes: int) -> list[StatementLine]:
    if len(data) > max_bytes:
        raise StatementTooLarge(max_bytes)
    text = _decode(data).lstrip("\ufeff")
    if not text.strip():
        raise StatementUnreadable()
    reader = csv.reader(io.StringIO(text), delimiter=_dialect_delimiter(text))
    rows = [row for row in reader if any(cell.strip() for cell in row)]
    if not rows:
        raise StatementUnreadable()
    header = rows[0]
    ref_col, amount_col, sign_col = _column(header, REFERENCE_HEADERS), _column(header, AMOUNT_HEADERS), None
    if amount_col is not None:
        sign_col = _column(header, SIGN_HEADERS)
        body = list(enumerate(rows[1:], start=2))
    else:  # no header: the reference is found anywhere, the amount is the first amount-like cell
        body = list(enumerate(rows, start=1))
    if len(body) > MAX_LINES:
        raise StatementUnreadable()
    lines = []
    for line_no, row in body:
        cells = [cell.strip() for cell in row]
        if amount_col is not None:
            amount = parse_amount(cells[amount_col]) if amount_col < len(cells) else None
            debit = sign_col is not None and sign_col < len(cells) and cells[sign_col].lower() in DEBIT_WORDS
            if amount is not None and debit:
                amount = -abs(amount)
        else:
            amount = next((a for a in (parse_amount(c) for c in cells if not REFERENCE_IN_TEXT.search(c))
                           if a is not None), None)
        if ref_col is not None and ref_col < len(cells) and REFERENCE_IN_TEXT.search(cells[ref_col]):
            reference = normal_reference(cells[ref_col])
        else:
            found = REFERENCE_IN_TEXT.search(" ".join(cells))
            reference = f"ESOF-{found.group(1)}" if found else (
                cells[ref_col][:40] if ref_col is not None and ref_col < len(cells) else "")
        lines.append(StatementLine(line_no, reference, amount))
    if amount_col is None and not any(line.amount_cents is not None for line in lines):
        raise StatementUnreadable()
    return lines


def _registrations_by_reference(references: set[str]) -> dict[str, Registration]:
    found: dict[str, Registration] = {}
    ordered = sorted(references)
    for start in range(0, len(ordered), 500):
        for registration in db.session.scalars(
            sa.select(Registration)
            .where(Registration.payment_reference.in_(ordered[start:start + 500]))
            .options(selectinload(Registration.user), selectinload(Registration.category))
        ):
            found[registration.payment_reference] = registration
    return found


def preview_statement(lines: list[StatementLine]) -> list[PreviewLine]:
    """Each line as a match or the reason it is not one; the database is not changed."""
    registrations = _registrations_by_reference({line.reference for line in lines if line.reference})
    seen: set[str] = set()
    preview = []
    for line in lines:
        registration = registrations.get(line.reference)
        if line.amount_cents is None or line.amount_cents <= 0:
            outcome = Outcome.NOT_A_PAYMENT
        elif registration is None:
            outcome = Outcome.UNKNOWN_REFERENCE
        elif line.reference in seen:
            outcome = Outcome.DUPLICATE
        elif registration.payment_status != PaymentStatus.PENDING:
            outcome = Outcome.ALREADY_PAID
        elif registration.status == RegistrationStatus.CANCELLED:
            outcome = Outcome.CANCELLED
        elif registration.amount_due_cents != line.amount_cents:
            outcome = Outcome.WRONG_AMOUNT
        else:
            outcome = Outcome.MATCH
            seen.add(line.reference)
        preview.append(PreviewLine(
            line, outcome,
            registration_id=registration.id if registration else None,
            name=registration.full_name if registration else "",
            due_cents=registration.amount_due_cents if registration else None,
        ))
    return preview


@dataclass(frozen=True)
class Applied:
    applied: list[str]  # the references marked paid
    skipped: list[str]  # matched in the preview, but changed since (paid meanwhile, new amount)


@busy_on_lock_timeout()
def apply_statement(
    *, matches: list[tuple[str, int]], actor: User, now: datetime | None = None
) -> Applied:
    """Mark paid each (reference, amount) still pending with that amount due."""
    now = now or utcnow()
    registrations = _registrations_by_reference({reference for reference, _ in matches})
    applied, skipped = [], []
    for reference, cents in matches:
        registration = registrations.get(reference)
        moved = 0
        if registration is not None:
            moved = rows_matched(db.session.execute(
                sa.update(Registration)
                .where(
                    Registration.id == registration.id,
                    Registration.payment_status == PaymentStatus.PENDING,
                    Registration.status != RegistrationStatus.CANCELLED,
                    Registration.amount_due_cents == cents,
                )
                .values(payment_status=PaymentStatus.PAID, paid_at=now, updated_at=now)
                .execution_options(synchronize_session=False)
            ))
        if moved != 1 or registration is None:
            skipped.append(reference)
            continue
        # What the UPDATE wrote, without making the object dirty (no second UPDATE at flush).
        for name, value in (("payment_status", PaymentStatus.PAID), ("paid_at", now), ("updated_at", now)):
            set_committed_value(registration, name, value)
        record_audit(
            actor, "registration-payment", registration,
            previous=PaymentStatus.PENDING.value, status=PaymentStatus.PAID.value, source="bank-statement",
            amount_cents=cents,
        )
        issue_invoice_if_due(registration, now=now)  # a row written before invoices were issued when due
        send_registration_mail(registration, "payment_received")
        applied.append(reference)
    db.session.flush()
    return Applied(applied, skipped)
