"""The iCalendar writer: RFC 5545/7986 shape, read back alike by two independent parsers."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from esof.feeds.ical import FeedItem, FeedMeta, plain_text, render_calendar
from esof.feeds.timezones import build_vtimezone, week_of_month
from tests.feeds.parsers import parse_with_icalendar, parse_with_icaljs

AMS = ZoneInfo("Europe/Amsterdam")
META = FeedMeta(
    name="ESOF 2022 — Health track",
    description="Sessions of the Health track",
    page_url="http://esof.test/programme/?track=health",
    feed_url="http://esof.test/feeds/programme.ics?track=health",
)
CHANGED = datetime(2022, 6, 1, 12, 0, tzinfo=UTC)


def timed(uid: str, start: datetime, end: datetime, **extra: object) -> FeedItem:
    return FeedItem(uid=uid, summary=uid, start=start, end=end, last_modified=CHANGED, **extra)


def lines_of(body: bytes) -> list[bytes]:
    assert body.endswith(b"\r\n")
    return body[:-2].split(b"\r\n")


def test_lines_end_in_crlf_and_fold_at_75_octets_without_splitting_characters() -> None:
    summary = "Ééñ 🎉 Крос бордерс " * 12
    body = render_calendar(META, [timed("long@esof", datetime(2022, 7, 13, 9, tzinfo=AMS),
                                        datetime(2022, 7, 13, 10, tzinfo=AMS), description=summary)])
    assert b"\n" not in body.replace(b"\r\n", b"")
    for line in lines_of(body):
        assert len(line) <= 75
        line.decode("utf-8")  # a split multi-byte character would raise here
    assert parse_with_icaljs(body)["events"][0]["description"] == summary


def test_calendar_properties_follow_rfc_5545_and_7986() -> None:
    body = render_calendar(META, [timed("a@esof", datetime(2022, 7, 13, 9, tzinfo=AMS),
                                        datetime(2022, 7, 13, 10, tzinfo=AMS))])
    lines = lines_of(body)
    for expected in (
        b"VERSION:2.0", b"CALSCALE:GREGORIAN", b"METHOD:PUBLISH",
        "NAME:ESOF 2022 — Health track".encode(), "X-WR-CALNAME:ESOF 2022 — Health track".encode(),
        b"X-WR-TIMEZONE:Europe/Amsterdam", b"REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        b"X-PUBLISHED-TTL:PT1H", b"DTSTART;TZID=Europe/Amsterdam:20220713T090000",
        b"DTEND;TZID=Europe/Amsterdam:20220713T100000", b"DTSTAMP:20220601T120000Z",
        b"LAST-MODIFIED:20220601T120000Z", b"SEQUENCE:0", b"STATUS:CONFIRMED",
    ):
        assert expected in lines, expected
    assert any(line.startswith(b"PRODID:") for line in lines)
    parsed = parse_with_icaljs(body)
    assert parsed["calendar"]["name"] == "ESOF 2022 — Health track"
    assert parsed["calendar"]["refresh_interval"] == "PT1H"
    assert parsed["calendar"]["method"] == "PUBLISH"


def test_vtimezone_uses_yearly_rules_with_onsets_in_the_previous_offset() -> None:
    text = build_vtimezone("Europe/Amsterdam", date(2022, 1, 1), date(2022, 12, 31)).to_ical().decode()
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in text
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in text
    # 02:00 CET becomes 03:00 CEST; 03:00 CEST becomes 02:00 CET.
    assert "DTSTART:20210328T020000" in text
    assert "DTSTART:20211031T030000" in text
    assert "TZNAME:CEST" in text and "TZNAME:CET" in text


def test_vtimezone_for_a_zone_without_daylight_saving_has_one_standard_part() -> None:
    text = build_vtimezone("Asia/Tokyo", date(2022, 7, 1), date(2022, 7, 31)).to_ical().decode()
    assert text.count("BEGIN:STANDARD") == 1
    assert "BEGIN:DAYLIGHT" not in text
    assert "TZOFFSETTO:+0900" in text


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2022, 3, 27), -1), (date(2022, 3, 6), 1), (date(2022, 3, 13), 2), (date(2022, 3, 20), 3),
     (date(2022, 10, 30), -1), (date(2022, 2, 22), -1), (date(2022, 3, 24), 4)],
)
def test_week_of_month(day: date, expected: int) -> None:
    assert week_of_month(day) == expected


@pytest.mark.parametrize(
    ("local_start", "utc_start"),
    [
        (datetime(2022, 3, 26, 10, 0), "2022-03-26T09:00:00.000Z"),  # CET, day before the change
        (datetime(2022, 3, 27, 10, 0), "2022-03-27T08:00:00.000Z"),  # CEST from 02:00 that day
        (datetime(2022, 7, 13, 9, 0), "2022-07-13T07:00:00.000Z"),   # the opening, CEST
        (datetime(2022, 10, 29, 10, 0), "2022-10-29T08:00:00.000Z"),
        (datetime(2022, 10, 30, 10, 0), "2022-10-30T09:00:00.000Z"),  # CET again
    ],
)
def test_times_across_both_2022_changes_read_the_same_in_both_parsers(local_start: datetime, utc_start: str) -> None:
    start = local_start.replace(tzinfo=AMS)
    body = render_calendar(META, [timed("t@esof", start, start.replace(hour=start.hour + 1))])
    [event] = parse_with_icaljs(body)["events"]
    assert event["start"] == utc_start
    assert event["tzid"] == "Europe/Amsterdam"
    [vevent] = parse_with_icalendar(body).walk("VEVENT")
    assert vevent.decoded("dtstart").astimezone(UTC).isoformat().replace("+00:00", ".000Z") == utc_start


def test_text_escaping_round_trips_in_both_parsers() -> None:
    tricky = 'Commas, semicolons; back\\slashes\nnew lines and emoji 🔬🧬 "quotes"'
    body = render_calendar(META, [timed("esc@esof", datetime(2022, 7, 14, 9, tzinfo=AMS),
                                        datetime(2022, 7, 14, 10, tzinfo=AMS),
                                        description=tricky, location="Lorentzzaal, KOG; Leiden",
                                        categories=["Health, care", "Climate"])])
    assert b"Commas\\, semicolons\\; back\\\\slashes\\nnew lines" in body.replace(b"\r\n ", b"")
    [event] = parse_with_icaljs(body)["events"]
    assert event["description"] == tricky
    assert event["location"] == "Lorentzzaal, KOG; Leiden"
    assert event["categories"] == ["Health, care", "Climate"]
    [vevent] = parse_with_icalendar(body).walk("VEVENT")
    assert str(vevent["description"]) == tricky


def test_all_day_and_multi_day_items_use_date_values() -> None:
    body = render_calendar(META, [FeedItem(uid="expo@esof", summary="Exhibition", start=date(2022, 3, 1),
                                           end=date(2022, 7, 1), last_modified=CHANGED)])
    assert b"DTSTART;VALUE=DATE:20220301" in body
    assert b"DTEND;VALUE=DATE:20220701" in body
    [event] = parse_with_icaljs(body)["events"]
    assert (event["start"], event["end"]) == ("2022-03-01", "2022-07-01")


def test_recurring_item_is_one_vevent_that_stays_at_ten_across_daylight_saving() -> None:
    item = timed("weekly@esof", datetime(2022, 3, 20, 10, tzinfo=AMS), datetime(2022, 3, 20, 11, tzinfo=AMS),
                 rrule="FREQ=WEEKLY;BYDAY=SU;UNTIL=20220410T235959Z",
                 exdates=[datetime(2022, 4, 3, 10, tzinfo=AMS)])
    body = render_calendar(META, [item])
    assert body.count(b"BEGIN:VEVENT") == 1
    assert b"EXDATE;TZID=Europe/Amsterdam:20220403T100000" in body
    [event] = parse_with_icaljs(body)["events"]
    # 20 March is CET (09:00 UTC); 27 March and 10 April are CEST (08:00 UTC); 3 April excluded.
    assert event["occurrences"] == [
        "2022-03-20T09:00:00.000Z", "2022-03-27T08:00:00.000Z", "2022-04-10T08:00:00.000Z",
    ]


def test_cancelled_item_keeps_its_uid_with_status_cancelled() -> None:
    body = render_calendar(META, [timed("gone@esof", datetime(2022, 7, 15, 9, tzinfo=AMS),
                                        datetime(2022, 7, 15, 10, tzinfo=AMS), status="CANCELLED", sequence=3)])
    [event] = parse_with_icaljs(body)["events"]
    assert (event["uid"], event["status"], event["sequence"]) == ("gone@esof", "CANCELLED", 3)


def test_same_data_renders_byte_identical_output() -> None:
    items = [timed("a@esof", datetime(2022, 7, 13, 9, tzinfo=AMS), datetime(2022, 7, 13, 10, tzinfo=AMS))]
    assert render_calendar(META, items) == render_calendar(META, items)


def test_plain_text_strips_markup_and_keeps_paragraphs() -> None:
    assert plain_text("<p>Kom <strong>langs</strong> &amp; kijk</p><p>Tweede</p><script>x()</script>") == (
        "Kom langs & kijk\n\nTweede"
    )
