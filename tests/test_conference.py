"""The facts of ESOF 2022: its days, its zone, the festival year, the consent version."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask

from esof import conference, i18n
from esof.config import DefaultConfig


def test_conference_days_are_13_to_16_july_2022_as_local_dates(app: Flask) -> None:
    assert conference.conference_days() == [date(2022, 7, 13), date(2022, 7, 14), date(2022, 7, 15),
                                            date(2022, 7, 16)]


def test_conference_opens_at_nine_and_closes_at_five_local_time(app: Flask) -> None:
    assert conference.to_local(conference.OPENS_AT) == datetime(2022, 7, 13, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert conference.to_local(conference.CLOSES_AT) == datetime(2022, 7, 16, 17, 0,
                                                                 tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert (conference.to_local(conference.OPENS_AT).tzname(), conference.to_local(conference.CLOSES_AT).tzname()) \
        == ("CEST", "CEST")


def test_conference_zone_is_europe_amsterdam_by_default(app: Flask) -> None:
    assert conference.zone_name() == "Europe/Amsterdam"
    assert conference.conference_zone() == ZoneInfo("Europe/Amsterdam")
    assert DefaultConfig.CONFERENCE_TIMEZONE == DefaultConfig.BABEL_DEFAULT_TIMEZONE == conference.DEFAULT_TIMEZONE


def test_conference_zone_follows_the_setting(app: Flask) -> None:
    app.config["CONFERENCE_TIMEZONE"] = "Europe/Lisbon"
    assert conference.zone_name() == "Europe/Lisbon"
    assert conference.to_local(datetime(2022, 7, 13, 7, 0, tzinfo=UTC)).strftime("%H:%M %Z") == "08:00 WEST"
    assert i18n.select_timezone() == "Europe/Lisbon"


def test_festival_year_is_2022_by_default(app: Flask) -> None:
    assert conference.festival_year() == 2022
    assert DefaultConfig.SIDE_EVENTS_FESTIVAL_YEAR == conference.FESTIVAL_YEAR == 2022


def test_festival_year_follows_the_setting(app: Flask) -> None:
    app.config["SIDE_EVENTS_FESTIVAL_YEAR"] = "2023"
    assert conference.festival_year() == 2023


def test_festival_year_without_the_setting_is_2022(app: Flask) -> None:
    del app.config["SIDE_EVENTS_FESTIVAL_YEAR"]
    assert conference.festival_year() == 2022


def test_privacy_statement_version_is_the_setting(app: Flask) -> None:
    assert conference.privacy_statement_version() == "2022-01"
    app.config["PRIVACY_STATEMENT_VERSION"] = "2022-06"
    assert conference.privacy_statement_version() == "2022-06"


def test_early_bird_deadline_is_before_the_conference(app: Flask) -> None:
    deadline = conference.EARLY_BIRD_DEADLINE
    assert deadline == date(2022, 4, 30)
    assert deadline < conference.conference_days()[0]
