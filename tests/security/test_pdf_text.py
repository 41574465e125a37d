"""PDFs print what people typed as literal text (issue 23, item 5).

Every PDF the product makes (invoice, receipt and credit note: esof/registration/invoice_pdf.py;
the badge sheet: esof/checkin/badges.py) gets names, affiliations, category names and billing
details holding markup, template braces, control characters, a right-to-left override, emoji,
Chinese, Arabic and Hebrew, and very long text, through the pages that serve them; pdftotext
(poppler-utils) reads back what a reader sees. Markup stays letters, nothing is silently
dropped (what no font can draw shows as U+FFFD), Chinese comes from the fallback font (Debian's
fonts-droid-fallback: test_pdf_cjk.py), right-to-left names read in their order, long text
stays on its badge, and no request fails.
"""
from __future__ import annotations

import re
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from esof.accounts.models import Role
from esof.checkin import badges
from esof.config import DefaultConfig
from esof.extensions import db
from esof.registration.billing_models import BillingDocument, DocumentKind
from esof.registration.delegates import cancel_registration
from esof.registration.invoice_pdf import document_pdf
from esof.registration.invoicing import BillingInput
from esof.registration.models import PaymentStatus, Registration
from esof.registration.pdf_text import printable
from esof.registration.refunds import save_cancellation_rules
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory, profile, register
from tests.support import IN_CI, log_in

# (what was typed, what the PDF must show, what it must never show)
HOSTILE = {
    "markup": ("<b>Ada</b> **Bold** __Under__ {{ 7*7 }} {% raw %}",
               "<b>Ada</b> **Bold** __Under__ {{ 7*7 }} {% raw %}", ("49",)),
    "controls": ("Nul\x00Esc\x1bDel\x7fBel\x07Tab\tEnd", "Nul\ufffdEsc\ufffdDel\ufffdBel\ufffdTab End", ()),
    "rtl override": ("Mallory \u202egnp.exe", "Mallory \ufffdgnp.exe", ("\u202e", "exe.png")),
    "emoji": ("Zoë 😀 👩\u200d🔬", "Zoë 😀 \ufffd\u200d\ufffd", ()),
    "chinese": ("李小龙", "李小龙", ()),  # from the fallback font
    "arabic": ("محمد عبد الله", "محمد عبد الله", ()),
    "hebrew": ("שרה לוי", "שרה לוי", ()),
}
# pdftotext marks the runs of a line it reads as right-to-left with embeddings (LRE, RLE, PDF);
# they are its own: what we draw never holds them (the RTL override test shows it).
POPPLER_MARKS = dict.fromkeys(map(ord, "\u202a\u202b\u202c"))
AMOUNT = re.compile(r"^-?€[\d,.]+$", re.MULTILINE)


def require_cjk_fonts() -> None:
    """Skip without the fallback fonts of fonts-droid-fallback; in CI (.ci/run installs them), fail."""
    missing = [path for path in DefaultConfig.PDF_FALLBACK_FONTS if not Path(path).exists()]
    if not missing:
        return
    message = f"needs Debian's fonts-droid-fallback ({', '.join(missing)} missing)"
    if IN_CI:
        pytest.fail(message + " (.ci/run installs it)")
    pytest.skip(message)


def pdf_text(data: bytes) -> str:
    """What a reader sees, without the amounts: they stand beside the first line of their label,
    and pdftotext reads them in between its lines."""
    assert data.startswith(b"%PDF")
    result = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return AMOUNT.sub("", result.stdout.decode().translate(POPPLER_MARKS))


def squashed(text: str) -> str:
    """Without white space: where a line wraps is the layout's business."""
    return "".join(text.split())


def word_boxes(data: bytes) -> list[tuple[float, float, float, float, str]]:
    """Each word's box on the page, in millimetres: (left, top, right, bottom, word)."""
    html = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=data, capture_output=True, check=True).stdout
    pt = 25.4 / 72
    return [(float(a) * pt, float(b) * pt, float(c) * pt, float(d) * pt, word) for a, b, c, d, word in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', html.decode())]


def hostile_delegate(typed: str, email: str) -> Registration:
    """A delegate whose last name, affiliation, category and billing details are `typed`."""
    user = UserFactory(email=email)
    category = CategoryFactory(name=typed, name_nl=typed, fee_cents=45000)
    return register(user, category, profile=profile(first_name="Ada", last_name=typed, affiliation=typed),
                    billing=BillingInput(name=f"Billed {typed}", address=f"Street {typed}\nLeiden",
                                         po_reference=f"PO {typed}"))


def assert_shows(text: str, shown: str, never: tuple[str, ...]) -> None:
    assert squashed(shown) in squashed(text)
    for forbidden in never:
        assert forbidden not in text


@pytest.mark.parametrize("case", HOSTILE)
def test_invoice_receipt_and_credit_note_print_user_text_literally(app, client: FlaskClient, case: str) -> None:
    typed, shown, never = HOSTILE[case]
    if case == "chinese":
        require_cjk_fonts()
    registration = hostile_delegate(typed, "zoe@example.org")
    db.session.commit()
    log_in(client, "zoe@example.org")

    invoice = client.get("/registration/invoice.pdf")
    assert invoice.status_code == 200 and invoice.mimetype == "application/pdf"
    text = pdf_text(invoice.data)
    for expected in (f"Delegate: Ada {shown}", f"Category: {shown}", f"Billed {shown}", f"Street {shown}",
                     f"PO {shown}", f"Registration fee ESOF 2022: {shown}"):
        assert_shows(text, expected, never)

    registration.payment_status = PaymentStatus.PAID
    registration.paid_at = datetime(2022, 5, 2, 10, 0, tzinfo=UTC)
    db.session.commit()
    receipt = client.get("/registration/receipt.pdf")
    assert receipt.status_code == 200
    assert_shows(pdf_text(receipt.data), f"Delegate: Ada {shown}", never)

    save_cancellation_rules(full_refund_until=date(2099, 1, 1), partial_refund_percent=0, partial_refund_until=None,
                            actor=UserFactory(roles=[Role.ORGANISER]))
    cancel_registration(registration=registration, actor=registration.user, notify=False)
    db.session.commit()
    note = db.session.scalars(sa.select(BillingDocument).where(
        BillingDocument.registration_id == registration.id, BillingDocument.kind == DocumentKind.CREDIT_NOTE)).one()
    credit = client.get(f"/registration/credit-note.pdf?number={note.number_text}")
    assert credit.status_code == 200
    text = pdf_text(credit.data)
    assert f"Credit note {note.number_text}" in text
    for expected in (f"Delegate: Ada {shown}", f"Billed {shown}", f"PO {shown}"):
        assert_shows(text, expected, never)


def test_badges_print_user_text_literally(app, client: FlaskClient) -> None:
    require_cjk_fonts()  # the Chinese name
    for number, (typed, _shown, _never) in enumerate(HOSTILE.values()):
        registration = register(UserFactory(), CategoryFactory(name="Regular"),
                                profile=profile(first_name="Ada", last_name=typed, affiliation=f"Uni {typed}"))
        registration.payment_status = PaymentStatus.PAID
        assert number < 8  # one sheet
    organiser = UserFactory(roles=[Role.ORGANISER])
    db.session.commit()
    log_in(client, organiser.email)

    response = client.get("/checkin/badges.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    for _typed, shown, never in HOSTILE.values():
        assert_shows(text, f"Ada {shown}", never)
        assert_shows(text, f"Uni {shown}", never)
    assert "\u2026" not in text  # nothing here is too long for its badge


def test_badge_cuts_long_text_with_an_ellipsis_inside_its_own_badge(app, client: FlaskClient) -> None:
    longest = profile(first_name="Wolfeschlegel" * 7, last_name="Steinhausen " * 8, affiliation="Universiteit " * 15)
    register(UserFactory(), CategoryFactory(name="Category " * 22), profile=longest)
    register(UserFactory(), CategoryFactory(name="Regular"), profile=profile(first_name="Next", last_name="Zwart"))
    db.session.execute(sa.update(Registration).values(payment_status=PaymentStatus.PAID))
    organiser = UserFactory(roles=[Role.ORGANISER])
    db.session.commit()
    log_in(client, organiser.email)

    response = client.get("/checkin/badges.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert text.count("\u2026") == 3  # the name, the affiliation and the category, each cut
    assert "Next Zwart" in text  # sorted by last name: the long one is the first badge
    first_badge_right = badges.MARGIN_X + badges.BADGE_W
    for left, top, right, bottom, word in word_boxes(response.data):
        if word.startswith(("Wolfe", "Stein", "Universiteit", "CATEG", "\u2026")):
            assert left >= badges.MARGIN_X and right <= first_badge_right, word
            assert top >= badges.MARGIN_Y and bottom <= badges.MARGIN_Y + badges.BADGE_H, word


def test_a_five_thousand_character_name_reaches_the_invoice_whole_and_the_badge_cut(app) -> None:
    """No form takes a name this long (100 characters at most); the drawing copes all the same."""
    name = "N" * 2500 + " " + "M" * 2500
    document = BillingDocument(
        kind=DocumentKind.INVOICE, number=1, number_text="ESOF2022-00001", registration_id=1,
        issued_at=datetime(2022, 5, 2, tzinfo=UTC), issued_on=date(2022, 5, 2), due_on=date(2022, 5, 16),
        language="en", seller={"name": "Stichting ESOF 2022 Leiden", "address": "Leiden"},
        buyer={"name": name, "address": "Leiden", "country": "NL"},
        lines=[{"text": "Registration fee", "cents": 45000}], delegate_name=name, category_name=name,
        payment_reference="ESOF-1", vat_rate_bp=2100, reverse_charge=False,
        net_cents=37190, vat_cents=7810, total_cents=45000,
    )
    with app.test_request_context():
        data = document_pdf(document)
    text = squashed(pdf_text(data))
    # The buyer, the delegate and the category: three times the whole name, over several pages.
    assert text.count("N" * 2500 + "M" * 2500) == 3
    assert data.count(b"/Type /Page\n") > 3 and "Total" in text

    sheet = badges.render_badges([badges.Badge(name=name, affiliation=name, category=name, colour="#1f4e79",
                                               qr_data="ticket")])
    badge_text = pdf_text(sheet)
    assert badge_text.count("\u2026") == 3 and len(squashed(badge_text)) < 300
    for left, _top, right, _bottom, _word in word_boxes(sheet):
        assert left >= badges.MARGIN_X and right <= badges.MARGIN_X + badges.BADGE_W


@pytest.mark.parametrize(("typed", "lines", "style", "drawn"), [
    ("Line 1\r\nLine 2\rLine 3", True, "", "Line 1\nLine 2\nLine 3"),  # an address keeps its lines
    ("Ada\nLovelace\tFRS", False, "", "Ada Lovelace FRS"),  # a name has one line
    ("Nul\x00 Del\x7f C1\x85 Surrogate\ud800", True, "", "Nul\ufffd Del\ufffd C1\ufffd Surrogate\ufffd"),
    ("a\u202bb\u2066c\u2069d\u202ce", True, "", "a\ufffdb\ufffdc\ufffdd\ufffde"),  # embeddings, isolates
    ("heart\u2764\ufe0f tag\U000e0041 vs\U000e0100", True, "", "heart\u2764\ufe0f tag vs"),  # invisible: kept if drawn
    ("soft\u00adhyphen zero\u200bwidth", True, "", "soft\u00adhyphen zero\u200bwidth"),  # the font has them
    ("𝖠𝖡", True, "", "𝖠𝖡"),  # sans-serif mathematical letters: in the regular face
    ("𝖠𝖡", True, "B", "\ufffd\ufffd"),  # but not in the bold one
    ("", True, "", ""),
    (None, True, "", ""),
])
def test_printable_keeps_what_the_font_draws_and_replaces_the_rest_visibly(
        typed: str | None, lines: bool, style: str, drawn: str) -> None:
    assert printable(typed, lines=lines, style=style) == drawn
