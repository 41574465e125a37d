"""Tickets: a short ticket code (printed, typed at the door, carried by the QR code) and the
longer signed token of earlier tickets; the check-in desk verifies either.

Both carry the registration id and depend on its random ticket nonce, so a new nonce (reissue)
revokes every earlier code and token; only a confirmed registration has a valid ticket.

The ticket code is ``XXXX-XXXX-XXXX``: the registration id in base 32 (at least four
characters), seven characters of an HMAC (SECRET_KEY-derived) over the id and the nonce, and a
check character (Luhn mod 32) that catches a mistyped or swapped character before the door
says "unknown". Its alphabet (Crockford's) leaves out I, L, O and U; a typed O is read as 0,
I and L as 1, in any case, with or without hyphens and spaces.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import TypeGuard

import qrcode
import qrcode.image.svg
from flask import current_app
from flask_babel import lazy_gettext as _l

from esof.accounts.models import User
from esof.accounts.services import record_audit
from esof.errors import busy_on_lock_timeout
from esof.extensions import db
from esof.registration.errors import TicketExpired, TicketForged, TicketRevoked
from esof.registration.models import Registration, RegistrationStatus
from esof.registration.references import PATTERN as PAYMENT_REFERENCE
from esof.tokens import InvalidToken, make_token, read_token

TICKET_PURPOSE = "ticket"
DEFAULT_TICKET_MAX_AGE = 400 * 24 * 3600

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U
CODE_MAC_LENGTH = 7  # 35 bits: guessing a valid code for a known id takes ~34 billion tries
CODE_ID_MIN_LENGTH = 4  # ids below 32**4 = 1,048,576 give 12 characters
CODE_MAX_LENGTH = 16
_TYPED_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_.]+")


class TicketCodeMistyped(TicketForged):
    """Not a ticket code as printed: a wrong check character, length or letter."""

    default_message = _l("This ticket code is not right: check the code and type it again.")


class PaymentReferenceAtDoor(TicketForged):
    default_message = _l(
        "This is the payment reference (ESOF-…), not the ticket. Type the ticket code shown on the ticket."
    )


class TicketCancelled(TicketRevoked):
    default_message = _l("This registration is cancelled: the ticket is not valid.")


def has_ticket(registration: Registration | None) -> TypeGuard[Registration]:
    """Only a confirmed registration has a ticket (not one waiting, awaiting approval or cancelled)."""
    return registration is not None and registration.status == RegistrationStatus.CONFIRMED


def ticket_token(registration: Registration) -> str:
    """Signed with SECRET_KEY; carries the registration id and its random ticket nonce."""
    return make_token(TICKET_PURPOSE, {"r": registration.id, "n": registration.ticket_nonce})


def _check_character(body: str) -> str:
    """Luhn mod 32 over the code's characters: every single wrong character and almost every
    swap of two neighbours changes it."""
    factor, total = 2, 0
    for char in reversed(body):
        addend = factor * CODE_ALPHABET.index(char)
        total += addend // 32 + addend % 32
        factor = 1 if factor == 2 else 2
    return CODE_ALPHABET[(32 - total % 32) % 32]


def _encode_id(number: int) -> str:
    digits = ""
    while number:
        number, rest = divmod(number, 32)
        digits = CODE_ALPHABET[rest] + digits
    return digits.rjust(CODE_ID_MIN_LENGTH, "0")


def _code_mac(registration_id: int, nonce: str) -> str:
    key = hashlib.sha256(b"esof.ticket-code:" + str(current_app.config["SECRET_KEY"]).encode()).digest()
    digest = hmac.new(key, f"{registration_id}:{nonce}".encode(), hashlib.sha256).digest()
    value = int.from_bytes(digest[:5]) >> (40 - 5 * CODE_MAC_LENGTH)
    return "".join(CODE_ALPHABET[(value >> (5 * n)) & 31] for n in reversed(range(CODE_MAC_LENGTH)))


def _group(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def ticket_code(registration: Registration) -> str:
    """The short, stable code printed on the ticket, e.g. ``0017-K3QZ-8TMW``; a reissue changes it."""
    return code_for(registration.id, registration.ticket_nonce)


def code_for(registration_id: int, nonce: str) -> str:
    """ticket_code from the two columns it depends on (the door list reads only those)."""
    body = _encode_id(registration_id) + _code_mac(registration_id, nonce)
    return _group(body + _check_character(body))


def normalise_ticket_code(text: str) -> str:
    """The code as the door reads it: upper case, without separators, O as 0 and I/L as 1."""
    return _SEPARATORS.sub("", (text or "").upper()).translate(_TYPED_ALIASES)


def looks_like_payment_reference(text: str) -> bool:
    """ESOF-1234567890 as printed, or typed without the hyphen or with spaces."""
    compact = _SEPARATORS.sub("", (text or "").upper())
    return PAYMENT_REFERENCE.match(f"{compact[:4]}-{compact[4:]}") is not None


def parse_ticket_code(text: str) -> int:
    """The registration id a typed code names, after its check character; TicketCodeMistyped
    (or PaymentReferenceAtDoor) when it is not a code as printed. Proves nothing yet: the
    HMAC is checked by verify_ticket_code."""
    if looks_like_payment_reference(text):
        raise PaymentReferenceAtDoor()
    code = normalise_ticket_code(text)
    minimum = CODE_ID_MIN_LENGTH + CODE_MAC_LENGTH + 1
    if not minimum <= len(code) <= CODE_MAX_LENGTH or any(char not in CODE_ALPHABET for char in code):
        raise TicketCodeMistyped()
    if _check_character(code[:-1]) != code[-1]:
        raise TicketCodeMistyped()
    number = 0
    for char in code[:-1 - CODE_MAC_LENGTH]:
        number = number * 32 + CODE_ALPHABET.index(char)
    return number


def verify_ticket_code(text: str) -> Registration:
    """The confirmed registration a typed or scanned ticket code belongs to. Raises
    TicketCodeMistyped / PaymentReferenceAtDoor (not a code as printed), TicketForged (no such
    registration), TicketRevoked (replaced by a reissue, or not confirmed) or TicketCancelled."""
    registration_id = parse_ticket_code(text)
    registration = db.session.get(Registration, registration_id) if registration_id else None
    if registration is None:
        raise TicketForged()
    code = normalise_ticket_code(text)
    expected = _code_mac(registration.id, registration.ticket_nonce)
    if not hmac.compare_digest(expected.encode(), code[-1 - CODE_MAC_LENGTH:-1].encode()):
        raise TicketRevoked()
    if registration.status == RegistrationStatus.CANCELLED:
        raise TicketCancelled()
    if not has_ticket(registration):
        raise TicketRevoked()
    return registration


def is_signed_token(text: str) -> bool:
    """A signed token (earlier tickets, printed badges) has dots; a ticket code never does
    once the separators it may be typed with are gone."""
    return (text or "").strip().count(".") >= 2


def verify_ticket(text: str) -> Registration:
    """Whatever the door was given: a ticket code, or the signed token of an earlier ticket."""
    if is_signed_token(text):
        return verify_ticket_token(text)
    return verify_ticket_code(text)


def door_code_hash(code: str) -> str:
    """What the offline door list stores instead of the code (the scanner's script computes the
    same): 16 hex characters of SHA-256 over the normalised code."""
    return hashlib.sha256(normalise_ticket_code(code).encode()).hexdigest()[:16]


def door_nonce_hash(nonce: str) -> str:
    """How the door list recognises a signed token (printed badges) offline: the token's
    payload carries the nonce in the clear, its signature cannot be checked without the key.
    12 hex characters of SHA-256 over the 128-bit random nonce reveal nothing of it."""
    return hashlib.sha256(nonce.encode()).hexdigest()[:12]


def ticket_qr_svg(registration: Registration) -> str:
    """The ticket code as an SVG QR code (medium error correction survives a cracked screen);
    the short code makes a coarse QR code that jsQR reads quickly at a distance."""
    image = qrcode.make(
        ticket_code(registration),
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
