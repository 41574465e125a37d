"""The answer panel under the code field, built once for the page, the JSON and the door app.

A panel is plain data (it also rides in the session across the form flow's redirect): the
kind and its tone (stop / check / go, each with its own colour and sign in checkin.css), the
headline in capitals that staff read from a metre away, who it is, what to do, the notes
(the scan's warnings) and the door's count."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from esof.checkin import services
from esof.checkin.answers import AnswerKind, ScanWarning, answer
from esof.checkin.models import Direction
from esof.errors import DomainError
from esof.registration.errors import TicketInvalid
from esof.registration.tickets import TicketCancelled

Panel = dict[str, Any]
SAID_BY_HEADLINE = {
    AnswerKind.DUPLICATE: {ScanWarning.ALREADY_INSIDE.value, ScanWarning.REPEATED.value},
    AnswerKind.UNPAID: {ScanWarning.UNPAID.value},
    AnswerKind.ONLINE_ONLY: {ScanWarning.ONLINE_ONLY.value},
    AnswerKind.CANCELLED: {ScanWarning.CANCELLED.value},
    AnswerKind.NOT_CONFIRMED: {ScanWarning.NOT_CONFIRMED.value},
}


def for_result(result: services.ScanResult) -> Panel:
    verdict = result.answer
    door, present, capacity = result.door.label, result.present, result.door.capacity
    if result.counted or verdict.kind in {AnswerKind.OK, AnswerKind.CHECK}:
        verb = _("checked in") if result.check_in.direction == Direction.IN else _("checked out")
        count = _("%(name)s %(verb)s at %(door)s. Present now: %(present)s of %(capacity)s.", name=result.name,
                  verb=verb, door=door, present=present, capacity=capacity)
    else:
        count = _("Not counted. Present now: %(present)s of %(capacity)s.", present=present, capacity=capacity)
    return {
        **verdict.as_dict(),
        "who": _("%(name)s · %(category)s", name=result.name, category=result.registration.category.name),
        # What the headline already says is not repeated underneath.
        "notes": [message for code, message in result.warnings if code not in SAID_BY_HEADLINE.get(verdict.kind, ())],
        "count": count,
    }


def for_error(error: DomainError) -> Panel:
    """A scan the server could not take: a bad ticket is a stop at the door; anything else
    (no door chosen, nothing typed) is simply not recorded."""
    if isinstance(error, TicketCancelled):
        verdict = answer(AnswerKind.CANCELLED).as_dict()
        return {**verdict, "advice": error.message, "who": "", "notes": [], "count": ""}
    if isinstance(error, TicketInvalid | services.UnknownRegistration):
        return {**answer(AnswerKind.UNKNOWN, reason=error.message).as_dict(), "who": "", "notes": [], "count": ""}
    return not_recorded(error.message)


def not_recorded(message: str) -> Panel:
    return {"kind": "error", "tone": "stop", "stop": True, "headline": _("Not recorded"), "advice": message,
            "who": "", "notes": [], "count": ""}


def offline_words() -> dict[str, dict[str, object]]:
    """The words the door app answers with from its door list, the same as the server's."""
    kinds = (AnswerKind.OK, AnswerKind.CHECK, AnswerKind.UNPAID, AnswerKind.ONLINE_ONLY, AnswerKind.CANCELLED,
             AnswerKind.UNKNOWN)
    return {kind.value: answer(kind).as_dict() for kind in kinds}
