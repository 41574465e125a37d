"""A revision's effective place (SideEventRevision.place): the one rule behind the event page's
map link, the iCal LOCATION and GEO, and the API's "location"."""
from __future__ import annotations

import pytest

from esof.side_events.models import EventCategory, Place, SideEventRevision
from esof.venues.models import Venue

HORTUS = {"name": "Hortus botanicus", "address": "Rapenburg 73", "latitude": 52.1575, "longitude": 4.4853}


def _revision(venue: dict[str, object] | None = None, **fields: object) -> SideEventRevision:
    values: dict[str, object] = {"location_name": "", "address": "", "neighbourhood": "", **fields}
    revision = SideEventRevision(category=EventCategory.TOUR, **values)
    revision.venue = Venue(slug="v", **venue) if venue is not None else None
    return revision


@pytest.mark.parametrize(
    ("venue", "fields", "address", "coordinates"),
    [
        # the revision's own address and coordinates win over the venue's
        (HORTUS, {"address": "Nonnensteeg 3", "latitude": 52.16, "longitude": 4.49}, "Nonnensteeg 3", (52.16, 4.49)),
        # what the partner left out comes from the venue
        (HORTUS, {}, "Rapenburg 73", (52.1575, 4.4853)),
        (HORTUS, {"address": "Nonnensteeg 3"}, "Nonnensteeg 3", (52.1575, 4.4853)),
        # no venue: only what the partner gave
        (None, {"address": "Breestraat 1"}, "Breestraat 1", None),
        (None, {"latitude": 52.16, "longitude": 4.49}, "", (52.16, 4.49)),
        # coordinates go as a pair: half of the revision's is not mixed with the venue's
        (HORTUS, {"latitude": 52.16}, "Rapenburg 73", (52.1575, 4.4853)),
        (None, {"longitude": 4.49}, "", None),
    ],
)
def test_place_takes_what_the_revision_gives_else_the_venue(
    venue: dict[str, object] | None, fields: dict[str, object], address: str, coordinates: tuple[float, float] | None
) -> None:
    place = _revision(venue, **fields).place
    assert (place.address, place.coordinates) == (address, coordinates)
    assert (place.latitude, place.longitude) == (coordinates or (None, None))


def test_place_keeps_the_partners_name_neighbourhood_and_the_venue() -> None:
    revision = _revision(HORTUS, location_name="The greenhouse", neighbourhood="Binnenstad")
    place = revision.place
    assert place == Place(name="The greenhouse", venue=revision.venue, address="Rapenburg 73",
                          neighbourhood="Binnenstad", coordinates=(52.1575, 4.4853))
    assert place.venue_name == "Hortus botanicus"
    assert _revision().place.venue_name == ""
