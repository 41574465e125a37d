"""The bookings area's public verbs, for views, other areas and tests.

The rules live by concern (each module says more):

* :mod:`esof.bookings.published` — a session's seats as the public sees it now (read only);
* :mod:`esof.bookings.capacity` — book a seat, cancel, the waiting list (the capacity rule);
* :mod:`esof.bookings.reconcile` — seats follow a room's or a session's changed capacity;
* :mod:`esof.bookings.agenda` — stars, the session page's booking panel, the personal agenda;
* :mod:`esof.bookings.receivers` — reactions to other areas' signals, personal data;
* :mod:`esof.bookings.locks`, :mod:`esof.bookings.seats`, :mod:`esof.bookings.mail`,
  :mod:`esof.bookings.refusals` — the pieces those share.

Services flush, never commit; mails are queued in the same transaction.
"""
from __future__ import annotations

from esof.bookings.agenda import BookingPanel, booking_panel, build_agenda, star_session, unstar_session
from esof.bookings.capacity import BookingResult, CancelResult, Outcome, book_seat, cancel_booking
from esof.bookings.locks import is_confirmed_delegate
from esof.bookings.published import SeatCounts, seat_counts, seats_over_capacity, session_capacity
from esof.bookings.refusals import (
    AlreadyBooked,
    BookingClash,
    BookingRefused,
    DelegatesOnly,
    NoBooking,
    NotBookable,
    NotPublished,
)

__all__ = [
    "AlreadyBooked",
    "BookingClash",
    "BookingPanel",
    "BookingRefused",
    "BookingResult",
    "CancelResult",
    "DelegatesOnly",
    "NoBooking",
    "NotBookable",
    "NotPublished",
    "Outcome",
    "SeatCounts",
    "book_seat",
    "booking_panel",
    "build_agenda",
    "cancel_booking",
    "is_confirmed_delegate",
    "seat_counts",
    "seats_over_capacity",
    "session_capacity",
    "star_session",
    "unstar_session",
]
