"""What people typed, drawn in a PDF as they typed it, or visibly replaced: never interpreted.

The invoices, receipts and credit notes (invoice_pdf.py) and the badges (esof/checkin/badges.py)
draw every string through here. fpdf2 is only ever called without `markdown` and never with
`write_html`, so `**x**`, `__x__`, `<b>x</b>` and `{{ x }}` are letters like any other. What
fpdf2 would otherwise drop without a trace, or let act on the text around it, becomes U+FFFD
(the replacement character, which DejaVu Sans draws): control characters, lone surrogates,
bidirectional overrides, embeddings and isolates (a "\u202egnp.exe" reads as typed, not as
"exe.png"), and every character neither the font nor a fallback font has a glyph for (most
emoji). Invisible format characters they lack (variation selectors, tags) are left out.

Chinese, Japanese and Korean letters, which DejaVu Sans lacks, are drawn from the fallback fonts
of the setting PDF_FALLBACK_FONTS (Debian's fonts-droid-fallback), with fpdf2's own fallback:
each is loaded into a document only when a string needs it (a CJK font adds 0.2 to 0.4 s to a
PDF, which an all-Latin invoice never pays). A path that does not exist, or is not a font, is
skipped with one log line, and its letters print as U+FFFD. The fallbacks have no bold face:
bold text falls back to the regular one.

Right-to-left text (Arabic, Hebrew) is shaped and ordered by HarfBuzz (fpdf2's text shaping,
with the uharfbuzz package), only for the strings that hold such letters: shaping costs about
three times the drawing of plain text.
"""
from __future__ import annotations

import importlib.util
import logging
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import cast

from flask import current_app, has_app_context
from fontTools.ttLib import TTFont, TTLibError  # type: ignore[import-untyped]
from fpdf import FPDF

from esof.config import DefaultConfig

FONT_DIR = Path(__file__).resolve().parent.parent / "checkin" / "fonts"
FONT = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
REPLACEMENT = "\ufffd"
ELLIPSIS = "\u2026"
# Embeddings, overrides and isolates: they would reorder the text around them.
BIDI_CONTROLS = frozenset({*range(0x202A, 0x202F), *range(0x2066, 0x206A)})
RIGHT_TO_LEFT = frozenset({"R", "AL"})
CAN_SHAPE = importlib.util.find_spec("uharfbuzz") is not None
FALLBACK = "fallback"  # the families fallback0, fallback1, … in the order of PDF_FALLBACK_FONTS
FONT_SUFFIXES = frozenset({".ttf", ".otf", ".ttc", ".otc"})  # what fpdf2's add_font takes

log = logging.getLogger(__name__)


class Document(FPDF):
    """An FPDF whose fallback fonts leave the text after them alone.

    fpdf2 (2.8.9) draws a line that starts with a fallback letter, where the page does not have
    the current font set yet (after set_font, or on a new page), by setting the main font
    inside that line only, and then takes it as set for the page: the lines after it are drawn
    in the previous font's glyph numbers ("Leiden" printed as "Sticth") or in none. Setting the
    main font for the page before each string drawn and at the top of each page keeps fpdf2 off
    that path.
    """

    uses_fallbacks = False

    def header(self) -> None:
        self.set_font_on_page()

    def set_font_on_page(self) -> None:
        if self.uses_fallbacks and not self.current_font_is_set_on_page and self.current_font is not None:
            self._out(self._set_font_for_page(self.current_font, self.font_size_pt))


def add_fonts(pdf: FPDF, font_dir: Path = FONT_DIR) -> None:
    """DejaVu Sans, regular and bold. (`drawable` reads the glyph lists from FONT_DIR; the
    fallback fonts are added by `ready_for` when a string needs them.)"""
    for style, filename in FONT_FILES.items():
        pdf.add_font(FONT, style, str(font_dir / filename))


@cache
def _glyphs(path: str) -> frozenset[int]:
    font = TTFont(path, lazy=True, fontNumber=0)
    try:
        return frozenset(font.getBestCmap() or ())
    finally:
        font.close()


def fallback_paths() -> tuple[str, ...]:
    """PDF_FALLBACK_FONTS of the current app (its default outside one)."""
    if has_app_context():
        return tuple(current_app.config.get("PDF_FALLBACK_FONTS", DefaultConfig.PDF_FALLBACK_FONTS))
    return tuple(DefaultConfig.PDF_FALLBACK_FONTS)


@cache
def available_fallbacks(paths: tuple[str, ...]) -> tuple[str, ...]:
    """The fonts of `paths` that can be read, in their order; each other one is skipped with
    one log line (a machine without fonts-droid-fallback prints CJK letters as U+FFFD)."""
    found = []
    for path in paths:
        if Path(path).suffix.lower() not in FONT_SUFFIXES:
            log.warning("PDF fallback font %s skipped: not a TrueType or OpenType file", path)
            continue
        try:
            _glyphs(path)
        except (OSError, TTLibError) as exc:
            log.warning("PDF fallback font %s skipped (%s): the letters only it has print as U+FFFD", path, exc)
        else:
            found.append(path)
    return tuple(found)


def drawable(style: str = "") -> frozenset[int]:
    """The code points the font of `style` ("" or "B") or an available fallback has a glyph for."""
    return _drawable(style, available_fallbacks(fallback_paths()))


@cache
def _drawable(style: str, fallbacks: tuple[str, ...]) -> frozenset[int]:
    return _glyphs(str(FONT_DIR / FONT_FILES[style])).union(*map(_glyphs, fallbacks))


def _add_fallbacks(pdf: Document, text: str) -> None:
    """Each fallback font with a glyph for a letter of `text` that the current font lacks, added
    to `pdf` at the first string that needs it, and fpdf2 told to look in all added so far."""
    missing = {ord(character) for character in text}
    missing -= _glyphs(str(FONT_DIR / FONT_FILES.get(pdf.font_style, FONT_FILES[""])))
    if not missing:
        return
    fallbacks = available_fallbacks(fallback_paths())
    added = False
    for index, path in enumerate(fallbacks):
        glyphs = _glyphs(path)
        if missing & glyphs and f"{FALLBACK}{index}" not in pdf.fonts:
            pdf.add_font(f"{FALLBACK}{index}", "", path)
            added = True
        missing -= glyphs
    if added:
        # exact_match=False: no fallback has a bold face, and bold text (a badge's name, a
        # total) takes the regular one rather than nothing.
        families = [f"{FALLBACK}{index}" for index in range(len(fallbacks)) if f"{FALLBACK}{index}" in pdf.fonts]
        pdf.set_fallback_fonts(families, exact_match=False)
        pdf.uses_fallbacks = True


def _invisible(character: str) -> bool:
    code = ord(character)
    return (unicodedata.category(character) == "Cf" or 0xFE00 <= code <= 0xFE0F
            or 0xE0000 <= code <= 0xE01EF)


def printable(text: str | None, *, style: str = "", lines: bool = True) -> str:
    """`text` with what neither the font nor a fallback can draw as typed replaced by U+FFFD (see
    the module's docstring); line breaks kept where `lines` (an address), else turned into spaces."""
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
def ready_for(pdf: Document, text: str) -> Iterator[None]:
    """`pdf` ready to measure or draw `text`: the fallback fonts it needs added, its font set
    on the page (see Document), and text shaping on while it holds right-to-left letters."""
    _add_fallbacks(pdf, text)
    pdf.set_font_on_page()
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


def fit_lines(pdf: Document, text: str, width: float, lines: int) -> list[str]:
    """`text` as at most `lines` lines of `width` in the current font, cut with an ellipsis."""
    with ready_for(pdf, text):
        return cut_lines(pdf, wrapped_lines(pdf, text, width), width, lines)
