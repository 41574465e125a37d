"""VTIMEZONE components written as yearly rules, derived from the tz database.

icalendar's own ``Timezone.from_tzinfo`` lists each transition as a date and puts the
spring DTSTART at the local time *after* the change; Outlook is known to mis-map zones
written that way. RFC 5545 wants each onset in the local time *before* it
(TZOFFSETFROM), and clients handle ``RRULE:FREQ=YEARLY;BYMONTH=..;BYDAY=..`` best. So we
read the transitions from zoneinfo, recognise the yearly rule (e.g. "last Sunday of
March at 02:00"), and fall back to listing dates only for a zone without such a rule.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Transition:
    at_utc: datetime
    offset_from: timedelta
    offset_to: timedelta
    name: str
    is_dst: bool

    @property
    def local_onset(self) -> datetime:
        """The wall-clock time of the change, read on the clock before it (RFC 5545)."""
        return (self.at_utc + self.offset_from).replace(tzinfo=None)

    @property
    def rule_key(self) -> tuple[int, int, int, str, bool]:
        onset = self.local_onset
        return (onset.month, onset.weekday(), week_of_month(onset.date()), onset.strftime("%H%M%S"), self.is_dst)


def week_of_month(day: date) -> int:
    """1..4 counted from the start, or -1 for the last such weekday of the month."""
    if (day + timedelta(days=7)).month != day.month:
        return -1
    return (day.day - 1) // 7 + 1


def transitions(zone: ZoneInfo, first_year: int, last_year: int) -> list[Transition]:
    """Offset changes in [first_year, last_year], found by hourly stepping then refining."""
    found: list[Transition] = []
    start = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    step = timedelta(hours=6)
    moment = start
    previous = moment.astimezone(zone).utcoffset()
    while moment < end:
        following = moment + step
        offset = following.astimezone(zone).utcoffset()
        if offset != previous:
            low, high = moment, following
            while high - low > timedelta(minutes=1):  # zones change on whole minutes
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == previous:
                    low = middle
                else:
                    high = middle
            local = high.astimezone(zone)
            assert previous is not None and offset is not None  # aware datetimes have offsets
            found.append(
                Transition(
                    at_utc=high.replace(second=0, microsecond=0),
                    offset_from=previous,
                    offset_to=offset,
                    name=local.tzname() or "",
                    is_dst=bool(local.dst()),
                )
            )
            previous = offset
        moment = following
    return found


def _component(transition: Transition) -> TimezoneStandard | TimezoneDaylight:
    component = TimezoneDaylight() if transition.is_dst else TimezoneStandard()
    component.add("tzname", transition.name)
    component.add("tzoffsetfrom", transition.offset_from)
    component.add("tzoffsetto", transition.offset_to)
    return component


def build_vtimezone(zone_name: str, first: date, last: date) -> Timezone:
    """A VTIMEZONE valid for every date from `first` to `last`."""
    zone = ZoneInfo(zone_name)
    timezone = Timezone()
    timezone.add("tzid", zone_name)
    # Look a year around the range so the rule is recognised even for a short feed.
    found = transitions(zone, first.year - 1, last.year + 1)
    if not found:
        offset = datetime(first.year, 1, 1, tzinfo=zone).utcoffset() or timedelta(0)
        component = TimezoneStandard()
        component.add("tzname", datetime(first.year, 1, 1, tzinfo=zone).tzname() or zone_name)
        component.add("tzoffsetfrom", offset)
        component.add("tzoffsetto", offset)
        component.add("dtstart", datetime(1970, 1, 1))
        timezone.add_component(component)
        return timezone
    by_rule: dict[tuple[int, int, int, str, bool], list[Transition]] = {}
    for transition in found:
        by_rule.setdefault(transition.rule_key, []).append(transition)
    years = {t.at_utc.year for t in found}
    yearly = all(len({t.at_utc.year for t in group}) == len(years) for group in by_rule.values()) and all(
        len({(t.offset_from, t.offset_to) for t in group}) == 1 for group in by_rule.values()
    )
    if yearly:
        for (month, weekday, week, _time, _dst), group in sorted(by_rule.items()):
            component = _component(group[0])
            component.add("dtstart", group[0].local_onset)
            component.add(
                "rrule",
                vRecur({"FREQ": "YEARLY", "BYMONTH": month, "BYDAY": f"{week}{WEEKDAYS[weekday]}"}),
            )
            timezone.add_component(component)
        return timezone
    for transition in found:
        component = _component(transition)
        component.add("dtstart", transition.local_onset)
        timezone.add_component(component)
    return timezone
