"""The organisers' CSV of registrations, written in chunks so a large export streams: one
column per organisers' question after the fixed ones (headed "question <id>: <text>")."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from esof.conference import to_local
from esof.csv_safety import stream_csv
from esof.registration.models import Answer, Question, Registration
from esof.registration.questions import answer_cell
from esof.registration.refunds import REFUND_CSV_COLUMNS, refund_cells

CSV_COLUMNS = (
    "id", "payment_reference", "first_name", "last_name", "email", "affiliation", "country",
    "category", "attendance", "status", "waitlist_number", "amount_due_eur", "payment_status",
    "paid_at", "dietary_needs", "accessibility_needs", "public_listing", "consent_version",
    "registered_at", "voucher", "discount_eur",
)


def csv_row(registration: Registration) -> tuple[object, ...]:
    return (
        registration.id, registration.payment_reference, registration.first_name, registration.last_name,
        registration.user.email if registration.user else "", registration.affiliation, registration.country,
        registration.category.code, registration.attendance.value, registration.status.value,
        registration.waitlist_position or "", f"{registration.amount_due_cents / 100:.2f}",
        registration.payment_status.value,
        to_local(registration.paid_at).isoformat() if registration.paid_at else "",
        registration.dietary_needs, registration.accessibility_needs,
        "yes" if registration.public_listing else "no", registration.consent_version,
        to_local(registration.created_at).isoformat(),
        registration.voucher.code if registration.voucher else "", f"{registration.discount_cents / 100:.2f}",
    )


def registrations_csv(
    registrations: Iterable[Registration],
    questions: Sequence[Question] = (),
    answers: Mapping[int, Mapping[int, Answer]] | None = None,
) -> Iterator[str]:
    """The header and one row per registration, streamed (esof.csv_safety.stream_csv).
    `answers` ({registration id: {question id: answer}}) is loaded once by the caller."""
    answers = answers or {}
    header = (*CSV_COLUMNS, *REFUND_CSV_COLUMNS, *(f"question {q.id}: {q.text}" for q in questions))

    def rows() -> Iterator[tuple[object, ...]]:
        for chunk in _chunks(registrations, CHUNK):
            refunds = refund_cells(r.id for r in chunk)  # one query per chunk
            for r in chunk:
                yield (*csv_row(r), *refunds.get(r.id, ("", "")),
                       *(answer_cell(answers.get(r.id, {}).get(q.id)) for q in questions))

    return stream_csv(header, rows())


CHUNK = 500


def _chunks(items: Iterable[Registration], size: int) -> Iterator[list[Registration]]:
    chunk: list[Registration] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
