"""Languages (English and Dutch) and the conference time zone at the edges of the app.

Every instant is stored in UTC and shown as wall-clock time in the conference zone,
always with the zone's abbreviation (CEST/CET) so nobody has to guess.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user

# The zone and the instant-to-local helper live in esof.conference; importing them from
# here keeps working.
from esof.conference import to_local, zone_name
from esof.i18n_catalogues import current_directories

PACKAGE_ROOT = Path(__file__).parent


def catalogue_directories() -> list[Path]:
    """The core catalogue plus one per area, so each area owns its own strings."""
    return [PACKAGE_ROOT / "translations", *sorted(PACKAGE_ROOT.glob("*/translations"))]


def translation_directories(cache: Path | None = None) -> list[str]:
    """The folders Flask-Babel reads, core first. Given a cache folder (the factory passes
    instance/translations), a catalogue without a current .mo (a wheel, a fresh clone, a .po
    changed since `make translations`) is compiled there and read from there."""
    directories = catalogue_directories()
    if cache is not None:
        directories = current_directories(directories, cache)
    return [str(directory) for directory in directories]


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and workers: messages in the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if isinstance(chosen, str) and chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return zone_name()


def local_datetime(moment: datetime | None, format: str = "medium") -> str:
    """'13 Jul 2022, 10:00 CEST' — the date, the wall-clock time and the zone."""
    if moment is None:
        return ""
    local = to_local(moment)
    pattern = {"medium": "d MMM y, HH:mm", "long": "EEEE d MMMM y, HH:mm", "short": "d MMM, HH:mm"}
    text = format_datetime(local, pattern.get(format, format), rebase=False)
    return f"{text} {local.tzname()}"


def local_range(start: datetime | None, end: datetime | None, format: str = "short") -> str:
    """'13 Jul, 10:00–11:00 CEST': the zone once, after the range, where it reads as the zone
    of both ends; a range past midnight names both days, and one across a change of the clocks
    names both zones ('30 Oct, 01:30 CEST – 30 Oct, 02:30 CET')."""
    if start is None:
        return ""
    if end is None:
        return local_datetime(start, format)
    first, last = to_local(start), to_local(end)
    if first.tzname() != last.tzname():
        return f"{local_datetime(start, format)} – {local_datetime(end, format)}"
    if first.date() != last.date():
        return f"{local_datetime(start, format).rsplit(' ', 1)[0]} – {local_datetime(end, format)}"
    return f"{local_datetime(start, format).rsplit(' ', 1)[0]}–{last:%H:%M} {last.tzname()}"


def local_time(moment: datetime | None) -> str:
    """'10:00' — for grids where the zone is stated once in the heading."""
    if moment is None:
        return ""
    return to_local(moment).strftime("%H:%M")


def local_date(value: date | datetime | None, format: str = "long") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    pattern = {"long": "EEEE d MMMM y", "medium": "d MMM y", "short": "EEE d MMM"}
    return format_date(value, pattern.get(format, format))


def zone_label(moment: datetime | None = None) -> str:
    """'Europe/Amsterdam (CEST)' for the given instant, or just the zone name."""
    name = zone_name()
    if moment is None:
        return name
    return f"{name} ({to_local(moment).tzname()})"


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.globals["local_range"] = local_range
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.globals["zone_label"] = zone_label

    @app.context_processor
    def language_context() -> dict[str, object]:
        return {
            "current_language": str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"]),
            "languages": app.config["LANGUAGES"],
        }
