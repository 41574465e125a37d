"""Why the bookings area says no: each refusal names the problem in words a delegate can act on."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from esof.errors import Conflict, PermissionDenied, SlotClash


class BookingRefused(Conflict):
    default_message = _l("This seat cannot be booked.")


class NotBookable(BookingRefused):
    default_message = _l("This session does not take bookings.")


class AlreadyBooked(BookingRefused):
    default_message = _l("You already have a booking for this session.")


class NoBooking(BookingRefused):
    default_message = _l("You have no booking for this session.")


class NotPublished(BookingRefused):
    default_message = _l("This session is not in the published programme.")


class DelegatesOnly(PermissionDenied):
    default_message = _l("Only delegates with a confirmed registration can star and book sessions.")


class BookingClash(SlotClash):
    """The delegate holds a seat in an overlapping session; the message names it."""

    def __init__(self, title: str) -> None:
        self.clashing_title = title
        super().__init__(_(
            "You already have a seat in “%(title)s” at the same time. Cancel that booking first.",
            title=title,
        ))
