"""The organisers' CSV of registrations, written in chunks so a large export streams."""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from esof.conference import to_local
from esof.csv_safety import stream_csv
from esof.registration.models import Registration

CSV_COLUMNS = (
    "id", "payment_reference", "first_name", "last_name", "email", "affiliation", "country",
    "category", "attendance", "status", "waitlist_number", "amount_due_eur", "payment_status",
    "paid_at", "dietary_needs", "accessibility_needs", "public_listing", "consent_version",
    "registered_at",
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
    )


def registrations_csv(registrations: Iterable[Registration]) -> Iterator[str]:
    """The header and one row per registration, streamed (esof.csv_safety.stream_csv)."""
    return stream_csv(CSV_COLUMNS, (csv_row(registration) for registration in registrations))
