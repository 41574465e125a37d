"""What people typed, drawn in a PDF as they typed it, or visibly replaced: never interpreted.

The invoices, receipts and credit notes (invoice_pdf.py) and the badges (esof/checkin/badges.py)
draw every string through here. fpdf2 is only ever called without `markdown` and never with
`write_html`, so `**x**`, `__x__`, `<b>x</b>` and `{{ x }}` are letters like any other. What
fpdf2 would otherwise drop without a trace, or let act on the text around it, becomes U+FFFD
(the replacement character, which DejaVu Sans draws): control characters, lone surrogates,
bidirectional overrides, embeddings and isolates (a "\u202egnp.exe" reads as typed, not as
"exe.png"), and every character the font has no glyph for (Chinese, most emoji). Invisible
format characters the font lacks (variation selectors, tags) are left out.

Right-to-left text (Arabic, Hebrew) is shaped and ordered by HarfBuzz (fpdf2's text shaping,
with the uharfbuzz package), only for the strings that hold such letters: shaping costs about
three times the drawing of plain text.
"""
from __future__ import annotations

import importlib.util
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import cast

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fpdf import FPDF

FONT_DIR = Path(__file__).resolve().parent.parent / "checkin" / "fonts"
FONT = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
REPLACEMENT = "\ufffd"
ELLIPSIS = "\u2026"
# Embeddings, overrides and isolates: they would reorder the text around them.
BIDI_CONTROLS = frozenset({*range(0x202A, 0x202F), *range(0x2066, 0x206A)})
RIGHT_TO_LEFT = frozenset({"R", "AL"})
CAN_SHAPE = importlib.util.find_spec("uharfbuzz") is not None


def add_fonts(pdf: FPDF, font_dir: Path = FONT_DIR) -> None:
    """DejaVu Sans, regular and bold. (`drawable` reads the glyph lists from FONT_DIR.)"""
    for style, filename in FONT_FILES.items():
        pdf.add_font(FONT, style, str(font_dir / filename))


@cache
def drawable(style: str = "") -> frozenset[int]:
    """The code points the font of `style` ("" or "B") has a glyph for."""
    font = TTFont(str(FONT_DIR / FONT_FILES[style]), lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def _invisible(character: str) -> bool:
    code = ord(character)
    return (unicodedata.category(character) == "Cf" or 0xFE00 <= code <= 0xFE0F
            or 0xE0000 <= code <= 0xE01EF)


def printable(text: str | None, *, style: str = "", lines: bool = True) -> str:
    """`text` with what the font cannot draw as typed replaced by U+FFFD (see the module's
    docstring); line breaks kept where `lines` (an address), else turned into spaces."""
    glyphs = drawable(style)
    value = (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    out: list[str] = []
    for character in value:
        code = ord(character)
        if character == "\n":
            out.append("\n" if lines else " ")
        elif code in BIDI_CONTROLS or 0xD800 <= code <= 0xDFFF or unicodedata.category(character) == "Cc":
            out.append(REPLACEMENT)
        elif code in glyphs:
            out.append(character)
        elif not _invisible(character):
            out.append(REPLACEMENT)
    return "".join(out)


def is_right_to_left(text: str) -> bool:
    return any(unicodedata.bidirectional(character) in RIGHT_TO_LEFT for character in text)


@contextmanager
def shaped_for(pdf: FPDF, text: str) -> Iterator[None]:
    """Text shaping on while `text` (right-to-left letters) is measured or drawn."""
    shaping = CAN_SHAPE and is_right_to_left(text)
    if shaping:
        pdf.set_text_shaping(True)
    try:
        yield
    finally:
        if shaping:
            pdf.set_text_shaping(False)


def wrapped_lines(pdf: FPDF, text: str, width: float) -> list[str]:
    """The lines multi_cell would break `text` into at `width` in the current font (without
    asking it, the most common case, when the text fits on one line)."""
    if "\n" not in text and pdf.get_string_width(text) <= width - 2 * pdf.c_margin:
        return [text]
    return cast(list[str], pdf.multi_cell(width, 1, text, dry_run=True, output="LINES"))


def cut_lines(pdf: FPDF, found: list[str], width: float, lines: int) -> list[str]:
    """The first `lines` of `found` (lines of `width` in the current font), the cut marked with an
    ellipsis at the end of the last one (a badge has room for two lines of a name)."""
    if len(found) <= lines:
        return found
    kept = [line.rstrip() for line in found[:lines]]
    last, room = kept[-1], width - 2 * pdf.c_margin
    while last and pdf.get_string_width(last + ELLIPSIS) > room:
        last = last[:-1]
    return [*kept[:-1], last.rstrip() + ELLIPSIS]


def fit_lines(pdf: FPDF, text: str, width: float, lines: int) -> list[str]:
    """`text` as at most `lines` lines of `width` in the current font, cut with an ellipsis."""
    with shaped_for(pdf, text):
        return cut_lines(pdf, wrapped_lines(pdf, text, width), width, lines)
