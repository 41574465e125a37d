"""The programme blueprint, shared by its public, organiser and schedule views."""
from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Blueprint, request

from esof.accounts.auth import roles_required
from esof.accounts.models import Role
from esof.conference import to_local
from esof.db import utcnow

bp = Blueprint("programme", __name__, url_prefix="/programme")
organiser_only = roles_required(Role.ORGANISER)


def int_arg(name: str) -> int | None:
    """An id in the organisers' query string (a venue or track picker); anything else is none."""
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def day_arg(name: str = "day") -> date | None:
    """A day in the organisers' query string; the pages fall back to the first conference day."""
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.app_template_filter("zone_abbr")
def zone_abbr(moment: datetime) -> str:
    """'CEST' — the conference zone's abbreviation at that instant."""
    return to_local(moment).tzname() or ""


@bp.app_template_filter("from_iso")
def from_iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


@bp.app_template_filter("atom_date")
def atom_date(moment: datetime | None) -> str:
    """RFC 3339 in UTC, as Atom wants it."""
    return (moment or utcnow()).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
