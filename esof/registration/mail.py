"""The mails registration sends: queued in the outbox within the caller's transaction, so
they leave only if it commits. Links are absolute (ESOF_BASE_URL): the worker sends them."""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale, format_currency

from esof.mail.services import queue_mail
from esof.registration.models import Registration
from esof.registration.queries import waitlist_rank
from esof.urls import external_url


def send_registration_mail(registration: Registration, template: str) -> None:
    """Mail the delegate in their language; nobody to mail once the account is erased."""
    user = registration.user
    if user is None or user.erased_at is not None:
        return
    language = user.language if user.language in current_app.config["LANGUAGES"] else "en"
    with force_locale(language):
        amount = format_currency(registration.amount_due_cents / 100, "EUR")
    queue_mail(
        to=user.email,
        template=template,
        language=language,
        registration=registration,
        name=registration.first_name or user.display_name or user.email,
        category=registration.category.label(language),
        amount=amount,
        position=waitlist_rank(registration),
        link=external_url("registration.registration_detail", registration_id=registration.id),
        ticket_link=external_url("registration.ticket_detail"),
    )
