"""Tickets: a signed token (shown as a QR code) that the check-in desk scans and verifies.

The token carries the registration id and a random nonce; a new nonce (reissue) revokes every
earlier token, and only a confirmed registration has a valid ticket.
"""
from __future__ import annotations

import hmac
import secrets
from typing import TypeGuard

import qrcode
import qrcode.image.svg
from flask import current_app

from esof.accounts.models import User
from esof.accounts.services import record_audit
from esof.errors import busy_on_lock_timeout
from esof.extensions import db
from esof.registration.errors import TicketExpired, TicketForged, TicketRevoked
from esof.registration.models import Registration, RegistrationStatus
from esof.tokens import InvalidToken, make_token, read_token

TICKET_PURPOSE = "ticket"
DEFAULT_TICKET_MAX_AGE = 400 * 24 * 3600


def has_ticket(registration: Registration | None) -> TypeGuard[Registration]:
    """Only a confirmed registration has a ticket (not one waiting, awaiting approval or cancelled)."""
    return registration is not None and registration.status == RegistrationStatus.CONFIRMED


def ticket_token(registration: Registration) -> str:
    """Signed with SECRET_KEY; carries the registration id and its random ticket nonce."""
    return make_token(TICKET_PURPOSE, {"r": registration.id, "n": registration.ticket_nonce})


def ticket_qr_svg(registration: Registration) -> str:
    """The ticket token as an SVG QR code (medium error correction survives a cracked screen)."""
    image = qrcode.make(
        ticket_token(registration),
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=10,
        border=4,
    )
    return image.to_string(encoding="unicode")


def verify_ticket_token(token: str, *, max_age: int | None = None) -> Registration:
    """The confirmed registration a scanned ticket belongs to, or TicketForged/Expired/Revoked."""
    limit = max_age if max_age is not None else current_app.config.get("TICKET_MAX_AGE", DEFAULT_TICKET_MAX_AGE)
    try:
        payload = read_token(TICKET_PURPOSE, (token or "").strip(), limit)
    except InvalidToken as exc:
        raise (TicketExpired() if exc.expired else TicketForged()) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("r"), int):
        raise TicketForged()
    registration = db.session.get(Registration, payload["r"])
    if registration is None:
        raise TicketForged()
    if not hmac.compare_digest(registration.ticket_nonce.encode(), str(payload.get("n")).encode()):
        raise TicketRevoked()
    if not has_ticket(registration):
        raise TicketRevoked()
    return registration


@busy_on_lock_timeout()
def reissue_ticket(*, registration: Registration, actor: User) -> Registration:
    """A new nonce: every earlier token (a lost phone, a shared screenshot) stops working."""
    registration.ticket_nonce = secrets.token_hex(16)
    record_audit(actor, "ticket-reissue", registration)
    db.session.flush()
    return registration
