"""The side events blueprint, shared by its public, partner, moderation and organisation views."""
from __future__ import annotations

from datetime import date
from urllib.parse import quote_plus

from flask import Blueprint, request
from flask_babel import get_locale
from flask_login import current_user

from esof.accounts.models import Role
from esof.conference import conference_zone, festival_year
from esof.db import utcnow
from esof.side_events import queries
from esof.side_events.forms import AUDIENCE_LABELS, CATEGORY_LABELS, LANGUAGE_LABELS
from esof.side_events.models import SideEventRevision

bp = Blueprint("side_events", __name__, url_prefix="/calendar")

PER_PAGE = 20
FILTER_ARGS = ("category", "audience", "language", "neighbourhood", "free", "q")


def without_editor_links() -> bool:
    """The calendar's views offer partners and organisers their own links (_views_nav.html);
    anyone else sees the visitor's page, and gets the cached one with their own header."""
    return not current_user.has_role(Role.PARTNER, Role.ORGANISER)


@bp.context_processor
def calendar_context() -> dict[str, object]:
    return {
        "category_labels": {c.value: label for c, label in CATEGORY_LABELS.items()},
        "audience_labels": {a.value: label for a, label in AUDIENCE_LABELS.items()},
        "language_labels": LANGUAGE_LABELS,
        "visitor_language": str(get_locale() or "en"),
        "map_link": map_link,
        "last_day": lambda occurrence: queries.last_local_day(occurrence, conference_zone()),
    }


def map_link(revision: SideEventRevision) -> str | None:
    """An OpenStreetMap link to the revision's place: its coordinates if known, else a search
    for its address."""
    place = revision.place
    if place.coordinates is not None:
        lat, lon = place.coordinates
        return f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=17/{lat:.5f}/{lon:.5f}"
    if place.address:
        return "https://www.openstreetmap.org/search?query=" + quote_plus(place.address)
    return None


def list_start() -> date:
    """?from=YYYY-MM-DD, else today in the festival year, else the festival year's first day."""
    raw = request.args.get("from", "")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        pass
    today = utcnow().astimezone(conference_zone()).date()
    year = festival_year()
    return today if today.year == year else date(year, 1, 1)


