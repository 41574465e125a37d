"""Printable name badges: an A4 PDF sheet of eight badges with name, affiliation, the
category's colour (and its name, so the colour is never the only sign) and the ticket QR code.

fpdf2 writes the PDF; DejaVu Sans (shipped in fonts/, Bitstream Vera licence) covers the
names of delegates from ~90 countries, the system's fallback fonts (PDF_FALLBACK_FONTS, see
pdf_text) Chinese, Japanese and Korean ones, and fpdf2 embeds only the glyphs used. Every
string is drawn through esof.registration.pdf_text: as typed, never as markup, what no font
can draw visibly replaced, and cut with an ellipsis to the lines the badge has room for. The
QR code is drawn as vector rectangles, so it stays sharp on any printer and needs no image
library.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import qrcode
from fpdf import FPDF

from esof.registration.pdf_text import (
    FONT,
    Document,
    add_fonts,
    cut_lines,
    fit_lines,
    printable,
    ready_for,
    wrapped_lines,
)

PAGE_W, PAGE_H = 210.0, 297.0  # A4, millimetres
COLUMNS, ROWS = 2, 4
BADGE_W, BADGE_H = 90.0, 65.0
MARGIN_X = (PAGE_W - COLUMNS * BADGE_W) / 2
MARGIN_Y = (PAGE_H - ROWS * BADGE_H) / 2
BAND_H = 11.0
PAD = 4.0
QR_SIZE = 27.0


@dataclass(frozen=True)
class Badge:
    name: str
    affiliation: str
    category: str
    colour: str  # "#rrggbb"
    qr_data: str
    number: str = ""


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    if len(value) != 6 or any(c not in "0123456789abcdefABCDEF" for c in value):
        return (31, 78, 121)  # the default category colour
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def text_colour_on(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black or white, whichever contrasts more with the band (WCAG relative luminance)."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return (0, 0, 0) if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else (255, 255, 255)


def _new_document(title: str) -> Document:
    pdf = Document(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    add_fonts(pdf)
    pdf.set_title(title)
    pdf.set_creator("ESOF 2022 event platform")
    return pdf


def _draw_qr(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    # A fixed mask: choosing the best of eight costs four fifths of the time of a sheet, and
    # any mask scans well at badge size.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=0)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    module = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        start = None
        for col_index, dark in enumerate([*row, False]):  # a light sentinel closes the last run
            if dark and start is None:
                start = col_index
            elif not dark and start is not None:
                pdf.rect(x + start * module, y + row_index * module, (col_index - start) * module, module, style="F")
                start = None


def _fit_size(pdf: Document, text: str, width: float, lines: int, largest: float,
              smallest: float) -> tuple[float, list[str]]:
    """The largest size (in half points) at which `text` takes at most `lines` lines, and its
    lines there: first by its width, then by where multi_cell breaks it (a long word wraps early)."""
    size = largest
    with ready_for(pdf, text):
        while size > smallest:
            pdf.set_font_size(size)
            if pdf.get_string_width(text) <= width * lines * 0.92:
                break
            size -= 0.5
        pdf.set_font_size(size)
        found = wrapped_lines(pdf, text, width)
        while len(found) > lines and size > smallest:
            size -= 0.5
            pdf.set_font_size(size)
            found = wrapped_lines(pdf, text, width)
    return size, found


def _line(pdf: Document, width: float, height: float, text: str, style: str, align: str = "L") -> None:
    """One line of `text` in the current font, cut to `width`."""
    [text] = fit_lines(pdf, printable(text, style=style, lines=False), width, 1)
    with ready_for(pdf, text):
        pdf.cell(width, height, text, align=align)


def _block(pdf: Document, width: float, text: str, style: str, lines: int, largest: float, smallest: float) -> None:
    """`text` on at most `lines` lines of `width`, as large as fits between the two sizes; the
    position ends below the last line."""
    text = printable(text, style=style, lines=False)
    size, found = _fit_size(pdf, text, width, lines, largest, smallest)
    pdf.set_font_size(size)
    x, y, height = pdf.get_x(), pdf.get_y(), size * 0.45
    with ready_for(pdf, text):
        for line in cut_lines(pdf, found, width, lines):
            pdf.set_xy(x, y)
            pdf.cell(width, height, line)
            y += height
    pdf.set_xy(x, y)


def _draw_badge(pdf: Document, badge: Badge, x: float, y: float, conference: str) -> None:
    pdf.set_draw_color(170, 170, 170)
    pdf.set_line_width(0.2)
    pdf.rect(x, y, BADGE_W, BADGE_H)  # the cutting line

    band = hex_to_rgb(badge.colour)
    pdf.set_fill_color(*band)
    pdf.rect(x, y, BADGE_W, BAND_H, style="F")
    pdf.set_text_color(*text_colour_on(band))
    pdf.set_font(FONT, "B", 9)
    pdf.set_xy(x + PAD, y)
    _line(pdf, BADGE_W / 2 - PAD, BAND_H, conference, "B")
    pdf.set_xy(x + BADGE_W / 2, y)
    _line(pdf, BADGE_W / 2 - PAD, BAND_H, badge.category.upper(), "B", align="R")

    text_w = BADGE_W - 2 * PAD
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "B", 18)
    pdf.set_xy(x + PAD, y + BAND_H + 3)
    _block(pdf, text_w, badge.name, "B", 2, 18, 10)

    qr_x, qr_y = x + BADGE_W - PAD - QR_SIZE, y + BADGE_H - PAD - QR_SIZE
    affiliation_w = qr_x - x - PAD - 2
    pdf.set_font(FONT, "", 10)
    pdf.set_xy(x + PAD, max(pdf.get_y() + 2, y + BAND_H + 20))
    _block(pdf, affiliation_w, badge.affiliation, "", 3, 10, 7)
    if badge.number:
        pdf.set_font(FONT, "", 7)
        pdf.set_text_color(90, 90, 90)
        pdf.set_xy(x + PAD, y + BADGE_H - PAD - 3)
        _line(pdf, affiliation_w, 3, badge.number, "")
    _draw_qr(pdf, badge.qr_data, qr_x, qr_y, QR_SIZE)


def render_badges(badges: Iterable[Badge], *, conference: str = "ESOF 2022", title: str = "Badges") -> bytes:
    """The PDF: eight badges per A4 page, in the order given."""
    pdf = _new_document(title)
    per_page = COLUMNS * ROWS
    for index, badge in enumerate(badges):
        if index % per_page == 0:
            pdf.add_page()
        slot = index % per_page
        x = MARGIN_X + (slot % COLUMNS) * BADGE_W
        y = MARGIN_Y + (slot // COLUMNS) * BADGE_H
        _draw_badge(pdf, badge, x, y, conference)
    if pdf.page == 0:
        pdf.add_page()
    return bytes(pdf.output())


def badges_for(registrations: Iterable, *, token_for: Callable[..., str], language: str = "en") -> list[Badge]:
    """Badge contents for registrations (with their categories loaded)."""
    badges = []
    for registration in registrations:
        category = registration.category
        label = category.name_nl if language == "nl" and category.name_nl else category.name
        badges.append(Badge(
            name=registration.full_name, affiliation=registration.affiliation, category=label,
            colour=category.badge_colour, qr_data=token_for(registration), number=f"#{registration.id}",
        ))
    return badges
