"""Payment references: 'ESOF-' + 8 random digits + 2 check digits (ISO 7064 MOD 97-10).

Delegates type these into bank transfers; the check digits catch a mistyped or swapped
digit before an organiser matches a payment to the wrong registration.
"""
from __future__ import annotations

import re
import secrets

PREFIX = "ESOF-"
PATTERN = re.compile(r"^ESOF-(\d{8})(\d{2})$")


def check_digits(digits: str) -> str:
    return f"{98 - (int(digits) * 100) % 97:02d}"


def make_payment_reference(number: int | None = None) -> str:
    """A new reference; pass `number` (0..99,999,999) for deterministic demo data."""
    digits = f"{secrets.randbelow(10**8) if number is None else number:08d}"
    return f"{PREFIX}{digits}{check_digits(digits)}"


def is_valid_payment_reference(reference: str) -> bool:
    match = PATTERN.match(reference.strip().upper())
    return match is not None and check_digits(match.group(1)) == match.group(2)
