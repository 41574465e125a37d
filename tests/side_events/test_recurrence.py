"""Recurrence rules without a database: building RRULE/EXDATE and expanding them."""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from esof.side_events import recurrence as rec

AMS = ZoneInfo("Europe/Amsterdam")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMS)


def test_build_rrule_weekly_on_chosen_days_until_in_utc() -> None:
    rule = rec.build_rrule(
        rec.Recurrence(rec.Frequency.WEEKLY, weekdays=(5, 1, 1), until=date(2022, 6, 30)),
        all_day=False, zone=AMS,
    )
    assert rule == "FREQ=WEEKLY;BYDAY=TU,SA;UNTIL=20220630T215959Z"


def test_build_rrule_all_day_until_is_a_date_and_interval_kept() -> None:
    rule = rec.build_rrule(
        rec.Recurrence(rec.Frequency.MONTHLY, interval=2, until=date(2022, 11, 30)), all_day=True, zone=AMS
    )
    assert rule == "FREQ=MONTHLY;INTERVAL=2;UNTIL=20221130"


def test_build_rrule_one_off_is_none() -> None:
    assert rec.build_rrule(rec.Recurrence(), all_day=False, zone=AMS) is None


def test_parse_rrule_round_trips_the_friendly_form() -> None:
    original = rec.Recurrence(
        rec.Frequency.WEEKLY, interval=1, weekdays=(1, 5), until=date(2022, 6, 30),
        exdates=(date(2022, 4, 19),),
    )
    rule = rec.build_rrule(original, all_day=False, zone=AMS)
    exdates = rec.build_exdates(original.exdates, all_day=False, start_time=time(10, 0))
    assert exdates == ["20220419T100000"]
    assert rec.parse_rrule(rule, exdates, zone=AMS) == original


@pytest.mark.parametrize(
    ("first_day", "dst_day"),
    [(date(2022, 3, 25), date(2022, 3, 27)), (date(2022, 10, 28), date(2022, 10, 30))],
)
def test_expand_daily_keeps_ten_oclock_across_daylight_saving_change(first_day: date, dst_day: date) -> None:
    rule = rec.build_rrule(
        rec.Recurrence(rec.Frequency.DAILY, until=date.fromordinal(first_day.toordinal() + 4)),
        all_day=False, zone=AMS,
    )
    occurrences = rec.expand(
        all_day=False, starts_at=local(first_day.year, first_day.month, first_day.day, 10, 0),
        ends_at=local(first_day.year, first_day.month, first_day.day, 12, 0),
        start_date=None, end_date=None, rule=rule, exdates=[], zone=AMS,
    )
    assert len(occurrences) == 5
    assert [o.starts_at.astimezone(AMS).time() for o in occurrences] == [time(10, 0)] * 5
    assert [o.ends_at.astimezone(AMS).time() for o in occurrences] == [time(12, 0)] * 5
    # The UTC instant moves by an hour across the change, the wall clock does not.
    utc_hours = {o.local_day: o.starts_at.astimezone(UTC).hour for o in occurrences}
    before = date.fromordinal(dst_day.toordinal() - 1)
    if dst_day.month == 3:
        assert (utc_hours[before], utc_hours[dst_day]) == (9, 8)
    else:
        assert (utc_hours[before], utc_hours[dst_day]) == (8, 9)


def test_expand_weekly_over_spring_change_keeps_wall_clock_on_the_change_day() -> None:
    # Sundays 10:00 from 20 March: 27 March is the day the clocks go forward.
    occurrences = rec.expand(
        all_day=False, starts_at=local(2022, 3, 20, 10, 0), ends_at=local(2022, 3, 20, 11, 30),
        start_date=None, end_date=None, rule="FREQ=WEEKLY;BYDAY=SU;UNTIL=20220403T215959Z",
        exdates=[], zone=AMS,
    )
    assert [o.starts_at for o in occurrences] == [
        datetime(2022, 3, 20, 9, 0, tzinfo=UTC),
        datetime(2022, 3, 27, 8, 0, tzinfo=UTC),
        datetime(2022, 4, 3, 8, 0, tzinfo=UTC),
    ]
    assert [o.ends_at.astimezone(AMS).time() for o in occurrences] == [time(11, 30)] * 3


def test_expand_skips_excluded_dates() -> None:
    occurrences = rec.expand(
        all_day=False, starts_at=local(2022, 4, 18, 10, 0), ends_at=local(2022, 4, 18, 11, 0),
        start_date=None, end_date=None, rule="FREQ=DAILY;UNTIL=20220421T215959Z",
        exdates=["20220419T100000", "20220420T100000"], zone=AMS,
    )
    assert [o.local_day for o in occurrences] == [date(2022, 4, 18), date(2022, 4, 21)]


def test_expand_multi_day_all_day_event_is_one_occurrence_with_exclusive_end() -> None:
    occurrences = rec.expand(
        all_day=True, starts_at=None, ends_at=None, start_date=date(2022, 3, 1),
        end_date=date(2022, 6, 30), rule=None, exdates=[], zone=AMS,
    )
    assert occurrences == [
        rec.Occurrence(
            datetime(2022, 2, 28, 23, 0, tzinfo=UTC),  # 1 March 00:00 CET
            datetime(2022, 6, 30, 22, 0, tzinfo=UTC),  # 1 July 00:00 CEST
            date(2022, 3, 1),
            True,
        )
    ]


def test_expand_all_day_weekly_tuesday_to_sunday_exhibition() -> None:
    occurrences = rec.expand(
        all_day=True, starts_at=None, ends_at=None, start_date=date(2022, 3, 1), end_date=date(2022, 3, 1),
        rule="FREQ=WEEKLY;BYDAY=TU,WE,TH,FR,SA,SU;UNTIL=20220313", exdates=[], zone=AMS,
    )
    assert [o.local_day.day for o in occurrences] == [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13]


def test_expand_more_than_limit_raises() -> None:
    with pytest.raises(rec.TooManyOccurrences):
        rec.expand(
            all_day=False, starts_at=local(2022, 1, 1, 10, 0), ends_at=local(2022, 1, 1, 11, 0),
            start_date=None, end_date=None, rule="FREQ=DAILY;COUNT=501", exdates=[], zone=AMS, limit=500,
        )


def test_expand_exactly_limit_is_allowed() -> None:
    occurrences = rec.expand(
        all_day=False, starts_at=local(2022, 1, 1, 10, 0), ends_at=local(2022, 1, 1, 11, 0),
        start_date=None, end_date=None, rule="FREQ=DAILY;COUNT=500", exdates=[], zone=AMS, limit=500,
    )
    assert len(occurrences) == 500


def test_rfc5545_properties_for_timed_and_all_day_series() -> None:
    assert rec.rfc5545_properties(
        all_day=False, starts_at=local(2022, 4, 18, 10, 0), start_date=None,
        rule="FREQ=DAILY;UNTIL=20220421T215959Z", exdates=["20220419T100000"], zone=AMS,
    ) == [
        "DTSTART;TZID=Europe/Amsterdam:20220418T100000",
        "RRULE:FREQ=DAILY;UNTIL=20220421T215959Z",
        "EXDATE;TZID=Europe/Amsterdam:20220419T100000",
    ]
    assert rec.rfc5545_properties(
        all_day=True, starts_at=None, start_date=date(2022, 3, 1), rule=None, exdates=[], zone=AMS,
    ) == ["DTSTART;VALUE=DATE:20220301"]
