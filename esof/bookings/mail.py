"""Mails about a seat that changed hands without the delegate asking: promoted from the
waiting list, or moved back to it because the room or the seat limit shrank.

Queued in the transaction of the change (the outbox), so they leave only if it commits.
"""
from __future__ import annotations

from flask import current_app

from esof.bookings.models import Booking
from esof.bookings.published import PublishedState
from esof.mail.services import queue_mail
from esof.urls import external_url


def mail_seat_change(booking: Booking, template: str, state: PublishedState) -> None:
    """Queue `template` for the booking's delegate, unless their account was erased."""
    user = booking.user
    if user is None or getattr(user, "erased_at", None) is not None:
        return
    language = user.language if user.language in current_app.config["LANGUAGES"] else "en"
    queue_mail(
        to=user.email, template=template, language=language, booking=booking,
        name=user.display_name or user.email, title=state.title, starts_at=state.starts_at,
        ends_at=state.ends_at, link=external_url("programme.session_detail", session_id=state.session_id),
    )
