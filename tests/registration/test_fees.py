"""Pure rules: the fee for a conference date, availability, capacity changes, and the ISO 3166
country list."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from esof.registration.countries import country_choices, country_name, is_country_code
from esof.registration.fees import Availability, CategoryState, availability, conference_date, fee_on, more_room

DEADLINE = date(2022, 4, 30)


@pytest.mark.parametrize(
    ("early_fee", "deadline", "today", "expected"),
    [
        (30000, DEADLINE, date(2022, 4, 29), 30000),  # before the deadline
        (30000, DEADLINE, date(2022, 4, 30), 30000),  # the deadline day itself is early
        (30000, DEADLINE, date(2022, 5, 1), 45000),   # the day after: regular
        (None, DEADLINE, date(2022, 1, 1), 45000),    # no early fee
        (30000, None, date(2022, 1, 1), 45000),       # no deadline
        (0, DEADLINE, date(2022, 4, 1), 0),           # a free early bird is still early
    ],
)
def test_fee_on_date(early_fee: int | None, deadline: date | None, today: date, expected: int) -> None:
    assert fee_on(fee_cents=45000, early_fee_cents=early_fee, early_deadline=deadline, today=today) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # 23:30 UTC on 30 April is already 1 May in Amsterdam (CEST, UTC+2): too late.
        (datetime(2022, 4, 30, 21, 59, tzinfo=UTC), date(2022, 4, 30)),
        (datetime(2022, 4, 30, 22, 0, tzinfo=UTC), date(2022, 5, 1)),
        # In winter (CET, UTC+1) the day turns at 23:00 UTC.
        (datetime(2022, 1, 31, 22, 59, tzinfo=UTC), date(2022, 1, 31)),
        (datetime(2022, 1, 31, 23, 0, tzinfo=UTC), date(2022, 2, 1)),
    ],
)
def test_conference_date_uses_amsterdam_wall_clock(moment: datetime, expected: date) -> None:
    assert conference_date(moment, "Europe/Amsterdam") == expected


def test_fee_after_amsterdam_midnight_is_regular_even_if_utc_is_still_the_deadline_day() -> None:
    today = conference_date(datetime(2022, 4, 30, 22, 30, tzinfo=UTC), "Europe/Amsterdam")
    assert fee_on(fee_cents=45000, early_fee_cents=30000, early_deadline=DEADLINE, today=today) == 45000


def test_conference_date_refuses_naive_datetime() -> None:
    with pytest.raises(ValueError):
        conference_date(datetime(2022, 4, 30, 12, 0), "Europe/Amsterdam")


NOW = datetime(2022, 3, 1, 12, 0, tzinfo=UTC)
BEFORE = datetime(2022, 2, 1, tzinfo=UTC)
AFTER = datetime(2022, 6, 1, tzinfo=UTC)


def state(**overrides: object) -> CategoryState:
    values: dict[str, object] = {
        "opens_at": BEFORE, "closes_at": AFTER, "capacity": 10, "places_taken": 0,
        "onsite": True, "onsite_cap": None, "onsite_taken": 0, "waiting": 0,
    }
    values.update(overrides)
    return CategoryState(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, Availability.OPEN),
        ({"opens_at": None, "closes_at": None, "capacity": None}, Availability.OPEN),
        ({"opens_at": datetime(2022, 3, 2, tzinfo=UTC)}, Availability.NOT_YET_OPEN),
        ({"closes_at": NOW}, Availability.CLOSED),  # closes at that very instant
        ({"places_taken": 10}, Availability.FULL),
        ({"places_taken": 9}, Availability.OPEN),
        ({"capacity": 0}, Availability.FULL),
        ({"waiting": 1}, Availability.FULL),  # nobody jumps the queue
        ({"onsite_cap": 100, "onsite_taken": 100}, Availability.FULL),
        ({"onsite": False, "onsite_cap": 100, "onsite_taken": 100}, Availability.OPEN),
        ({"closes_at": NOW, "places_taken": 10}, Availability.CLOSED),  # closed wins over full
    ],
)
def test_availability(overrides: dict[str, object], expected: Availability) -> None:
    assert availability(state(**overrides), NOW) == expected



@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (10, 12, True),
        (10, 10, False),
        (10, 8, False),
        (10, None, True),  # the limit lifted
        (None, None, False),  # no limit before either
        (None, 50, False),  # a limit set where there was none
        (0, 1, True),
    ],
)
def test_more_room(before: int | None, after: int | None, expected: bool) -> None:
    assert more_room(before, after) is expected


def test_countries_come_from_babel_in_iso_3166_only() -> None:
    assert is_country_code("NL") and is_country_code("XK") and is_country_code("AX")
    for not_a_country in ("EU", "UN", "ZZ", "XA", "QO", "EZ", "IC", "nl", "NLD", "", "001"):
        assert not is_country_code(not_a_country), not_a_country
    assert len(country_choices("en")) == 250  # 249 ISO 3166-1 codes plus Kosovo


def test_country_names_follow_the_language() -> None:
    assert country_name("DE", "en") == "Germany"
    assert country_name("DE", "nl") == "Duitsland"
    names = [name for _, name in country_choices("nl")]
    assert names.index("Åland") < names.index("Albanië")  # accents do not sort last
