"""What the organisers' registration pages call a status, a payment, an attendance, a booking:
one mapping from the stored codes to words in the page's language.

The list, the detail page, the edit form and the payment select read it (through the
`registration_label` template global); the CSV export keeps the codes, for the spreadsheets
and scripts that read it (csv_export.py).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from esof.i18n import local_datetime
from esof.registration.blueprint import bp
from esof.registration.models import Attendance, PaymentStatus, RegistrationStatus

STATUS = {
    RegistrationStatus.CONFIRMED: _l("Confirmed"),
    RegistrationStatus.WAITLISTED: _l("On the waiting list"),
    RegistrationStatus.AWAITING_APPROVAL: _l("Awaiting approval"),
    RegistrationStatus.CANCELLED: _l("Cancelled"),
    RegistrationStatus.PENDING_VERIFICATION: _l("Email not confirmed"),
}
PAYMENT = {
    PaymentStatus.PENDING: _l("Payment pending"),
    PaymentStatus.PAID: _l("Paid"),
    PaymentStatus.WAIVED: _l("Nothing to pay"),
}
ATTENDANCE = {
    Attendance.ONSITE: _l("Onsite in Leiden"),
    Attendance.ONLINE: _l("Online"),
}
# A seat booking's status, as another area's section of the detail page reports it.
BOOKING = {
    "confirmed": _l("Seat booked"),
    "waitlisted": _l("On the session's waiting list"),
    "cancelled": _l("Booking cancelled"),
}
# A door scan, as check-in's section reports it: a scan that moved no counter (scanned in while
# already inside, out while not inside) is kept but says so.
SCAN = {
    "in": _l("Entered"),
    "out": _l("Left"),
    "in-uncounted": _l("Scanned in again (already inside, not counted)"),
    "out-uncounted": _l("Scanned out (was not inside, not counted)"),
    "in-stopped": _l("Stopped at the door (not let in)"),
}
KINDS: dict[str, dict[Any, Any]] = {"status": STATUS, "payment": PAYMENT, "attendance": ATTENDANCE,
                                    "booking": BOOKING, "scan": SCAN}
# "12 July 2022, 14:30": the year always, the month in words in the page's language.
DATE_TIME_PATTERN = "d MMMM y, HH:mm"


@bp.app_template_global("registration_label")
def label(kind: str, value: object) -> str:
    """The words for a stored code; an unknown code is shown as it is, never hidden."""
    text = KINDS[kind].get(str(value))
    return str(text) if text is not None else str(value or "")


def payment_choices() -> list[tuple[str, str]]:
    """The payment select: its stored values with the words the pages use."""
    return [(status.value, str(text)) for status, text in PAYMENT.items()]


@bp.app_template_filter("dated")
def dated(moment: datetime | None) -> str:
    """'12 July 2022, 14:30 CEST': wall-clock time in the conference zone, with the year."""
    return local_datetime(moment, DATE_TIME_PATTERN)
