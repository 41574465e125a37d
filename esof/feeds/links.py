"""Subscribe and add-to-calendar links, offered on pages as template globals.

A feed is offered as a subscription (webcal://, and Google Calendar's "add by URL");
a single session or event as a one-off download and a Google Calendar event template.
"""
from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from flask import Flask, current_app
from flask_babel import get_locale

from esof.feeds.services import current_agenda_url
from esof.urls import external_url


def feed_links(endpoint: str, **args: Any) -> dict[str, str]:
    # A feed's language comes from its address alone, so a Dutch page offers the Dutch feed.
    language = str(get_locale() or "")
    if language and language != current_app.config["BABEL_DEFAULT_LOCALE"]:
        args.setdefault("lang", language)
    https = external_url(endpoint, **{k: v for k, v in args.items() if v})
    webcal = "webcal://" + https.split("://", 1)[1]
    return {
        "https": https,
        "webcal": webcal,
        "google": "https://calendar.google.com/calendar/render?cid=" + quote(webcal, safe=""),
    }


def agenda_feed_links(https: str) -> dict[str, str]:
    webcal = "webcal://" + https.split("://", 1)[1]
    return {"https": https, "webcal": webcal,
            "google": "https://calendar.google.com/calendar/render?cid=" + quote(webcal, safe="")}


def agenda_feed_url_of(user: Any) -> str | None:
    return current_agenda_url(user) if user.is_authenticated else None


GOOGLE_DETAILS_CHARS = 600  # Google cuts long links; the event page holds the rest


def plain_details(description_html: str, page_url: str = "", *, limit: int = GOOGLE_DETAILS_CHARS) -> str:
    """The description as plain text (tags gone, entities read, blank runs folded), cut at a
    word before `limit` characters with an ellipsis, then the page's address on its own line."""
    text = re.sub(r"<(?:br|/p|/li|/h[1-6]|/blockquote)\b[^>]*>", "\n", description_html or "")
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    text = "\n".join(" ".join(line.split()) for line in text.splitlines())
    text = re.sub(r"\n{2,}", "\n", text).strip()
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"
    return "\n\n".join(part for part in (text, page_url) if part)


def _google_url(*, title: str, dates: str, details: str, location: str, zone: str) -> str:
    query = urlencode({
        "action": "TEMPLATE", "text": title, "dates": dates,
        "details": details[:1000], "location": location, "ctz": zone,
    })
    return "https://calendar.google.com/calendar/render?" + query


def google_event_url(*, title: str, starts_at: datetime, ends_at: datetime, details: str = "",
                     location: str = "", zone: str = "Europe/Amsterdam") -> str:
    """Google's event template; times in UTC ('Z') so no zone guessing can shift them."""
    def stamp(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    return _google_url(title=title, dates=f"{stamp(starts_at)}/{stamp(ends_at)}", details=details,
                       location=location, zone=zone)


def google_all_day_url(*, title: str, first_day: date, last_day: date, details: str = "",
                       location: str = "", zone: str = "Europe/Amsterdam") -> str:
    """Google's template for whole days, first_day to last_day inclusive: Google reads the
    end date as exclusive, so it is the day after the last."""
    end = last_day + timedelta(days=1)
    return _google_url(title=title, dates=f"{first_day:%Y%m%d}/{end:%Y%m%d}", details=details,
                       location=location, zone=zone)


def register_link_helpers(app: Flask) -> None:
    app.jinja_env.globals["feed_links"] = feed_links
    app.jinja_env.globals["google_event_url"] = google_event_url
    app.jinja_env.globals["google_all_day_url"] = google_all_day_url
    app.jinja_env.globals["plain_details"] = plain_details
    app.jinja_env.globals["agenda_feed_links"] = agenda_feed_links
    app.jinja_env.globals["agenda_feed_url_of"] = agenda_feed_url_of
