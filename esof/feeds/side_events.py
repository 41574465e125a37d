"""The City of Science side-events feed: one VEVENT per approved event.

A recurring event is one VEVENT with RRULE and EXDATE (not expanded copies); all-day and
multi-day events use DATE values. Filters are those of /calendar/ (CalendarFilter).

A cancelled event stays, with STATUS:CANCELLED and its SEQUENCE raised (cancelling raises
SideEvent.sequence), so subscribers' copies are cancelled rather than silently dropped. One
cancelled date of a series is an override: a second VEVENT with the same UID, the date's
original start as RECURRENCE-ID, STATUS:CANCELLED and the event's (raised) SEQUENCE. Every
VEVENT of a UID carries the event's one SEQUENCE, which never falls.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from esof.conference import conference_zone
from esof.errors import NotFound
from esof.extensions import db
from esof.feeds.cache import CachedFeed
from esof.feeds.ical import FeedItem, FeedMeta, plain_text, render_calendar
from esof.feeds.services import EPOCH, cached_render, uid_domain, uncached_render
from esof.feeds.stamps import SIDE_EVENTS, stamps
from esof.side_events.forms import AUDIENCE_LABELS, CATEGORY_LABELS
from esof.side_events.models import (
    Audience,
    EventCategory,
    SideEvent,
    SideEventOccurrence,
    SideEventOccurrenceCancellation,
    SideEventRevision,
)
from esof.side_events.queries import CalendarFilter, approved_events_stmt, cancelled_occurrences
from esof.side_events.queries import change_stamp as change_stamp  # moved there; the feeds' stamps still name it here
from esof.urls import external_url


def side_event_uid(event_id: int) -> str:
    return f"side-event-{event_id}@{uid_domain()}"


def _exdates(revision: SideEventRevision) -> list[datetime | date]:
    zone = conference_zone()
    values: list[datetime | date] = []
    for text in revision.exdates or []:
        if revision.all_day or len(text) == 8:
            values.append(datetime.strptime(text[:8], "%Y%m%d").date())
        else:
            values.append(datetime.strptime(text, "%Y%m%dT%H%M%S").replace(tzinfo=zone))
    return values


@dataclass(frozen=True)
class SideEventTexts:
    """Translations and the page address, worked out once per feed rather than per event."""

    organised_by: str
    free: str
    price: str
    booking: str
    cancelled: str
    cancelled_because: str
    url_template: str
    categories: dict[str, str]
    audiences: dict[str, str]

    @classmethod
    def current(cls) -> SideEventTexts:
        placeholder = 987654321
        url = external_url("side_events.event_detail", event_id=placeholder)
        return cls(
            organised_by=_("Organised by %(name)s.", name="{name}"),
            free=_("Free"),
            price=_("Price: € %(price)s", price="{price}"),
            booking=_("Booking: %(url)s", url="{url}"),
            cancelled=_("Cancelled."),
            cancelled_because=_("Cancelled: %(reason)s", reason="{reason}"),
            url_template=url.replace(str(placeholder), "{id}"),
            categories={c.value: str(label) for c, label in CATEGORY_LABELS.items()},
            audiences={a.value: str(label) for a, label in AUDIENCE_LABELS.items()},
        )


def _cancelled_line(texts: SideEventTexts, reason: str) -> str:
    return texts.cancelled_because.replace("{reason}", reason) if reason else texts.cancelled


CancelledDate = tuple[SideEventOccurrence, SideEventOccurrenceCancellation]


def side_event_item(event: SideEvent, revision: SideEventRevision, language: str,
                    texts: SideEventTexts | None = None, cancelled_dates: Sequence[CancelledDate] = ()) -> FeedItem:
    """The event's VEVENT (the series, for a recurring one); `cancelled_dates` only make its
    LAST-MODIFIED later (they are written as overrides by `cancelled_date_item`)."""
    texts = texts or SideEventTexts.current()
    title, _title_language = revision.title_in(language)
    description_html, _description_language = revision.description_in(language)
    lines = [_cancelled_line(texts, event.cancellation_reason)] if event.is_cancelled else []
    if description_html:
        lines.append(plain_text(description_html))
    lines.append(texts.organised_by.replace("{name}", event.organisation.name))
    if revision.is_free:
        lines.append(texts.free)
    else:
        lines.append(texts.price.replace("{price}", f"{(revision.price_cents or 0) / 100:.2f}"))
    if revision.booking_url:
        lines.append(texts.booking.replace("{url}", revision.booking_url))
    place = revision.place
    location = ", ".join(part for part in (place.name, place.venue_name, place.address, place.neighbourhood) if part)
    category = EventCategory(revision.category).value
    categories = [texts.categories.get(category, category)]
    categories += [texts.audiences.get(a.value, a.value) for a in revision.audiences]
    if revision.all_day:
        assert revision.start_date is not None and revision.end_date is not None
        start: datetime | date = revision.start_date
        end: datetime | date = revision.end_date + timedelta(days=1)  # DTEND is exclusive
    else:
        assert revision.starts_at is not None and revision.ends_at is not None
        start, end = revision.starts_at, revision.ends_at
    changes = [revision.reviewed_at or revision.created_at, event.cancelled_at,
               *(cancellation.cancelled_at for _occurrence, cancellation in cancelled_dates)]
    return FeedItem(
        uid=side_event_uid(event.id),
        summary=title,
        start=start,
        end=end,
        last_modified=max(moment for moment in changes if moment is not None),
        sequence=event.sequence,
        status="CANCELLED" if event.is_cancelled else "CONFIRMED",
        description="\n\n".join(lines),
        location=location,
        geo=place.coordinates,
        url=texts.url_template.format(id=event.id),
        categories=categories,
        rrule=revision.rrule or None,
        exdates=_exdates(revision) if revision.rrule else [],
    )


def cancelled_date_item(series: FeedItem, occurrence: SideEventOccurrence,
                        cancellation: SideEventOccurrenceCancellation, texts: SideEventTexts) -> FeedItem:
    """The override that cancels one date of `series`: same UID, RECURRENCE-ID the date's start."""
    start: datetime | date
    end: datetime | date
    if occurrence.all_day:
        start, end = occurrence.local_day, occurrence.ends_at.astimezone(conference_zone()).date()  # DTEND exclusive
    else:
        start, end = occurrence.starts_at, occurrence.ends_at
    description = "\n\n".join(part for part in (_cancelled_line(texts, cancellation.reason), series.description)
                                if part)
    return replace(
        series, recurrence_id=start, start=start, end=end, rrule=None, exdates=[], status="CANCELLED",
        last_modified=cancellation.cancelled_at, description=description,
    )


def side_event_items(rows: list[tuple[SideEvent, SideEventRevision]], language: str) -> list[FeedItem]:
    """Each event's VEVENT, followed by an override for each of its cancelled dates."""
    texts = SideEventTexts.current()
    cancelled = cancelled_occurrences(db.session, [event.id for event, _revision in rows])
    items: list[FeedItem] = []
    for event, revision in rows:
        dates = cancelled.get(event.id, []) if revision.rrule else []
        series = side_event_item(event, revision, language, texts, dates)
        items.append(series)
        items.extend(cancelled_date_item(series, occurrence, cancellation, texts) for occurrence, cancellation in dates)
    return items


def feed_name(calendar_filter: CalendarFilter) -> str:
    parts = [str(CATEGORY_LABELS.get(EventCategory(c), c)) for c in calendar_filter.categories]
    parts += [str(AUDIENCE_LABELS.get(Audience(a), a)) for a in calendar_filter.audiences]
    parts += list(calendar_filter.neighbourhoods)
    if calendar_filter.free:
        parts.append(_("free"))
    if calendar_filter.text:
        parts.append(f"“{calendar_filter.text}”")
    base = _("Leiden City of Science 2022")
    return f"{base} — {' · '.join(parts)}" if parts else base


def side_events_feed(calendar_filter: CalendarFilter, *, language: str) -> CachedFeed:
    args = calendar_filter.to_args()
    query = "&".join(f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in args.items())
    key = f"side-events:{stamps().current(SIDE_EVENTS)}:{language}:{query}"

    def build() -> tuple[bytes, datetime]:
        stmt = approved_events_stmt(calendar_filter).order_by(
            sa.func.coalesce(SideEventRevision.starts_at, SideEventRevision.start_date), SideEvent.id
        )
        rows = [(event, revision) for event, revision in db.session.execute(stmt)]
        items = side_event_items(rows, language)
        meta = FeedMeta(
            name=feed_name(calendar_filter),
            description=_("Science in the City: public events all through 2022. Times in %(zone)s.",
                          zone=current_app.config["CONFERENCE_TIMEZONE"]),
            page_url=external_url("side_events.calendar_index", **args),
            feed_url=external_url("feeds.side_events_feed", **args),
            zone_name=current_app.config["CONFERENCE_TIMEZONE"],
        )
        last = max((item.last_modified for item in items), default=EPOCH)
        return render_calendar(meta, items), last

    return cached_render(key, build)


def single_side_event_feed(event_id: int, *, language: str) -> CachedFeed:
    row = db.session.execute(approved_events_stmt().where(SideEvent.id == event_id)).one_or_none()
    if row is None:
        raise NotFound(_("This event is not in the calendar."))
    event, revision = row

    def build() -> tuple[bytes, datetime]:
        items = side_event_items([(event, revision)], language)
        item = items[0]
        meta = FeedMeta(
            name=item.summary,
            description=_("Leiden City of Science 2022"),
            page_url=item.url,
            feed_url=external_url("feeds.side_event_ics", event_id=event_id),
            zone_name=current_app.config["CONFERENCE_TIMEZONE"],
        )
        return render_calendar(meta, items), item.last_modified

    return uncached_render(build)
