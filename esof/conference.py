"""The facts of ESOF 2022 in one place: its zone, its opening and closing, its days, the City
of Science festival year, the early-bird deadline and the privacy statement delegates consent to.

A fixed fact of the 2022 conference (Leiden, 13–16 July 2022) is a constant here. What an
operator may change is a setting (esof/config.py, whose defaults come from the constants
here) and is read through a small function at call time: nothing here reads ``current_app``
at import time.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

# Leiden's zone: the default of the CONFERENCE_TIMEZONE setting, and the zone of code that
# runs without an application (pure rules, their tests).
DEFAULT_TIMEZONE = "Europe/Amsterdam"
THEME = "Crossing Borders — Engaged Science, Resilient Societies"
# ESOF 2022 opened on Wednesday 13 July 2022 and closed on Saturday 16 July (CEST).
OPENS_AT = datetime(2022, 7, 13, 7, 0, tzinfo=UTC)   # 09:00 CEST
CLOSES_AT = datetime(2022, 7, 16, 15, 0, tzinfo=UTC)  # 17:00 CEST
# The last day of the early-bird fees (a local date, inclusive).
EARLY_BIRD_DEADLINE = date(2022, 4, 30)
# City of Science side events: the default of the SIDE_EVENTS_FESTIVAL_YEAR setting.
FESTIVAL_YEAR = 2022


def zone_name() -> str:
    """The conference zone's name, 'Europe/Amsterdam' unless CONFERENCE_TIMEZONE says otherwise."""
    return str(current_app.config["CONFERENCE_TIMEZONE"])


def conference_zone() -> ZoneInfo:
    return ZoneInfo(zone_name())


def to_local(moment: datetime) -> datetime:
    """An aware instant as wall-clock time in the conference zone."""
    return moment.astimezone(conference_zone())


def conference_days() -> list[date]:
    """The conference days as local dates (13–16 July 2022), from the opening and closing."""
    first, last = to_local(OPENS_AT).date(), to_local(CLOSES_AT).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def festival_year() -> int:
    """The one year every City of Science side event falls in (SIDE_EVENTS_FESTIVAL_YEAR)."""
    return int(current_app.config.get("SIDE_EVENTS_FESTIVAL_YEAR", FESTIVAL_YEAR))


def privacy_statement_version() -> str:
    """The version of the privacy statement a delegate consents to now (PRIVACY_STATEMENT_VERSION)."""
    return str(current_app.config["PRIVACY_STATEMENT_VERSION"])


def conference_name() -> str:
    """'ESOF 2022' unless CONFERENCE_NAME says otherwise."""
    return str(current_app.config["CONFERENCE_NAME"])
