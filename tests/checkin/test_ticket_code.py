"""The short ticket code: printed on the ticket, typed at the door, carried by the QR code."""
from __future__ import annotations

import re

import pytest

from esof.extensions import db
from esof.registration.models import RegistrationStatus
from esof.registration.tickets import (
    PaymentReferenceAtDoor,
    TicketCancelled,
    TicketCodeMistyped,
    TicketForged,
    TicketRevoked,
    reissue_ticket,
    ticket_code,
    ticket_token,
    verify_ticket,
    verify_ticket_code,
)
from tests.checkin.factories import delegate, staff
from tests.support import log_in

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def test_code_is_short_grouped_stable_and_verifies_typed_any_way(app) -> None:
    registration = delegate()
    db.session.flush()
    code = ticket_code(registration)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", code)
    assert len(code.replace("-", "")) <= 16
    assert ticket_code(registration) == code  # stable: the same on every load
    for typed in (code, code.lower(), code.replace("-", ""), code.replace("-", " "), f"  {code.lower()} "):
        assert verify_ticket_code(typed) == registration
    assert verify_ticket(code) == registration and verify_ticket(ticket_token(registration)) == registration
    assert code != registration.payment_reference


def test_every_single_wrong_character_says_check_the_code(app) -> None:
    registration = delegate()
    db.session.flush()
    compact = ticket_code(registration).replace("-", "")
    for position, original in enumerate(compact):
        for replacement in CODE_ALPHABET:
            if replacement == original:
                continue
            typo = compact[:position] + replacement + compact[position + 1:]
            with pytest.raises(TicketCodeMistyped) as refused:
                verify_ticket_code(typo)
            assert "check the code" in refused.value.message
    swapped = compact[1] + compact[0] + compact[2:]
    if swapped != compact:
        with pytest.raises(TicketCodeMistyped):
            verify_ticket_code(swapped)
    for nonsense in ("", "ABC", "U" * 12, compact + "0000000"):
        with pytest.raises(TicketCodeMistyped):
            verify_ticket_code(nonsense)


def test_reissue_voids_the_old_code_and_cancelled_is_refused(app) -> None:
    registration = delegate()
    db.session.flush()
    old = ticket_code(registration)
    reissue_ticket(registration=registration, actor=staff())
    new = ticket_code(registration)
    assert new != old and new[:4] == old[:4]  # same registration, new HMAC
    with pytest.raises(TicketRevoked) as refused:
        verify_ticket_code(old)
    assert not isinstance(refused.value, TicketCancelled)
    assert verify_ticket_code(new) == registration
    registration.status = RegistrationStatus.CANCELLED
    with pytest.raises(TicketCancelled):
        verify_ticket_code(new)


def test_payment_reference_is_refused_with_a_pointer_to_the_ticket_code(app) -> None:
    registration = delegate()
    db.session.flush()
    for typed in (registration.payment_reference, registration.payment_reference.lower().replace("-", " ")):
        with pytest.raises(PaymentReferenceAtDoor) as refused:
            verify_ticket(typed)
        assert "ticket code" in refused.value.message


def test_forged_registration_id_with_a_valid_check_character_is_unknown(app) -> None:
    from esof.registration.tickets import _check_character

    registration = delegate()
    db.session.flush()
    compact = ticket_code(registration).replace("-", "")
    body = "ZZZZ" + compact[4:-1]  # a registration that does not exist, check recomputed
    with pytest.raises(TicketForged):
        verify_ticket_code(body + _check_character(body))
    other = delegate()
    db.session.flush()
    forged = ticket_code(other).replace("-", "")[:4] + compact[4:-1]
    with pytest.raises(TicketRevoked):
        verify_ticket_code(forged + _check_character(forged))


def test_ticket_page_shows_the_labelled_code_and_reissue_changes_it(app, client) -> None:
    registration = delegate()
    db.session.commit()
    log_in(client, registration.user.email)
    html = client.get("/registration/ticket").get_data(as_text=True)
    shown = re.search(r'<code class="ticket-code" data-ticket-code>([^<]+)</code>', html)
    assert shown and shown.group(1) == ticket_code(registration)
    assert "Ticket code (for the door)" in html and "not the door" in html
    assert client.get("/registration/ticket").get_data(as_text=True).count(shown.group(1)) >= 1
