"""Pure scheduling rules: table-driven, no database."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from esof.programme.scheduling import (
    IssueCode,
    OpeningHours,
    PlacedSession,
    find_conflicts,
    haversine_km,
    layout_grid,
    overlaps,
    walking_minutes,
)
from tests.programme.factories import AMS, at

T = datetime(2022, 7, 13, 8, 0, tzinfo=UTC)


def m(minutes: int) -> datetime:
    return T + timedelta(minutes=minutes)


# (name, first interval, second interval, overlap expected) — minutes after 08:00 UTC.
OVERLAP_SHAPES = [
    ("identical", (0, 60), (0, 60), True),
    ("shared start", (0, 60), (0, 30), True),
    ("shared end", (0, 60), (30, 60), True),
    ("contained", (0, 60), (15, 45), True),
    ("containing", (15, 45), (0, 60), True),
    ("partial before", (0, 60), (-30, 30), True),
    ("partial after", (0, 60), (30, 90), True),
    ("back to back after", (0, 60), (60, 120), False),
    ("back to back before", (0, 60), (-60, 0), False),
    ("apart", (0, 60), (90, 120), False),
]


@pytest.mark.parametrize(("name", "a", "b", "expected"), OVERLAP_SHAPES, ids=[s[0] for s in OVERLAP_SHAPES])
def test_overlaps_every_shape(name: str, a: tuple[int, int], b: tuple[int, int], expected: bool) -> None:
    assert overlaps(m(a[0]), m(a[1]), m(b[0]), m(b[1])) is expected
    assert overlaps(m(b[0]), m(b[1]), m(a[0]), m(a[1])) is expected  # symmetric


@pytest.mark.parametrize(("name", "a", "b", "expected"), OVERLAP_SHAPES, ids=[s[0] for s in OVERLAP_SHAPES])
def test_room_conflict_every_shape(name: str, a: tuple[int, int], b: tuple[int, int], expected: bool) -> None:
    first = placed(1, m(a[0]), m(a[1]))
    second = placed(2, m(b[0]), m(b[1]))
    codes = [i.code for i in find_conflicts([first, second])]
    assert codes == ([IssueCode.ROOM_DOUBLE_BOOKED] if expected else [])


@pytest.mark.parametrize(("name", "a", "b", "expected"), OVERLAP_SHAPES, ids=[s[0] for s in OVERLAP_SHAPES])
def test_speaker_conflict_every_shape(name: str, a: tuple[int, int], b: tuple[int, int], expected: bool) -> None:
    first = placed(1, m(a[0]), m(a[1]), room_id=1, speakers=(7,))
    second = placed(2, m(b[0]), m(b[1]), room_id=2, speakers=(7,))
    codes = [i.code for i in find_conflicts([first, second])]
    assert codes == ([IssueCode.SPEAKER_DOUBLE_BOOKED] if expected else [])


def placed(sid: int, starts: datetime, ends: datetime, **kw: object) -> PlacedSession:
    defaults: dict = {"room_id": 1, "room_name": "Lorentzzaal", "venue_id": 1, "venue_name": "KOG",
                      "room_capacity": 100, "location": (52.1572, 4.4858)}
    defaults.update({k: v for k, v in kw.items() if k != "speakers"})
    return PlacedSession(session_id=sid, title=f"S{sid}", starts_at=starts, ends_at=ends,
                         speaker_ids=tuple(kw.get("speakers", ())), **defaults)


def test_room_with_parallel_items_has_no_room_conflict() -> None:
    items = [placed(n, m(0), m(60), room_allows_parallel=True) for n in range(1, 4)]
    assert find_conflicts(items) == []


def test_three_overlapping_sessions_give_three_pairs() -> None:
    items = [placed(1, m(0), m(90)), placed(2, m(30), m(60)), placed(3, m(45), m(120))]
    pairs = sorted(i.session_ids for i in find_conflicts(items))
    assert pairs == [(1, 2), (1, 3), (2, 3)]


def test_speaker_outside_availability_is_hard() -> None:
    item = placed(1, m(0), m(60), speakers=(5,))
    inside = find_conflicts([item], availability={5: [(m(-60), m(60))]})
    outside = find_conflicts([item], availability={5: [(m(-60), m(30))]})
    assert inside == []
    assert [(i.code, i.is_hard) for i in outside] == [(IssueCode.SPEAKER_UNAVAILABLE, True)]


def test_capacity_warnings_for_audience_and_bookings() -> None:
    item = placed(1, m(0), m(60), room_capacity=50, expected_audience=80, booked=51)
    issues = find_conflicts([item])
    assert [(i.code, i.is_hard) for i in issues] == [
        (IssueCode.AUDIENCE_ABOVE_CAPACITY, False), (IssueCode.BOOKINGS_ABOVE_CAPACITY, False)]


def test_step_free_need_in_room_without_it_warns() -> None:
    assert [i.code for i in find_conflicts([placed(1, m(0), m(60), needs_step_free=True, step_free=False)])] == [
        IssueCode.STEP_FREE_MISSING]
    assert find_conflicts([placed(1, m(0), m(60), needs_step_free=True, step_free=True)]) == []


@pytest.mark.parametrize(("starts", "ends", "warned"), [
    ("09:00", "10:00", False),
    ("08:45", "10:00", True),   # opens at 09:00
    ("17:00", "18:00", False),  # ends exactly at closing
    ("17:30", "18:15", True),
])
def test_opening_hours(starts: str, ends: str, warned: bool) -> None:
    item = placed(1, at(13, starts), at(13, ends))
    hours = {(1, date(2022, 7, 13)): OpeningHours(time(9), time(18))}
    issues = find_conflicts([item], opening_hours=hours, venues_with_hours={1}, zone=AMS)
    assert [i.code for i in issues] == ([IssueCode.OUTSIDE_OPENING_HOURS] if warned else [])


def test_venue_closed_that_day_warns_and_venue_without_hours_is_not_checked() -> None:
    item = placed(1, at(14, "10:00"), at(14, "11:00"))
    hours = {(1, date(2022, 7, 13)): OpeningHours(time(9), time(18))}
    assert [i.code for i in find_conflicts([item], opening_hours=hours, venues_with_hours={1}, zone=AMS)] == [
        IssueCode.OUTSIDE_OPENING_HOURS]
    assert find_conflicts([item], zone=AMS) == []


def test_haversine_pieterskerk_to_stadsgehoorzaal() -> None:
    # Pieterskerk (52.1574, 4.4903) to Stadsgehoorzaal (52.1613, 4.4919): about 0.45 km.
    assert haversine_km((52.1574, 4.4903), (52.1613, 4.4919)) == pytest.approx(0.448, abs=0.01)
    assert haversine_km((0.0, 0.0), (0.0, 1.0)) == pytest.approx(111.195, abs=0.01)


@pytest.mark.parametrize(("km", "minutes"), [(0.0, 5.0), (0.75, 15.0), (4.5, 65.0), (1.5, 25.0)])
def test_walking_minutes_at_4_5_kmh_plus_5(km: float, minutes: float) -> None:
    assert walking_minutes(km) == pytest.approx(minutes)


def test_walking_time_between_venues() -> None:
    # 1.5 km apart (0.0135° of latitude ≈ 1.50 km): 25 minutes needed.
    far = (52.1572 + 0.0135, 4.4858)
    first = placed(1, m(0), m(60), speakers=(9,))
    too_soon = placed(2, m(80), m(120), room_id=2, venue_id=2, venue_name="Hortus", location=far, speakers=(9,))
    in_time = placed(3, m(90), m(120), room_id=2, venue_id=2, venue_name="Hortus", location=far, speakers=(9,))
    issues = find_conflicts([first, too_soon])
    assert [(i.code, i.session_ids, i.detail["gap_minutes"], i.detail["needed_minutes"]) for i in issues] == [
        (IssueCode.WALKING_TIME, (1, 2), 20, 26)]
    assert find_conflicts([first, in_time]) == []
    same_venue = placed(4, m(60), m(90), room_id=2, speakers=(9,))
    assert find_conflicts([first, same_venue]) == []


def test_layout_grid_merges_overlaps_into_one_block() -> None:
    entries = [(1, at(13, "10:00"), at(13, "11:00"), "a"), (1, at(13, "10:30"), at(13, "11:30"), "b"),
               (2, at(13, "10:00"), at(13, "10:15"), "c")]
    layout = layout_grid(entries, day=date(2022, 7, 13), zone=AMS)
    assert layout.times[0] == at(13, "08:00") and len(layout.times) == 56  # 08:00–22:00
    block = layout.cell(8, 1)
    assert (block.items, block.rowspan) == (["a", "b"], 6)
    assert layout.cell(9, 1) == "covered" and layout.cell(14, 1) is None
    assert layout.cell(8, 2).rowspan == 1
