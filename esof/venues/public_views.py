"""The public venue pages: every venue, and one venue with its address, map link, step-free
entrance, rooms and the published sessions held there, by day.

Cached under the programme's topic: a commit to a venue, a room or a published version makes
new keys (esof/feeds/stamps.py watches those rows), so an edited address or a publication shows
at once. The page is the same for everybody, so a logged-in visitor gets it with their header.
"""
from __future__ import annotations

from urllib.parse import quote_plus

from flask import abort, render_template
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from esof import access
from esof.conference import conference_zone
from esof.page_cache import PROGRAMME, cached_page
from esof.venues import public
from esof.venues.blueprint import bp
from esof.venues.models import Venue


def map_link(venue: Venue) -> str | None:
    """OpenStreetMap at the venue's coordinates, else a search for its address."""
    if venue.coordinates is not None:
        lat, lon = venue.coordinates
        return f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=18/{lat:.5f}/{lon:.5f}"
    if venue.full_address:
        return "https://www.openstreetmap.org/search?query=" + quote_plus(venue.full_address)
    return None


@bp.get("/venues/")
@access.public
@cached_page(topics=(PROGRAMME,), shared=True)
def public_index() -> ResponseReturnValue:
    return render_template("venues/public_index.html", venues=public.public_venues(), map_link=map_link)


@bp.get("/venues/<slug>")
@access.public
@cached_page(topics=(PROGRAMME,), shared=True)
def public_detail(slug: str) -> ResponseReturnValue:
    venue = public.venue_by_slug(slug)
    if venue is None:
        abort(404)
    days = public.sessions_by_day(venue, language=str(get_locale() or "en"), zone=conference_zone())
    return render_template("venues/public_detail.html", venue=venue, days=days, map_link=map_link(venue))
