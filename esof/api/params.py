"""Query-string parsing for the API: strict, so a typo is a 400 with a reason, never a
silently ignored filter.

Two kinds of filter values, two rules (see docs/API.md):
- session filters are read by esof.programme.filters.ProgrammeFilters, as the programme page
  and the programme feed read them: a day that is not a conference day, an unknown track or
  venue, a format or language outside the list answer 400 with the reason;
- side-event values fixed by the contract (categories, audiences, languages, dates, page
  numbers) must be valid, else 400; neighbourhoods and search words only have to be
  well-formed (one that names nothing matches nothing).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from esof.errors import ValidationFailed
from esof.programme.filters import MAX_QUERY_LENGTH as MAX_PROGRAMME_QUERY_LENGTH
from esof.programme.filters import InvalidFilter, ProgrammeFilters
from esof.side_events.models import AUDIENCE_VALUES
from esof.side_events.queries import CATEGORY_VALUES, LANGUAGE_VALUES, MAX_QUERY_LENGTH, CalendarFilter

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
MAX_PAGE = 100_000
MAX_NEIGHBOURHOOD_LENGTH = 100
CONTENT_LANGUAGES = ("en", "nl")
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2199, 12, 31)


class InvalidParameter(ValidationFailed):
    """A query parameter the API cannot use; the reason names it and what it accepts."""

    default_message = _l("A query parameter is not valid.")


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def _present(args: Mapping[str, Any], name: str) -> bool:
    return name in args


def _one(args: Mapping[str, Any], name: str) -> str:
    """The single value of a parameter ('' when absent); a repeated one is an error."""
    values = args.getlist(name) if hasattr(args, "getlist") else [args.get(name)] if name in args else []
    if len(values) > 1:
        raise InvalidParameter(_("The parameter %(name)s may be given only once.", name=name))
    return str(values[0]).strip() if values else ""


def _list(args: Mapping[str, Any], name: str) -> list[str]:
    """Repeated (?a=x&a=y) or comma-separated (?a=x,y) values, stripped, empties dropped."""
    values = args.getlist(name) if hasattr(args, "getlist") else [args[name]] if name in args else []
    return [part.strip() for value in values for part in str(value).split(",") if part.strip()]


def _integer(args: Mapping[str, Any], name: str, *, default: int, low: int, high: int) -> int:
    text = _one(args, name)
    if not text and not _present(args, name):
        return default
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise InvalidParameter(_("%(name)s must be a whole number from %(low)d to %(high)d.",
                                 name=name, low=low, high=high))
    return int(text)


def _date(args: Mapping[str, Any], name: str) -> date | None:
    text = _one(args, name)
    if not text and not _present(args, name):
        return None
    try:
        if not DATE_PATTERN.fullmatch(text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidParameter(_("%(name)s must be a date like 2022-07-13.", name=name)) from exc
    # Any valid date is accepted; far ones are pulled in, where they match the same (nothing),
    # so that a day after it and instants in UTC stay representable.
    return min(max(day, EARLIEST_DAY), LATEST_DAY)


def _choice(args: Mapping[str, Any], name: str, allowed: tuple[str, ...] | frozenset[str]) -> str:
    value = _one(args, name)
    if _present(args, name) and value not in allowed:
        raise InvalidParameter(_("%(name)s must be one of: %(values)s.", name=name,
                                 values=", ".join(sorted(allowed))))
    return value


def _choices(args: Mapping[str, Any], name: str, allowed: frozenset[str]) -> list[str]:
    raw = args.getlist(name) if hasattr(args, "getlist") else [args[name]] if name in args else []
    values = [part.strip() for value in raw for part in str(value).split(",")]
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise InvalidParameter(_("%(name)s must be one or more of: %(values)s.", name=name,
                                 values=", ".join(sorted(allowed))))
    return values


def _text(args: Mapping[str, Any], name: str, *, max_length: int) -> str:
    value = _one(args, name)
    if len(value) > max_length:
        raise InvalidParameter(_("%(name)s may be at most %(count)d characters long.",
                                 name=name, count=max_length))
    _refuse_nul(name, value)
    return value


def _refuse_nul(name: str, value: str) -> None:
    # PostgreSQL cannot hold NUL in text: refused here rather than a server error there.
    if "\x00" in value:
        raise InvalidParameter(_("%(name)s may not contain a NUL character.", name=name))


def parse_page(args: Mapping[str, Any]) -> PageRequest:
    return PageRequest(
        page=_integer(args, "page", default=1, low=1, high=MAX_PAGE),
        per_page=_integer(args, "per_page", default=DEFAULT_PER_PAGE, low=1, high=MAX_PER_PAGE),
    )


def parse_session_filters(args: Mapping[str, Any]) -> ProgrammeFilters:
    """The programme's own filter reading (the page and the feed read them the same way), its
    refusal named as every other refusal of a query parameter in the API."""
    try:
        return ProgrammeFilters.from_args(args)
    except InvalidFilter as exc:
        raise InvalidParameter(exc.message) from exc


@dataclass(frozen=True)
class SideEventQuery:
    """The /calendar/ filters (CalendarFilter) plus a window of local days."""

    calendar_filter: CalendarFilter
    first_day: date | None = None
    last_day: date | None = None


def parse_language(args: Mapping[str, Any]) -> str:
    return _choice(args, "lang", CONTENT_LANGUAGES) or "en"


def parse_side_event_query(args: Mapping[str, Any]) -> SideEventQuery:
    categories = _choices(args, "category", CATEGORY_VALUES)
    audiences = _choices(args, "audience", AUDIENCE_VALUES)
    languages = _choices(args, "language", LANGUAGE_VALUES)
    neighbourhoods = _list(args, "neighbourhood")
    if any(len(n) > MAX_NEIGHBOURHOOD_LENGTH for n in neighbourhoods):
        raise InvalidParameter(_("%(name)s may be at most %(count)d characters long.",
                                 name="neighbourhood", count=MAX_NEIGHBOURHOOD_LENGTH))
    for neighbourhood in neighbourhoods:
        _refuse_nul("neighbourhood", neighbourhood)
    free = _one(args, "free").lower()
    if _present(args, "free") and free not in TRUE_WORDS | FALSE_WORDS:
        raise InvalidParameter(_("free must be true or false."))
    text = _text(args, "q", max_length=MAX_QUERY_LENGTH)
    # `to` before `from` is an empty window: it matches nothing (200, no items).
    first_day, last_day = _date(args, "from"), _date(args, "to")
    # CalendarFilter reads the same arguments the calendar page reads, now known to be valid.
    calendar_filter = CalendarFilter.from_args({
        "category": categories, "audience": audiences, "language": languages,
        "neighbourhood": neighbourhoods, "free": "1" if free in TRUE_WORDS else "", "q": text,
    })
    return SideEventQuery(calendar_filter, first_day, last_day)


def parse_occurrences_from(args: Mapping[str, Any]) -> date | None:
    """The local day from which a single event lists its next occurrences (default: now)."""
    return _date(args, "from")


def parse_speaker_query(args: Mapping[str, Any]) -> str:
    """Words in a speaker's published name or affiliation, as the speakers page reads them."""
    return _text(args, "q", max_length=MAX_PROGRAMME_QUERY_LENGTH)
