"""Writing iCalendar feeds (RFC 5545 + RFC 7986) that every calendar client reads alike.

Feeds are built from plain `FeedItem`s so the programme, the side events and a
delegate's agenda share one writer. Output is deterministic for the same data (DTSTAMP
is the item's last change, not "now"), which keeps ETags stable between renders.
"""
from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import nh3
from icalendar import vDuration, vRecur

from esof.feeds.timezones import build_vtimezone

PRODID = "-//ESOF 2022//Leiden European City of Science event platform//EN"
REFRESH_INTERVAL = timedelta(hours=1)


@dataclass(frozen=True)
class FeedMeta:
    name: str
    description: str
    page_url: str
    feed_url: str
    zone_name: str = "Europe/Amsterdam"
    refresh: timedelta = REFRESH_INTERVAL


@dataclass
class FeedItem:
    uid: str
    summary: str
    start: datetime | date
    end: datetime | date
    last_modified: datetime
    sequence: int = 0
    status: str = "CONFIRMED"  # or CANCELLED, TENTATIVE
    description: str = ""
    location: str = ""
    geo: tuple[float, float] | None = None
    url: str = ""
    categories: list[str] = field(default_factory=list)
    rrule: str | None = None
    exdates: list[datetime | date] = field(default_factory=list)
    # An override of one instance of a series (the same UID): its original start.
    recurrence_id: datetime | date | None = None

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)


def plain_text(markup: str) -> str:
    """Partner descriptions are HTML; DESCRIPTION must be plain text."""
    with_breaks = markup.replace("</p>", "\n\n").replace("<br>", "\n").replace("<br/>", "\n").replace("</li>", "\n")
    text = html.unescape(nh3.clean(with_breaks, tags=set()))
    lines = [line.strip() for line in text.splitlines()]
    return "\n".join(lines).strip()


def escape_text(value: str) -> str:
    """RFC 5545 3.3.11 TEXT: backslash, semicolon, comma and line breaks escaped."""
    return (
        value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    )


def fold(line: str) -> bytes:
    """One content line, folded at 75 octets without splitting a UTF-8 character, plus CRLF."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return data + b"\r\n"
    parts: list[bytes] = []
    start, limit = 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # a continuation byte: step back
            end -= 1
        parts.append(data[start:end])
        start, limit = end, 74  # a continuation line starts with one space
    return b"\r\n ".join(parts) + b"\r\n"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y%m%dT%H%M%S")


def _vevent_lines(item: FeedItem, zone: ZoneInfo) -> list[str]:
    """The VEVENT's content lines (unfolded).

    Written directly rather than through icalendar's Component: that costs about 3 ms an
    event here, too slow for a 300-session feed rendered after every publication. The
    output is checked by parsing it back with icalendar and ical.js in the tests.
    """
    tzid = zone.key
    lines = ["BEGIN:VEVENT", f"UID:{escape_text(item.uid)}", f"DTSTAMP:{_utc(item.last_modified)}"]
    if isinstance(item.recurrence_id, datetime):
        lines.append(f"RECURRENCE-ID;TZID={tzid}:{_local(item.recurrence_id, zone)}")
    elif item.recurrence_id is not None:
        lines.append(f"RECURRENCE-ID;VALUE=DATE:{item.recurrence_id:%Y%m%d}")
    if item.all_day:
        # All-day and multi-day: DATE values, DTEND exclusive (the day after the last day).
        lines += [f"DTSTART;VALUE=DATE:{item.start:%Y%m%d}", f"DTEND;VALUE=DATE:{item.end:%Y%m%d}",
                  "TRANSP:TRANSPARENT"]
    else:
        assert isinstance(item.start, datetime) and isinstance(item.end, datetime)
        lines += [f"DTSTART;TZID={tzid}:{_local(item.start, zone)}", f"DTEND;TZID={tzid}:{_local(item.end, zone)}"]
    lines.append(f"SUMMARY:{escape_text(item.summary)}")
    if item.description:
        lines.append(f"DESCRIPTION:{escape_text(item.description)}")
    if item.location:
        lines.append(f"LOCATION:{escape_text(item.location)}")
    if item.geo is not None:
        lines.append(f"GEO:{float(item.geo[0])};{float(item.geo[1])}")
    if item.url:
        lines.append(f"URL:{item.url}")
    if item.categories:
        lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in item.categories))
    lines += [f"LAST-MODIFIED:{_utc(item.last_modified)}", f"SEQUENCE:{item.sequence}", f"STATUS:{item.status}"]
    if item.rrule:
        lines.append(f"RRULE:{vRecur.from_ical(item.rrule).to_ical().decode()}")
        for excluded in item.exdates:
            if isinstance(excluded, datetime):
                lines.append(f"EXDATE;TZID={tzid}:{_local(excluded, zone)}")
            else:
                lines.append(f"EXDATE;VALUE=DATE:{excluded:%Y%m%d}")
    lines.append("END:VEVENT")
    return lines


@lru_cache(maxsize=64)
def _vtimezone_bytes(zone_name: str, first_year: int, last_year: int) -> bytes:
    component = build_vtimezone(zone_name, date(first_year, 1, 1), date(last_year, 12, 31))
    return component.to_ical()


def _date_range(items: list[FeedItem], zone: ZoneInfo) -> tuple[date, date]:
    days: list[date] = []
    for item in items:
        for value in (item.start, item.end):
            days.append(value.astimezone(zone).date() if isinstance(value, datetime) else value)
    if not days:
        today = datetime.now(zone).date()
        return today, today
    return min(days), max(days)


def render_calendar(meta: FeedMeta, items: Iterable[FeedItem]) -> bytes:
    """The whole feed as bytes: CRLF line ends, lines folded at 75 octets."""
    items = list(items)
    zone = ZoneInfo(meta.zone_name)
    refresh = vDuration(meta.refresh).to_ical().decode()
    header = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"NAME:{escape_text(meta.name)}",
        f"X-WR-CALNAME:{escape_text(meta.name)}",
        f"DESCRIPTION:{escape_text(meta.description)}",
        f"X-WR-CALDESC:{escape_text(meta.description)}",
        f"X-WR-TIMEZONE:{meta.zone_name}",
        f"URL:{meta.page_url}",
        f"SOURCE;VALUE=URI:{meta.feed_url}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{refresh}",
        f"X-PUBLISHED-TTL:{refresh}",
    ]
    out = [fold(line) for line in header]
    if any(not item.all_day for item in items) or not items:
        first, last = _date_range(items, zone)
        out.append(_vtimezone_bytes(meta.zone_name, first.year, last.year))
    for item in items:
        out.extend(fold(line) for line in _vevent_lines(item, zone))
    out.append(b"END:VCALENDAR\r\n")
    return b"".join(out)
