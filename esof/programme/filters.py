"""The programme's filters (day, track, venue, format, language, words), read from a query string
once and the same way for the programme page, the programme feed and the API.

One policy for a value that cannot be used: ``InvalidFilter`` (400) with a reason that names the
parameter and what it accepts. The API and the feed answer it; the page shows it as a message
and lists the programme without that filter.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from esof.conference import conference_days
from esof.errors import ValidationFailed
from esof.extensions import db
from esof.programme.models import SessionFormat, Track
from esof.venues.models import Venue

MAX_SLUG_LENGTH = 80
MAX_QUERY_LENGTH = 200
SESSION_FORMATS = tuple(f.value for f in SessionFormat)
SESSION_LANGUAGES = ("en", "nl")
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class InvalidFilter(ValidationFailed):
    """A filter value the programme cannot use; `name` is the parameter."""

    default_message = _l("A filter is not valid.")

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        super().__init__(message)


@dataclass(frozen=True)
class ProgrammeFilters:
    day: date | None = None
    track: str = ""
    venue: str = ""
    format: str = ""
    language: str = ""
    q: str = ""

    @classmethod
    def from_args(
        cls, args: Mapping[str, Any], *, allowed: tuple[str, ...] | None = None, check_names: bool = True,
    ) -> ProgrammeFilters:
        """Filters from a query string; raises InvalidFilter for the first value that cannot be used.

        `allowed` limits the parameters read (the feed has no format, language or words).
        `check_names=False` leaves the database out: the caller calls check_names() itself
        where it reads the database anyway (a cached feed only when it renders)."""
        names = allowed or tuple(f.name for f in fields(cls))
        values = {name: _single(args, name) for name in names}
        filters = cls(
            day=_day(values.get("day", "")),
            track=_slug("track", values.get("track", "")),
            venue=_slug("venue", values.get("venue", "")),
            format=_choice("format", values.get("format", ""), SESSION_FORMATS),
            language=_choice("language", values.get("language", ""), SESSION_LANGUAGES),
            q=_words(values.get("q", "")),
        )
        if check_names:
            filters.check_names()
        return filters

    @classmethod
    def from_args_or_message(cls, args: Mapping[str, Any]) -> tuple[ProgrammeFilters, str | None]:
        """For pages: the filters that can be used, and the reason why one was left out."""
        try:
            return cls.from_args(args), None
        except InvalidFilter as exc:
            usable = {key: value for key, value in args.items() if key != exc.name}
            filters, _second = cls.from_args_or_message(usable)
            return filters, exc.message

    def check_names(self) -> None:
        """A track or venue must exist: a typo answers with the reason, not an empty programme."""
        if self.track and db.session.scalar(sa.select(Track.id).where(Track.slug == self.track)) is None:
            raise InvalidFilter("track", _("There is no track “%(value)s” in the programme.", value=self.track))
        if self.venue and db.session.scalar(sa.select(Venue.id).where(Venue.slug == self.venue)) is None:
            raise InvalidFilter("venue", _("There is no venue “%(value)s” in the programme.", value=self.venue))

    def with_day(self, day: date | None) -> ProgrammeFilters:
        return replace(self, day=day)

    def as_args(self) -> dict[str, str]:
        args = {"day": self.day.isoformat() if self.day else "", "track": self.track, "venue": self.venue,
                "format": self.format, "language": self.language, "q": self.q}
        return {k: v for k, v in args.items() if v}


def known_filter_values() -> dict[str, list[str]]:
    """The days, track slugs and venue slugs a filter may name now (two small queries)."""
    return {
        "day": [day.isoformat() for day in conference_days()],
        "track": list(db.session.scalars(sa.select(Track.slug).order_by(Track.slug))),
        "venue": list(db.session.scalars(sa.select(Venue.slug).order_by(Venue.slug))),
    }


def _single(args: Mapping[str, Any], name: str) -> str:
    values = args.getlist(name) if hasattr(args, "getlist") else [args[name]] if name in args else []
    if len(values) > 1:
        raise InvalidFilter(name, _("The parameter %(name)s may be given only once.", name=name))
    value = str(values[0]).strip() if values else ""
    if "\x00" in value:  # PostgreSQL cannot hold NUL in text: refused here, not a server error there
        raise InvalidFilter(name, _("%(name)s may not contain a NUL character.", name=name))
    return value


def _day(text: str) -> date | None:
    if not text:
        return None
    try:
        if not DATE_PATTERN.fullmatch(text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidFilter("day", _("%(name)s must be a date like 2022-07-13.", name="day")) from exc
    days = conference_days()
    if day not in days:
        raise InvalidFilter("day", _("day must be one of the conference days, %(first)s to %(last)s.",
                                     first=days[0].isoformat(), last=days[-1].isoformat()))
    return day


def _slug(name: str, value: str) -> str:
    if len(value) > MAX_SLUG_LENGTH:
        raise InvalidFilter(name, _("%(name)s may be at most %(count)d characters long.",
                                    name=name, count=MAX_SLUG_LENGTH))
    return value


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value and value not in allowed:
        raise InvalidFilter(name, _("%(name)s must be one of: %(values)s.", name=name,
                                    values=", ".join(sorted(allowed))))
    return value


def _words(value: str) -> str:
    if len(value) > MAX_QUERY_LENGTH:
        raise InvalidFilter("q", _("%(name)s may be at most %(count)d characters long.",
                                   name="q", count=MAX_QUERY_LENGTH))
    return value
