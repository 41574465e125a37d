"""Pure billing rules, without a database: VAT numbers and reverse charge, splitting a fee
into net and VAT, and the refund a cancellation earns under the organisers' rules.

Fees are prices including VAT (what a delegate sees is what they pay). Under reverse charge
the invoice shows 0 % VAT and the whole fee as net amount: the amount charged, and so the
bank transfer matched against the payment reference, stays the same.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# VAT identification prefixes of the EU member states (Greece uses EL, Northern Ireland XI).
EU_VAT_PREFIXES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI",
})
VAT_NUMBER = re.compile(r"^[A-Z]{2}[0-9A-Z]{2,13}$")


def normalise_vat_number(text: str) -> str:
    """Upper case without the spaces, dots and hyphens people type: 'nl 8123.45.678.B01'."""
    return re.sub(r"[\s.\-]", "", text or "").upper()


def is_plausible_vat_number(number: str) -> bool:
    """A country prefix and 2 to 13 letters or digits (the shape; VIES knows the rest)."""
    return bool(VAT_NUMBER.match(number))


def vat_country(number: str) -> str:
    """The ISO country of a VAT number's prefix, '' when it is not an EU one."""
    prefix = number[:2]
    if prefix not in EU_VAT_PREFIXES:
        return ""
    return {"EL": "GR", "XI": "GB"}.get(prefix, prefix)


def reverse_charge_applies(vat_number: str, seller_country: str) -> bool:
    """An EU VAT number of another member state than the seller's: the buyer accounts for the
    VAT (Article 196 of Directive 2006/112/EC)."""
    country = vat_country(normalise_vat_number(vat_number))
    return bool(country) and country != seller_country.upper()


@dataclass(frozen=True)
class VatSplit:
    net_cents: int
    vat_cents: int
    rate_bp: int  # basis points: 2100 is 21 %

    @property
    def total_cents(self) -> int:
        return self.net_cents + self.vat_cents


def split_gross(gross_cents: int, rate_bp: int) -> VatSplit:
    """Net and VAT of a price including VAT; the net amount rounded half up to a cent and the
    VAT the rest, so the two always add up to the price."""
    if rate_bp <= 0:
        return VatSplit(gross_cents, 0, 0)
    net = (gross_cents * 10000 * 2 + (10000 + rate_bp)) // (2 * (10000 + rate_bp))
    return VatSplit(net, gross_cents - net, rate_bp)


def rate_basis_points(rate_percent: object) -> int:
    """'21', 21, '9.5' or '21,0' from the settings as basis points."""
    text = str(rate_percent).strip().replace(",", ".")
    whole, _, fraction = text.partition(".")
    fraction = (fraction + "00")[:2]
    value = int(whole or "0") * 100 + int(fraction or "0")
    if not 0 <= value <= 10000:
        raise ValueError(f"VAT rate out of range: {rate_percent!r}")
    return value


@dataclass(frozen=True)
class CancellationRules:
    full_refund_until: date | None = None
    partial_refund_percent: int = 50
    partial_refund_until: date | None = None


def refund_percent(rules: CancellationRules, cancelled_on: date) -> int:
    """The share of the fee refunded for a cancellation on `cancelled_on` (conference date).

    On or before the full-refund date: 100. After it, until the partial-refund date: the
    percentage. After that: 0. A missing date means that step does not end.
    """
    if rules.full_refund_until is None and rules.partial_refund_until is None:
        return 100  # no rules set: a cancellation costs nothing
    if rules.full_refund_until is not None and cancelled_on <= rules.full_refund_until:
        return 100
    if rules.partial_refund_until is None or cancelled_on <= rules.partial_refund_until:
        return rules.partial_refund_percent
    return 0


def refund_cents(paid_cents: int, percent: int) -> int:
    """The refund of `percent` of what was paid, rounded half up to a cent."""
    return (paid_cents * percent * 2 + 100) // 200
