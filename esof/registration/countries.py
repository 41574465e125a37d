"""ISO 3166-1 alpha-2 countries, named in the reader's language, from Babel's CLDR data.

CLDR's territory list holds every ISO 3166-1 country plus codes that are not countries:
ISO's user-assigned range (AA, QM-QZ, XA-XZ, ZZ) and ISO's "exceptionally reserved" codes
(EU, UN, Canary Islands ...). Both are dropped by rule; Kosovo (XK, user-assigned but used by
the European Commission and most registries) stays because delegates come from there.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

from babel import Locale

# ISO 3166/MA exceptionally reserved codes that CLDR lists as territories.
EXCEPTIONALLY_RESERVED = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "FX", "IC", "SU", "TA", "UK", "UN"})
KEPT_USER_ASSIGNED = frozenset({"XK"})


def _user_assigned(code: str) -> bool:
    return code == "AA" or code == "ZZ" or ("QM" <= code <= "QZ") or code.startswith("X")


def _is_country(code: str) -> bool:
    if len(code) != 2 or not code.isalpha() or not code.isupper():
        return False
    if code in KEPT_USER_ASSIGNED:
        return True
    return not _user_assigned(code) and code not in EXCEPTIONALLY_RESERVED


@lru_cache(maxsize=8)
def country_names(language: str) -> dict[str, str]:
    territories = Locale.parse(language).territories
    return {code: name for code, name in territories.items() if _is_country(code)}


def country_choices(language: str) -> list[tuple[str, str]]:
    names = country_names(language)
    return sorted(names.items(), key=lambda item: _sort_key(item[1]))


def _sort_key(name: str) -> str:
    """Alphabetical ignoring accents, so 'Åland' sorts with the A's."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


def is_country_code(code: str) -> bool:
    return code in country_names("en")


def country_name(code: str, language: str = "en") -> str:
    return country_names(language).get(code, code)
