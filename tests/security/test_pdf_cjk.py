"""Chinese, Japanese and Korean names print as text on badges and invoices.

DejaVu Sans has no CJK glyphs; the fallback fonts of PDF_FALLBACK_FONTS (Debian's
fonts-droid-fallback, which .ci/run installs) draw them. pdftotext (poppler-utils) reads back what
a reader sees: the names as typed, no U+FFFD, and the Latin text after them intact. Without the
fonts the names print as U+FFFD, as before, and nothing fails.
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from esof.accounts.models import Role
from esof.checkin import badges
from esof.config import settings_from_environment
from esof.extensions import db
from esof.registration.billing_models import BillingDocument, DocumentKind
from esof.registration.invoice_pdf import document_pdf
from esof.registration.invoicing import BillingInput
from esof.registration.models import PaymentStatus, Registration
from esof.registration.pdf_text import drawable, printable
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory, profile, register
from tests.security.test_pdf_text import pdf_text, require_cjk_fonts, squashed
from tests.support import IN_CI, log_in

# (first name, last name, affiliation) as delegates type them
NAMES = {
    "chinese": ("张", "伟", "北京大学"),
    "japanese": ("山田", "太郎", "東京大学"),
    "korean": ("김", "민준", "서울대학교"),
}
# fpdf2 subsets the fonts it embeds: a whole CJK font would be 4 MB. Measured: about 30 kB.
MOST_BYTES = 100_000


def cjk_delegate(first: str, last: str, affiliation: str, *, email: str | None = None) -> Registration:
    user = UserFactory(**({"email": email} if email else {}))
    return register(user, CategoryFactory(name="Regular", fee_cents=45000),
                    profile=profile(first_name=first, last_name=last, affiliation=affiliation),
                    billing=BillingInput(name=f"{first}{last}", address=f"{affiliation}\nLeiden"))


def badge_sheet(app: Flask) -> bytes:
    """The badge sheet of every registration, fetched by an organiser."""
    db.session.execute(sa.update(Registration).values(payment_status=PaymentStatus.PAID))
    organiser = UserFactory(roles=[Role.ORGANISER])
    db.session.commit()
    client = app.test_client()
    log_in(client, organiser.email)
    response = client.get("/checkin/badges.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return response.data


def no_fallback_fonts(app: Flask, tmp_path: Path) -> Path:
    """PDF_FALLBACK_FONTS pointed at a font that does not exist (a machine without the package)."""
    missing = tmp_path / "no-such-font.ttf"
    app.config["PDF_FALLBACK_FONTS"] = (str(missing),)
    return missing


@pytest.mark.parametrize("case", NAMES)
def test_invoice_prints_a_cjk_name_as_text(app, client: FlaskClient, case: str) -> None:
    require_cjk_fonts()
    first, last, affiliation = NAMES[case]
    cjk_delegate(first, last, affiliation, email="wei@example.org")
    db.session.commit()
    log_in(client, "wei@example.org")

    response = client.get("/registration/invoice.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert "\ufffd" not in text
    # In the order printed: the Latin lines after each CJK one are whole (fpdf2 once drew them
    # in the wrong font after a line that starts with a fallback letter).
    assert squashed(f"Billed to {first}{last} {affiliation} Leiden") in squashed(text)
    assert squashed(f"Delegate: {first} {last} Category: Regular") in squashed(text)
    assert len(response.data) < MOST_BYTES


def test_badges_print_cjk_names_as_text(app, client: FlaskClient) -> None:
    require_cjk_fonts()
    for first, last, affiliation in NAMES.values():
        cjk_delegate(first, last, affiliation)

    sheet = badge_sheet(app)
    text = pdf_text(sheet)
    assert "\ufffd" not in text
    for first, last, affiliation in NAMES.values():
        assert first + last in squashed(text)  # bold: the regular fallback draws it
        assert affiliation in text
    assert text.count("ESOF 2022") == 3 and text.count("REGULAR") == 3
    assert len(sheet) < MOST_BYTES


def test_a_name_in_latin_chinese_and_arabic_keeps_each_script(app, client: FlaskClient) -> None:
    require_cjk_fonts()
    cjk_delegate("Ada 张伟", "محمد", "Université 北京 جامعة", email="ada@example.org")
    db.session.commit()
    log_in(client, "ada@example.org")

    invoice = pdf_text(client.get("/registration/invoice.pdf").data)
    assert "Delegate: Ada 张伟 محمد" in invoice
    assert "Université 北京 جامعة" in invoice
    sheet = pdf_text(badge_sheet(app))
    assert "Ada 张伟 محمد" in sheet and "Université 北京 جامعة" in sheet
    assert "\ufffd" not in invoice + sheet


def test_without_the_fallback_fonts_cjk_names_print_as_replacement_characters(
        app, client: FlaskClient, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    missing = tmp_path / "no-such-font.ttf"
    not_a_font = tmp_path / "notes.ttf"
    not_a_font.write_text("not a font")
    app.config["PDF_FALLBACK_FONTS"] = (str(missing), str(not_a_font))
    cjk_delegate("张", "伟", "北京大学", email="wei@example.org")
    cjk_delegate("김", "민준", "서울대학교")
    db.session.commit()
    log_in(client, "wei@example.org")
    caplog.set_level(logging.WARNING, logger="esof.registration.pdf_text")

    invoice = client.get("/registration/invoice.pdf")
    assert invoice.status_code == 200
    assert "Delegate: \ufffd \ufffd" in pdf_text(invoice.data)
    sheet = pdf_text(badge_sheet(app))
    assert squashed("\ufffd \ufffd \ufffd\ufffd\ufffd\ufffd") in squashed(sheet)  # 张伟 北京大学
    assert squashed("\ufffd \ufffd\ufffd \ufffd\ufffd\ufffd\ufffd\ufffd") in squashed(sheet)  # 김민준 서울대학교
    # One line for each font skipped, though two PDFs were drawn.
    skipped = [record.getMessage() for record in caplog.records if record.name == "esof.registration.pdf_text"]
    assert len(skipped) == 2
    assert str(missing) in skipped[0] and str(not_a_font) in skipped[1]


def cjk_invoice(name: str, address: str) -> BillingDocument:
    return BillingDocument(
        kind=DocumentKind.INVOICE, number=1, number_text="ESOF2022-00001", registration_id=1,
        issued_at=datetime(2022, 5, 2, tzinfo=UTC), issued_on=date(2022, 5, 2), due_on=date(2022, 5, 16),
        language="en", seller={"name": "Stichting ESOF 2022 Leiden", "address": "Leiden"},
        buyer={"name": name, "address": address, "country": "CN"},
        lines=[{"text": "Registration fee", "cents": 45000}], delegate_name=name, category_name="Regular",
        payment_reference="ESOF-1", vat_rate_bp=2100, reverse_charge=False,
        net_cents=37190, vat_cents=7810, total_cents=45000,
    )


def test_cjk_lines_across_a_page_break_leave_the_text_after_them_whole(app) -> None:
    """A new page whose first line starts with a CJK letter: fpdf2 set no font for the page, and
    drew the Latin line after it in none."""
    require_cjk_fonts()
    address = "\n".join([*(f"北京 {number} 海淀" for number in range(80)), "Leiden"])
    with app.test_request_context():
        data = document_pdf(cjk_invoice("张伟", address))
    text = pdf_text(data)
    assert data.count(b"/Type /Page\n") > 1
    assert squashed(address + "Delegate: 张伟 Category: Regular") in squashed(text)
    assert "Total" in text and "\ufffd" not in text


def name_pixels(sheet: bytes, tmp_path: Path, stem: str) -> bytes:
    """The name area of the first badge as grey pixels (pdftoppm at 100 dpi)."""
    (tmp_path / f"{stem}.pdf").write_bytes(sheet)
    left, top = badges.MARGIN_X + badges.PAD, badges.MARGIN_Y + badges.BAND_H + 3
    area = [round(mm * 100 / 25.4) for mm in (left, top, badges.BADGE_W - 2 * badges.PAD, 10)]
    crop = [str(value) for pair in zip(("-x", "-y", "-W", "-H"), area, strict=True) for value in pair]
    rendered = subprocess.run(["pdftoppm", "-gray", "-r", "100", "-f", "1", "-l", "1", *crop,
                               str(tmp_path / f"{stem}.pdf"), str(tmp_path / stem)], capture_output=True, check=True)
    assert rendered.stderr == b""  # poppler says nothing about a broken font
    [image] = tmp_path.glob(f"{stem}*.pgm")
    data = image.read_bytes()
    # A binary PGM: "P5", width, height, maximum value, then one byte a pixel.
    _magic, _width, _height, _maximum, pixels = data.split(maxsplit=4)
    return pixels


def test_a_cjk_badge_renders_to_an_image_with_the_name_drawn(app, tmp_path: Path) -> None:
    require_cjk_fonts()
    if not shutil.which("pdftoppm"):
        if IN_CI:
            pytest.fail("needs pdftoppm (Debian poppler-utils; .ci/run installs it)")
        pytest.skip("needs pdftoppm (Debian poppler-utils)")
    badge = badges.Badge(name="张伟", affiliation="北京大学", category="Regular", colour="#1f4e79", qr_data="ticket")

    drawn = name_pixels(badges.render_badges([badge]), tmp_path, "fallback")
    no_fallback_fonts(app, tmp_path)
    replaced = name_pixels(badges.render_badges([badge]), tmp_path, "replaced")

    assert sum(value < 128 for value in drawn) > 100  # ink where the name is
    assert drawn != replaced  # and not the replacement characters


@pytest.mark.parametrize(("typed", "style"), [
    ("张伟 山田太郎 김민준 やまだ", ""),
    ("张伟 山田太郎 김민준 やまだ", "B"),  # DejaVu's bold face lacks them too; the fallbacks have no bold
])
def test_printable_keeps_cjk_letters_the_fallback_fonts_draw(typed: str, style: str) -> None:
    require_cjk_fonts()
    assert printable(typed, style=style) == typed
    assert ord("김") in drawable(style) and ord("张") in drawable(style)
    # The other rules hold around them: an override or a control still shows as U+FFFD.
    assert printable("张\u202e伟\x00", style=style) == "张\ufffd伟\ufffd"


def test_pdf_fallback_fonts_come_from_the_environment_separated_like_path() -> None:
    value = f"/opt/fonts/NotoSansSC.otf{os.pathsep}/opt/fonts/NotoSansKR.otf"
    assert settings_from_environment({"PDF_FALLBACK_FONTS": value}) == {
        "PDF_FALLBACK_FONTS": ("/opt/fonts/NotoSansSC.otf", "/opt/fonts/NotoSansKR.otf")}
