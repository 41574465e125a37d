"""The PDFs of invoices, credit notes and receipts, drawn from a stored BillingDocument alone
(and, for a receipt, the payment date), in the language the document was issued in.

fpdf2 with DejaVu Sans (the fonts the badges use, in esof/checkin/fonts: read from disk, not
imported, so registration does not depend on check-in) covers delegates' names and addresses
in any European script, Arabic and Hebrew, and the fallback fonts of pdf_text Chinese, Japanese
and Korean; fpdf2 embeds the glyphs used with their Unicode map, so the text can be extracted,
searched and read aloud. Every string is drawn through pdf_text.printable: as typed, never as
markup, and what no font can draw visibly replaced.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale, format_currency, format_date, format_decimal
from flask_babel import gettext as _

from esof.conference import to_local
from esof.registration.billing_models import BillingDocument, DocumentKind
from esof.registration.countries import country_name
from esof.registration.pdf_text import FONT, FONT_DIR, Document, add_fonts, printable, ready_for

LEFT, WIDTH = 20.0, 170.0
AMOUNT_W = 40.0


def _money(cents: int) -> str:
    return format_currency(cents / 100, "EUR")


def _rate(basis_points: int) -> str:
    return f"{format_decimal(basis_points / 100)} %"


class _Page:
    def __init__(self, title: str, language: str) -> None:
        pdf = Document(orientation="portrait", unit="mm", format="A4")
        pdf.set_margins(LEFT, 20, 20)
        pdf.set_auto_page_break(True, margin=20)
        add_fonts(pdf, FONT_DIR)
        pdf.set_title(title)
        pdf.set_creator("ESOF 2022 event platform")
        pdf.set_lang(language)
        pdf.add_page()
        self.pdf = pdf

    def text(self, value: str, *, size: float = 10, bold: bool = False, height: float = 5.0) -> None:
        style = "B" if bold else ""
        value = printable(value, style=style)
        self.pdf.set_font(FONT, style, size)
        self.pdf.set_x(LEFT)
        with ready_for(self.pdf, value):
            self.pdf.multi_cell(WIDTH, height, value, align="L", new_x="LMARGIN", new_y="NEXT")

    def pair(self, label: str, value: str, *, bold: bool = False) -> None:
        """A label and its amount on the right; a long label wraps within its column."""
        pdf = self.pdf
        style = "B" if bold else ""
        label, value = printable(label, style=style), printable(value, style=style, lines=False)
        pdf.set_font(FONT, style, 10)
        top = pdf.get_y()
        pdf.set_x(LEFT)
        with ready_for(pdf, label):
            pdf.multi_cell(WIDTH - AMOUNT_W - 2, 6, label, align="L", new_x="LMARGIN", new_y="NEXT")
        bottom = pdf.get_y()
        if bottom < top:  # the label ran onto a new page: the amount goes beside its last line
            top = bottom - 6
        pdf.set_xy(LEFT + WIDTH - AMOUNT_W, top)
        pdf.cell(AMOUNT_W, 6, value, align="R")
        pdf.set_xy(LEFT, max(bottom, top + 6))

    def rule(self) -> None:
        y = self.pdf.get_y() + 1
        self.pdf.set_draw_color(120, 120, 120)
        self.pdf.line(LEFT, y, LEFT + WIDTH, y)
        self.pdf.set_y(y + 2)

    def gap(self, mm: float = 4) -> None:
        self.pdf.ln(mm)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def _title(document: BillingDocument, receipt: bool) -> str:
    if receipt:
        return _("Receipt")
    return _("Invoice") if document.kind is DocumentKind.INVOICE else _("Credit note")


def _header(page: _Page, document: BillingDocument, title: str, credited: str) -> None:
    seller = document.seller
    page.text(seller.get("name", ""), size=12, bold=True)
    page.text(seller.get("address", ""))
    if seller.get("vat_number"):
        page.text(_("VAT number: %(number)s", number=seller["vat_number"]))
    page.gap(6)
    page.text(f"{title} {document.number_text}", size=16, bold=True, height=8)
    page.text(_("Date: %(date)s", date=format_date(document.issued_on, "long")))
    if credited:
        page.text(_("Credits invoice %(number)s", number=credited))
    page.text(_("Payment reference: %(reference)s", reference=document.payment_reference))
    buyer = document.buyer
    if buyer.get("po_reference"):
        page.text(_("Your reference (purchase order): %(reference)s", reference=buyer["po_reference"]))
    page.gap()
    page.text(_("Billed to"), bold=True)
    for line in (buyer.get("name", ""), buyer.get("affiliation", ""), buyer.get("address", "")):
        if line:
            page.text(line)
    if buyer.get("country") and not buyer.get("address"):  # a billing address carries its own country
        page.text(country_name(buyer["country"], document.language))
    if buyer.get("vat_number"):
        page.text(_("VAT number: %(number)s", number=buyer["vat_number"]))
    page.gap()
    page.text(_("Delegate: %(name)s", name=document.delegate_name))
    page.text(_("Category: %(category)s", category=document.category_name))
    page.gap()


def _amounts(page: _Page, document: BillingDocument, sign: int) -> None:
    page.pair(_("Description"), _("Amount"), bold=True)
    page.rule()
    for line in document.lines:
        page.pair(str(line["text"]), _money(sign * int(line["cents"])))
    page.rule()
    page.pair(_("Net amount"), _money(sign * document.net_cents))
    if document.reverse_charge:
        page.pair(_("VAT 0 % (reverse charge)"), _money(0))
    else:
        page.pair(_("VAT %(rate)s", rate=_rate(document.vat_rate_bp)), _money(sign * document.vat_cents))
    page.pair(_("Total"), _money(sign * document.total_cents), bold=True)
    page.gap()
    if document.reverse_charge:
        page.text(_(
            "VAT reverse-charged: the customer accounts for the VAT (Article 196 of Council Directive "
            "2006/112/EC). Customer VAT number: %(number)s.", number=document.buyer.get("vat_number", "")))
        page.gap()


def _payment(page: _Page, document: BillingDocument, receipt_paid_at: datetime | None) -> None:
    seller = document.seller
    if receipt_paid_at is not None:
        page.text(_("Received with thanks on %(date)s: %(amount)s.",
                    date=format_date(to_local(receipt_paid_at).date(), "long"),
                    amount=_money(document.total_cents)), bold=True)
    elif document.kind is DocumentKind.INVOICE:
        if document.due_on is not None:
            page.text(_("Please pay by %(date)s.", date=format_date(document.due_on, "long")))
        page.text(_(
            "Please transfer %(amount)s to IBAN %(iban)s (BIC %(bic)s, %(holder)s) and write the payment "
            "reference %(reference)s in the description.",
            amount=_money(document.total_cents), iban=seller.get("iban", ""), bic=seller.get("bic", ""),
            holder=seller.get("account_holder", ""), reference=document.payment_reference))
    else:
        page.text(_("This amount is refunded to the account the payment came from."))


def document_pdf(
    document: BillingDocument, *, credited_number: str = "", receipt_paid_at: datetime | None = None
) -> bytes:
    """The PDF of an invoice or credit note; with `receipt_paid_at`, the invoice's receipt."""
    with force_locale(document.language):
        receipt = receipt_paid_at is not None
        title = _title(document, receipt)
        page = _Page(f"{title} {document.number_text}", document.language)
        _header(page, document, title, credited_number)
        sign = -1 if document.kind is DocumentKind.CREDIT_NOTE else 1
        _amounts(page, document, sign)
        _payment(page, document, receipt_paid_at)
        return page.output()
