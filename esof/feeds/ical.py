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
from zoneinfo import ZoneInfo

import nh3
from icalendar import Calendar, Event, vDuration, vRecur

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

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)


def plain_text(markup: str) -> str:
    """Partner descriptions are HTML; DESCRIPTION must be plain text."""
    with_breaks = markup.replace("</p>", "\n\n").replace("<br>", "\n").replace("<br/>", "\n").replace("</li>", "\n")
    text = html.unescape(nh3.clean(with_breaks, tags=set()))
    lines = [line.strip() for line in text.splitlines()]
    return "\n".join(lines).strip()


def _vevent(item: FeedItem, zone: ZoneInfo) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", item.last_modified.astimezone(UTC))
    if item.all_day:
        # All-day and multi-day: DATE values, DTEND exclusive (the day after the last day).
        event.add("dtstart", item.start)
        event.add("dtend", item.end)
        event.add("transp", "TRANSPARENT")
    else:
        assert isinstance(item.start, datetime) and isinstance(item.end, datetime)
        event.add("dtstart", item.start.astimezone(zone))
        event.add("dtend", item.end.astimezone(zone))
    event.add("summary", item.summary)
    if item.description:
        event.add("description", item.description)
    if item.location:
        event.add("location", item.location)
    if item.geo is not None:
        event.add("geo", item.geo)
    if item.url:
        event.add("url", item.url)
    if item.categories:
        event.add("categories", item.categories)
    event.add("last-modified", item.last_modified.astimezone(UTC))
    event.add("sequence", item.sequence)
    event.add("status", item.status)
    if item.rrule:
        event.add("rrule", vRecur.from_ical(item.rrule))
        for excluded in item.exdates:
            if isinstance(excluded, datetime):
                event.add("exdate", excluded.astimezone(zone))
            else:
                event.add("exdate", excluded)
    return event


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
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", meta.name)
    calendar.add("x-wr-calname", meta.name)
    calendar.add("description", meta.description)
    calendar.add("x-wr-caldesc", meta.description)
    calendar.add("x-wr-timezone", meta.zone_name)
    calendar.add("url", meta.page_url)
    calendar.add("source", meta.feed_url, parameters={"VALUE": "URI"})
    calendar.add("refresh-interval", vDuration(meta.refresh), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(meta.refresh))
    if any(not item.all_day for item in items) or not items:
        first, last = _date_range(items, zone)
        calendar.add_component(build_vtimezone(meta.zone_name, first, last))
    for item in items:
        calendar.add_component(_vevent(item, zone))
    return calendar.to_ical()
