"""iCalendar feeds: the programme, side events, single items and personal agendas.

Every feed answers with ETag and Last-Modified and a 304 to a matching conditional
request; HEAD works like GET without a body.
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from esof import access
from esof.extensions import db, limiter
from esof.feeds import services
from esof.feeds import side_events as side_event_feeds
from esof.feeds.cache import CachedFeed
from esof.side_events.queries import CalendarFilter

bp = Blueprint("feeds", __name__)
# Public, read-only and cached: no rate limit to count (and nothing to spend time on).
limiter.exempt(bp)


FEED_MAX_AGE = 300  # seconds; clients poll hourly (REFRESH-INTERVAL), proxies may keep 5 minutes


def calendar_response(feed: CachedFeed, *, filename: str, download: bool = False, private: bool = False) -> Response:
    # Calendar servers accept gzip: a feed shrinks to about a tenth, compressed once per version.
    gzipped = request.accept_encodings.quality("gzip") > 0
    # A single item is offered as a file to open once, never as a subscription.
    disposition = "attachment" if download else "inline"
    headers = {
        "ETag": feed.gzip_etag_header if gzipped else feed.etag_header,
        "Last-Modified": feed.last_modified_header,
        "Cache-Control": f"{'private' if private else 'public'}, max-age={FEED_MAX_AGE}",
        "Content-Disposition": f'{disposition}; filename="{filename}"',
        "Vary": "Accept-Encoding",
        "Access-Control-Allow-Origin": "*",
    }
    # Most polls of a subscribed calendar end here: answer 304 without touching the body.
    # Either encoding's tag will do: both name the same calendar.
    if feed.etag in request.if_none_match or feed.gzip_etag in request.if_none_match:
        response = Response(status=304, headers=headers)
        response.headers.pop("Content-Type", None)
        return response
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    response = Response(feed.gzipped if gzipped else feed.body, content_type="text/calendar; charset=utf-8",
                        headers=headers)
    response.make_conditional(request)  # in place (it returns the response as werkzeug's type)
    return response


def feed_language() -> str:
    """From the address only: calendar servers poll without cookies, and shared caches
    must not keep one visitor's language for everyone. Pages add ?lang=nl for Dutch."""
    chosen = request.args.get("lang", "")
    return chosen if chosen in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


@bp.get("/feeds/programme.ics")
@access.public
def programme_feed() -> ResponseReturnValue:
    filters = services.parse_programme_filters(request.args)
    language = feed_language()
    with force_locale(language):
        feed = services.programme_feed(filters, language=language)
    return calendar_response(feed, filename="esof2022-programme.ics")


@bp.get("/programme/sessions/<int:session_id>.ics")
@access.public
def session_ics(session_id: int) -> ResponseReturnValue:
    feed = services.single_session_feed(session_id)
    return calendar_response(feed, filename=f"esof2022-session-{session_id}.ics", download=True)


@bp.get("/feeds/agenda/<token>.ics")
@access.token("agenda feed", check="the token's SHA-256 names an unrevoked FeedToken of an active account "
                                   "(a new address revokes the old one), else 404")
def agenda_feed(token: str) -> ResponseReturnValue:
    user = services.user_for_agenda_token(token)
    language = request.args.get("lang") or user.language
    with force_locale(language if language in ("en", "nl") else "en"):
        feed = services.agenda_feed(user, language=language)
    return calendar_response(feed, filename="esof2022-my-agenda.ics", private=True)


@bp.get("/feeds/side-events.ics")
@access.public
def side_events_feed() -> ResponseReturnValue:
    calendar_filter = CalendarFilter.from_args(request.args)
    language = feed_language()
    with force_locale(language):
        feed = side_event_feeds.side_events_feed(calendar_filter, language=language)
    return calendar_response(feed, filename="leiden-city-of-science-2022.ics")


@bp.get("/calendar/events/<int:event_id>.ics")
@access.public
def side_event_ics(event_id: int) -> ResponseReturnValue:
    language = feed_language()
    with force_locale(language):
        feed = side_event_feeds.single_side_event_feed(event_id, language=language)
    return calendar_response(feed, filename=f"city-of-science-event-{event_id}.ics", download=True)


@bp.post("/account/agenda-feed")
@login_required
@access.login
def agenda_regenerate() -> ResponseReturnValue:
    had_one = services.active_feed_token(current_user) is not None
    services.regenerate_agenda_token(current_user)
    db.session.commit()
    if had_one:
        flash(_("Your agenda has a new address. The old one no longer works."), "success")
    else:
        flash(_("Your agenda address is ready."), "success")
    return redirect(url_for("accounts.account_detail") + "#agenda-feed-heading")
