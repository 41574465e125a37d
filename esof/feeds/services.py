"""What goes into each feed, and the secret tokens of personal agenda feeds."""
from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _

from esof.accounts.models import FeedToken, User
from esof.bookings.models import Booking, BookingStatus, Star
from esof.conference import zone_name
from esof.db import utcnow
from esof.errors import NotFound
from esof.extensions import db
from esof.feeds.cache import CachedFeed, feed_cache
from esof.feeds.ical import FeedItem, FeedMeta, plain_text, render_calendar
from esof.feeds.stamps import PROGRAMME, stamps
from esof.i18n import local_date
from esof.programme import queries as programme_queries
from esof.programme.filters import ProgrammeFilters
from esof.programme.models import PublishedSession, ScheduleVersion, SessionStatus, Track
from esof.programme.queries import latest_version
from esof.urls import external_url
from esof.venues.models import Venue

EPOCH = datetime(2022, 1, 1, tzinfo=UTC)


def uid_domain() -> str:
    return current_app.config.get("FEED_UID_DOMAIN", "esof2022.leiden")


def session_uid(session_id: int) -> str:
    # Stable for the life of the session: every published version keeps the same UID.
    return f"session-{session_id}@{uid_domain()}"


def etag_for(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def cached_render(key: str, build: Callable[[], tuple[bytes, datetime]]) -> CachedFeed:
    if not current_app.config["FEED_CACHE_ENABLED"]:
        return uncached_render(build)
    cache = feed_cache()
    found = cache.get(key)
    if found is not None:
        return found
    body, last_modified = build()
    feed = CachedFeed(body=body, etag=etag_for(body), last_modified=last_modified.replace(microsecond=0))
    cache.set(key, feed)
    return feed


def uncached_render(build: Callable[[], tuple[bytes, datetime]]) -> CachedFeed:
    body, last_modified = build()
    return CachedFeed(body=body, etag=etag_for(body), last_modified=last_modified.replace(microsecond=0))


# --------------------------------------------------------------------------- programme


@dataclass(frozen=True)
class SessionTexts:
    """What every session of one feed shares, worked out once per render, not per session."""

    speakers: str
    zone_note: str
    url_template: str
    language: str  # the feed's language: a session's Dutch title and abstract where it has them

    @classmethod
    def current(cls) -> SessionTexts:
        placeholder = 987654321  # url_for costs ~80 µs a call; format one template instead
        url = external_url("programme.session_detail", session_id=placeholder)
        return cls(
            speakers=_("Speakers: %(names)s", names="{names}"),
            zone_note=_("Times are in %(zone)s.", zone=zone_name()),
            url_template=url.replace(str(placeholder), "{id}"),
            language=str(get_locale() or "en"),
        )


def session_item(row: PublishedSession, texts: SessionTexts | None = None) -> FeedItem:
    texts = texts or SessionTexts.current()
    room = row.room
    venue = room.venue if room is not None else None
    speakers = ", ".join(speaker.name for speaker in row.speakers)
    abstract = row.abstract_in(texts.language)
    lines = [plain_text(abstract)] if abstract else []
    if speakers:
        lines.append(texts.speakers.replace("{names}", speakers))
    lines.append(texts.zone_note)
    location = ", ".join(part for part in (
        room.name if room else "", venue.name if venue else "", venue.address if venue else "") if part)
    categories = [row.track.name] if row.track is not None else []
    categories.append(str(row.format.value).replace("-", " ").capitalize())
    return FeedItem(
        uid=session_uid(row.session_id),
        summary=row.title_in(texts.language),
        start=row.starts_at,
        end=row.ends_at,
        last_modified=row.last_modified,
        sequence=row.sequence,
        status="CANCELLED" if row.status is SessionStatus.CANCELLED else "CONFIRMED",
        description="\n\n".join(lines),
        location=location,
        geo=venue.coordinates if venue is not None else None,
        url=texts.url_template.format(id=row.session_id),
        categories=categories,
    )


FEED_FILTERS = ("day", "track", "venue")


def parse_programme_filters(args: Mapping[str, Any]) -> ProgrammeFilters:
    """The programme's one filter reading: a bad day or an unknown track is a 400 with the reason.

    Track and venue names are checked when the feed is rendered (programme_feed), not on every
    poll: a cached feed answers without the database, and only existing names are ever cached."""
    return ProgrammeFilters.from_args(args, allowed=FEED_FILTERS, check_names=False)


def programme_feed_name(filters: programme_queries.ProgrammeFilters) -> str:
    parts = []
    if filters.track:
        parts.append(_("%(track)s track", track=db.session.scalar(
            sa.select(Track.name).where(Track.slug == filters.track)) or filters.track))
    if filters.venue:
        parts.append(db.session.scalar(sa.select(Venue.name).where(Venue.slug == filters.venue)) or filters.venue)
    if filters.day:
        parts.append(local_date(filters.day, "long"))
    return "ESOF 2022 — " + (" · ".join(parts) if parts else _("Programme"))


def programme_feed(filters: ProgrammeFilters, *, language: str) -> CachedFeed:
    args = filters.as_args()
    key = f"programme:{stamps().current(PROGRAMME)}:{language}:" + "&".join(
        f"{k}={v}" for k, v in sorted(args.items()))

    def build() -> tuple[bytes, datetime]:
        filters.check_names()  # before anything is cached under this key
        name = programme_feed_name(filters)
        version = programme_queries.latest_version_stamp()
        rows = []
        if version is not None:
            stmt = programme_queries.published_sessions_stmt(version.id, filters)
            rows = list(db.session.scalars(stmt).unique())
        meta = FeedMeta(
            name=name,
            description=_("ESOF 2022, Leiden, 13–16 July 2022. Times in %(zone)s.",
                          zone=zone_name()),
            page_url=external_url("programme.programme_index", **args),
            feed_url=external_url("feeds.programme_feed", **args),
            zone_name=zone_name(),
        )
        # The version's time, not the rows': a session leaving this filter changes no row here.
        last = version.published_at if version else EPOCH
        texts = SessionTexts.current()
        return render_calendar(meta, [session_item(row, texts) for row in rows]), last

    return cached_render(key, build)


def single_session_feed(session_id: int) -> CachedFeed:
    version = latest_version()
    row = programme_queries.published_session(version, session_id) if version else None
    if row is None:
        raise NotFound(_("This session is not in the published programme."))

    def build() -> tuple[bytes, datetime]:
        meta = FeedMeta(
            name=row.title,
            description=_("ESOF 2022, Leiden"),
            page_url=external_url("programme.session_detail", session_id=session_id),
            feed_url=external_url("feeds.session_ics", session_id=session_id),
            zone_name=zone_name(),
        )
        return render_calendar(meta, [session_item(row)]), row.last_modified

    return uncached_render(build)


# --------------------------------------------------------------------------- personal agenda


def _derive_token(user_id: int, created_at: datetime) -> str:
    """The secret URL part, derived from a server key so only its hash needs storing.

    The account page can show the URL again without the database holding it; changing
    FEED_TOKEN_KEY (default: SECRET_KEY) changes every agenda URL.
    """
    key = (current_app.config.get("FEED_TOKEN_KEY") or current_app.config["SECRET_KEY"]).encode()
    message = f"esof-agenda-feed|{user_id}|{created_at.astimezone(UTC).isoformat()}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active_feed_token(user: User) -> FeedToken | None:
    return db.session.scalar(
        sa.select(FeedToken)
        .where(FeedToken.user_id == user.id, FeedToken.revoked_at.is_(None))
        .order_by(FeedToken.id.desc())
        .limit(1)
    )


def _issue_token(user: User) -> str:
    created_at = utcnow()
    token = _derive_token(user.id, created_at)
    db.session.add(FeedToken(user_id=user.id, token_hash=_hash(token), created_at=created_at))
    db.session.flush()
    return token


def agenda_token(user: User) -> str:
    """The user's current agenda token, created on first use."""
    row = active_feed_token(user)
    if row is not None:
        token = _derive_token(user.id, row.created_at)
        if hmac.compare_digest(_hash(token), row.token_hash):
            return token
        row.revoked_at = utcnow()  # the key changed: the old URL cannot be shown again
    return _issue_token(user)


def regenerate_agenda_token(user: User) -> str:
    """Revoke every agenda URL of the user and issue a new one; the old ones answer 404."""
    db.session.execute(
        sa.update(FeedToken)
        .where(FeedToken.user_id == user.id, FeedToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return _issue_token(user)


def current_agenda_url(user: User) -> str | None:
    """The user's agenda address if they have one; reading it never writes."""
    row = active_feed_token(user)
    if row is None:
        return None
    token = _derive_token(user.id, row.created_at)
    if not hmac.compare_digest(_hash(token), row.token_hash):
        return None
    return external_url("feeds.agenda_feed", token=token)


def user_for_agenda_token(token: str) -> User:
    row = db.session.scalar(
        sa.select(FeedToken).where(FeedToken.token_hash == _hash(token), FeedToken.revoked_at.is_(None))
    )
    if row is None or not row.user.is_active:
        raise NotFound(_("There is no calendar at this address."))
    return row.user


def agenda_session_ids(user: User) -> set[int]:
    """Starred and booked (confirmed or waitlisted) sessions of the user."""
    starred = sa.select(Star.session_id).where(Star.user_id == user.id)
    booked = sa.select(Booking.session_id).where(
        Booking.user_id == user.id, Booking.status != BookingStatus.CANCELLED)
    return set(db.session.scalars(sa.union(starred, booked)))


def agenda_feed(user: User, *, language: str) -> CachedFeed:
    version: ScheduleVersion | None = latest_version()

    def build() -> tuple[bytes, datetime]:
        ids = agenda_session_ids(user)
        rows: Iterable[PublishedSession] = []
        if version is not None and ids:
            stmt = programme_queries.published_sessions_stmt(version.id, ProgrammeFilters())
            rows = list(db.session.scalars(stmt.where(PublishedSession.session_id.in_(ids))).unique())
        rows = list(rows)
        meta = FeedMeta(
            name=_("ESOF 2022 — My agenda"),
            description=_("Sessions you starred or booked at ESOF 2022. Times in %(zone)s.",
                          zone=zone_name()),
            page_url=external_url("main.home"),
            feed_url=external_url("feeds.agenda_feed", token="private"),
            zone_name=zone_name(),
        )
        # Unstarring deletes a row, so no stored time says when the agenda last changed:
        # Last-Modified is now and only the ETag (a digest of the body) gives 304s.
        texts = SessionTexts.current()
        return render_calendar(meta, [session_item(row, texts) for row in rows]), utcnow()

    return uncached_render(build)
