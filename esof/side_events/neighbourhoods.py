"""Leiden's neighbourhoods as the City of Science calendar names them: the one list partners
choose from when they submit an event and visitors filter by, with a central point each
(lat, lon) for events that give a neighbourhood but no address."""
from __future__ import annotations

NEIGHBOURHOODS: dict[str, tuple[float, float]] = {
    "Binnenstad-Noord": (52.1613, 4.4920),
    "Binnenstad-Zuid": (52.1565, 4.4880),
    "Stationsdistrict": (52.1665, 4.4810),
    "Leiden-Noord": (52.1700, 4.4950),
    "Bio Science Park": (52.1670, 4.4660),
    "Roodenburgerdistrict": (52.1500, 4.4980),
    "Morsdistrict": (52.1620, 4.4720),
    "Boerhaavedistrict": (52.1560, 4.5020),
    "Merenwijk": (52.1800, 4.5060),
    "Stevenshof": (52.1450, 4.4500),
}


def with_stored(stored: list[str]) -> list[str]:
    """The list, then any other name events already carry (older data), each once."""
    extra = sorted(set(stored) - NEIGHBOURHOODS.keys())
    return [*NEIGHBOURHOODS, *extra]
