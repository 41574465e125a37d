"""Signals other areas listen to; programme does not import the areas that depend on it.

`schedule_published` is sent (sender: the new ScheduleVersion) at the end of
publish_schedule, inside its transaction: bookings moves seats in line with the published
rooms. Receivers flush, never commit.

`booking_cap_changed` is sent (sender: the ProgrammeSession) by save_session when an existing
session's seat limit changed, inside its transaction. The limit is read live, so bookings
moves seats in line at once (organisers are warned first when bookings would not fit).
"""
from blinker import Namespace

signals = Namespace()
schedule_published = signals.signal("schedule-published")
booking_cap_changed = signals.signal("booking-cap-changed")
