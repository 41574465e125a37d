"""Signals other areas listen to; programme does not import the areas that depend on it.

`schedule_published` is sent (sender: the new ScheduleVersion) at the end of
publish_schedule, inside its transaction: bookings moves seats in line with the published
rooms. Receivers flush, never commit.
"""
from blinker import Namespace

signals = Namespace()
schedule_published = signals.signal("schedule-published")
