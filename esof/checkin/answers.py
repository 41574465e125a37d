"""What the door staff see after a scan: the warnings, and one answer kind with its words.

Every scan ends in one kind. The stop kinds are refused at the door: the scan is recorded (with
its warnings) but the person is not counted behind the door. Which of them stop:

* duplicate — already behind this door (a ticket passed back, or scanned twice);
* cancelled / not confirmed — no valid registration;
* online only — an online-attendance registration has no seat in the onsite rooms;
* unpaid — a fee is due and not paid: send them to the registration desk, who can take the
  payment or waive it (a free category or a waived fee is never unpaid);
* unknown — no such ticket, a forged, replaced or expired one (nothing is recorded).

The rest is let in: ok, or "check" when there is something to look at (no booked seat in
the session now in the room, or the same scan a few minutes ago). Leaving is never stopped.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from esof.i18n import local_time


class ScanWarning(enum.StrEnum):
    REPEATED = "repeated"
    ALREADY_INSIDE = "already-inside"
    NOT_INSIDE = "not-inside"
    CANCELLED = "cancelled"
    NOT_CONFIRMED = "not-confirmed"
    UNPAID = "unpaid"
    ONLINE_ONLY = "online-only"
    NO_BOOKING = "no-booking"


WARNING_MESSAGES = {
    ScanWarning.REPEATED: _l("Scanned at this door in the same direction a few minutes ago."),
    ScanWarning.ALREADY_INSIDE: _l("Already checked in behind this door: not counted again."),
    ScanWarning.NOT_INSIDE: _l("Was not checked in behind this door: the count is unchanged."),
    ScanWarning.CANCELLED: _l("This registration is cancelled."),
    ScanWarning.NOT_CONFIRMED: _l("This registration is not confirmed."),
    ScanWarning.UNPAID: _l("The fee has not been paid."),
    ScanWarning.ONLINE_ONLY: _l("Registered to attend online only."),
    ScanWarning.NO_BOOKING: _l("No booked seat in the session in this room: %(title)s."),
}


def warning_message(code: str, **values: str) -> str:
    try:
        template = WARNING_MESSAGES[ScanWarning(code)]
    except ValueError:
        return code
    return str(template) % values if values else str(template).replace("%%", "%")


class AnswerKind(enum.StrEnum):
    OK = "ok"
    CHECK = "check"
    DUPLICATE = "duplicate"
    ONLINE_ONLY = "online-only"
    UNPAID = "unpaid"
    CANCELLED = "cancelled"
    NOT_CONFIRMED = "not-confirmed"
    UNKNOWN = "unknown"


STOP_KINDS = frozenset({AnswerKind.DUPLICATE, AnswerKind.ONLINE_ONLY, AnswerKind.UNPAID, AnswerKind.CANCELLED,
                        AnswerKind.NOT_CONFIRMED, AnswerKind.UNKNOWN})
# The registration's own faults stop an "in" before the door is even looked at, worst first.
REGISTRATION_STOPS = (
    (ScanWarning.CANCELLED, AnswerKind.CANCELLED),
    (ScanWarning.NOT_CONFIRMED, AnswerKind.NOT_CONFIRMED),
    (ScanWarning.ONLINE_ONLY, AnswerKind.ONLINE_ONLY),
    (ScanWarning.UNPAID, AnswerKind.UNPAID),
)


def stopping_warning(codes: Iterable[str]) -> ScanWarning | None:
    """The worst of the registration's faults among warning codes (fresh, or as a scan stored
    them), or None; other codes are passed over."""
    present = set(codes)
    return next((code for code, _kind in REGISTRATION_STOPS if code in present), None)


def registration_stop(codes: Iterable[str]) -> AnswerKind | None:
    """The stop an "in" gets from what is wrong with the registration, or None."""
    code = stopping_warning(codes)
    return None if code is None else dict(REGISTRATION_STOPS)[code]


def answer_kind(entering: bool, codes: list[str]) -> AnswerKind:
    if entering:
        stop = registration_stop(codes)
        if stop is not None:
            return stop
        if ScanWarning.ALREADY_INSIDE in codes:
            return AnswerKind.DUPLICATE
    return AnswerKind.CHECK if codes else AnswerKind.OK


@dataclass(frozen=True)
class Answer:
    """The panel under the code field: STOP / GO / CHECK, one headline and what to do."""

    kind: AnswerKind
    headline: str
    advice: str

    @property
    def stop(self) -> bool:
        return self.kind in STOP_KINDS

    @property
    def tone(self) -> str:
        return "stop" if self.stop else ("check" if self.kind == AnswerKind.CHECK else "go")

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind.value, "tone": self.tone, "stop": self.stop,
                "headline": self.headline, "advice": self.advice}


def answer(kind: AnswerKind, *, entering: bool = True, since: datetime | None = None, reason: str = "") -> Answer:
    """The words for a kind; `since` is when a duplicate went in, `reason` why a ticket is unknown."""
    if kind == AnswerKind.DUPLICATE:
        headline = (_("STOP — already inside since %(time)s", time=local_time(since)) if since
                    else _("STOP — already inside"))
        return Answer(kind, headline, _("Not counted again: a ticket lets one person in."))
    if kind == AnswerKind.ONLINE_ONLY:
        return Answer(kind, _("STOP — online ticket: no entry"),
                      _("This registration is for attending online. Send them to the registration desk to change it."))
    if kind == AnswerKind.UNPAID:
        return Answer(kind, _("STOP — not paid: send to the registration desk"),
                      _("The fee is still due. Let in once the desk has taken the payment."))
    if kind == AnswerKind.CANCELLED:
        return Answer(kind, _("STOP — registration cancelled: no entry"),
                      _("Send them to the registration desk."))
    if kind == AnswerKind.NOT_CONFIRMED:
        return Answer(kind, _("STOP — registration not confirmed: send to the registration desk"),
                      _("Not counted. The desk can confirm the registration."))
    if kind == AnswerKind.UNKNOWN:
        return Answer(kind, _("STOP — not a valid ticket"), reason or _("Check the code, or find them by name."))
    if kind == AnswerKind.CHECK:
        return Answer(kind, _("CHECK — let in, but read the note") if entering else _("CHECK — read the note"), "")
    return Answer(kind, _("GO — let in") if entering else _("GO — checked out"), "")
