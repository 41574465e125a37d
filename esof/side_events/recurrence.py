"""Recurrence: the friendly form's choices as RFC 5545 RRULE/EXDATE, and their expansion.

Rules are expanded in the conference zone on wall-clock time (python-dateutil iterates an
aware start in Europe/Amsterdam), so a talk at 10:00 stays at 10:00 when the clocks change
on 27 March and 30 October 2022. Occurrences are then stored as UTC instants.

Stored form (SideEventRevision):
- ``rrule``: the RRULE value without "RRULE:", e.g. ``FREQ=WEEKLY;BYDAY=TU,SA;UNTIL=20220630T215959Z``.
  Timed events give UNTIL in UTC (RFC 5545 3.3.10 with a zoned DTSTART); all-day events
  give a DATE.
- ``exdates``: RFC 5545 EXDATE values in the conference zone: ``20220418T100000`` (with
  TZID=<conference zone>) for timed events, ``20220418`` (VALUE=DATE) for all-day ones.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class Frequency(enum.StrEnum):
    NONE = "none"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class Recurrence:
    """What the friendly form asks: how often, on which weekdays, until when, except when."""

    frequency: Frequency = Frequency.NONE
    interval: int = 1
    weekdays: tuple[int, ...] = ()  # 0 = Monday, as date.weekday()
    until: date | None = None
    exdates: tuple[date, ...] = field(default_factory=tuple)

    @property
    def repeats(self) -> bool:
        return self.frequency is not Frequency.NONE


@dataclass(frozen=True)
class Occurrence:
    starts_at: datetime  # aware, UTC
    ends_at: datetime  # aware, UTC; for all-day events the local midnight after the last day
    local_day: date
    all_day: bool


def build_rrule(recurrence: Recurrence, *, all_day: bool, zone: ZoneInfo) -> str | None:
    if not recurrence.repeats:
        return None
    parts = [f"FREQ={recurrence.frequency.value.upper()}"]
    if recurrence.interval > 1:
        parts.append(f"INTERVAL={recurrence.interval}")
    if recurrence.frequency is Frequency.WEEKLY and recurrence.weekdays:
        parts.append("BYDAY=" + ",".join(WEEKDAY_CODES[d] for d in sorted(set(recurrence.weekdays))))
    if recurrence.until is not None:
        if all_day:
            parts.append("UNTIL=" + recurrence.until.strftime("%Y%m%d"))
        else:
            last_moment = datetime.combine(recurrence.until, time(23, 59, 59), tzinfo=zone)
            parts.append("UNTIL=" + last_moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"))
    return ";".join(parts)


def build_exdates(dates: Iterable[date], *, all_day: bool, start_time: time | None) -> list[str]:
    values = []
    for day in sorted(set(dates)):
        if all_day or start_time is None:
            values.append(day.strftime("%Y%m%d"))
        else:
            values.append(datetime.combine(day, start_time).strftime("%Y%m%dT%H%M%S"))
    return values


def exdate_day(value: str) -> date:
    return datetime.strptime(value[:8], "%Y%m%d").date()


def parse_rrule(rule: str | None, exdates: Iterable[str] = (), *, zone: ZoneInfo) -> Recurrence:
    """The inverse of build_rrule, to fill the edit form again."""
    if not rule:
        return Recurrence()
    parts = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    until = None
    if "UNTIL" in parts:
        raw = parts["UNTIL"]
        if raw.endswith("Z"):
            until = datetime.strptime(raw, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).astimezone(zone).date()
        else:
            until = datetime.strptime(raw[:8], "%Y%m%d").date()
    weekdays = tuple(
        WEEKDAY_CODES.index(code) for code in parts.get("BYDAY", "").split(",") if code in WEEKDAY_CODES
    )
    return Recurrence(
        frequency=Frequency(parts.get("FREQ", "NONE").lower()),
        interval=int(parts.get("INTERVAL", "1")),
        weekdays=weekdays,
        until=until,
        exdates=tuple(exdate_day(v) for v in exdates),
    )


class TooManyOccurrences(ValueError):
    pass


def _starts(dtstart: datetime, rule: str | None, limit: int) -> list[datetime]:
    if not rule:
        return [dtstart]
    starts = list(islice(iter(rrulestr(rule, dtstart=dtstart)), limit + 1))
    if len(starts) > limit:
        raise TooManyOccurrences(limit)
    return starts


def expand(
    *,
    all_day: bool,
    starts_at: datetime | None,
    ends_at: datetime | None,
    start_date: date | None,
    end_date: date | None,
    rule: str | None,
    exdates: Iterable[str],
    zone: ZoneInfo,
    limit: int = 500,
) -> list[Occurrence]:
    """Every occurrence of an event, in order; raises TooManyOccurrences above `limit`.

    The limit counts the dates the rule produces before exclusions, so a rule cannot hide a
    huge series behind a long list of excluded dates.
    """
    excluded = {exdate_day(v) for v in exdates}
    return list(_expand(all_day, starts_at, ends_at, start_date, end_date, rule, excluded, zone, limit))


def _expand(
    all_day: bool,
    starts_at: datetime | None,
    ends_at: datetime | None,
    start_date: date | None,
    end_date: date | None,
    rule: str | None,
    excluded: set[date],
    zone: ZoneInfo,
    limit: int,
) -> Iterator[Occurrence]:
    if all_day:
        assert start_date is not None and end_date is not None
        days = (end_date - start_date).days + 1
        for start in _starts(datetime.combine(start_date, time()), rule, limit):
            day = start.date()
            if day in excluded:
                continue
            first = datetime.combine(day, time(), tzinfo=zone)
            after = datetime.combine(day + timedelta(days=days), time(), tzinfo=zone)
            yield Occurrence(first.astimezone(UTC), after.astimezone(UTC), day, True)
        return
    assert starts_at is not None and ends_at is not None
    local_start = starts_at.astimezone(zone)
    # The duration on the wall clock: 10:00-12:00 stays 10:00-12:00 on a day the clocks change.
    wall_duration = ends_at.astimezone(zone).replace(tzinfo=None) - local_start.replace(tzinfo=None)
    for start in _starts(local_start, rule, limit):
        if start.date() in excluded:
            continue
        end = (start.replace(tzinfo=None) + wall_duration).replace(tzinfo=zone)
        yield Occurrence(start.astimezone(UTC), end.astimezone(UTC), start.date(), False)


def rfc5545_properties(
    *,
    all_day: bool,
    starts_at: datetime | None,
    start_date: date | None,
    rule: str | None,
    exdates: Iterable[str],
    zone: ZoneInfo,
) -> list[str]:
    """DTSTART/RRULE/EXDATE content lines, for the feeds (which add DTEND/DURATION)."""
    tzid = zone.key
    if all_day:
        assert start_date is not None
        lines = [f"DTSTART;VALUE=DATE:{start_date:%Y%m%d}"]
    else:
        assert starts_at is not None
        lines = [f"DTSTART;TZID={tzid}:{starts_at.astimezone(zone):%Y%m%dT%H%M%S}"]
    if rule:
        lines.append(f"RRULE:{rule}")
        values = list(exdates)
        if values:
            prefix = "EXDATE;VALUE=DATE" if all_day else f"EXDATE;TZID={tzid}"
            lines.append(f"{prefix}:{','.join(values)}")
    return lines
