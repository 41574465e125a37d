"""The organisers' CSV of registrations, written in chunks so a large export streams."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from esof.conference import to_local
from esof.csv_safety import csv_safe  # also imported from here by the audit export
from esof.registration.models import Registration

CSV_COLUMNS = (
    "id", "payment_reference", "first_name", "last_name", "email", "affiliation", "country",
    "category", "attendance", "status", "waitlist_number", "amount_due_eur", "payment_status",
    "paid_at", "dietary_needs", "accessibility_needs", "public_listing", "consent_version",
    "registered_at",
)
CHUNK_CHARS = 64 * 1024


def csv_row(registration: Registration) -> list[str]:
    values = (
        registration.id, registration.payment_reference, registration.first_name, registration.last_name,
        registration.user.email if registration.user else "", registration.affiliation, registration.country,
        registration.category.code, registration.attendance.value, registration.status.value,
        registration.waitlist_position or "", f"{registration.amount_due_cents / 100:.2f}",
        registration.payment_status.value,
        to_local(registration.paid_at).isoformat() if registration.paid_at else "",
        registration.dietary_needs, registration.accessibility_needs,
        "yes" if registration.public_listing else "no", registration.consent_version,
        to_local(registration.created_at).isoformat(),
    )
    return [csv_safe(v) for v in values]


def registrations_csv(registrations: Iterable[Registration]) -> Iterator[str]:
    """The header and one row per registration, in pieces of about CHUNK_CHARS."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for registration in registrations:
        writer.writerow(csv_row(registration))
        if buffer.tell() > CHUNK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
