"""Signals other areas listen to; venues imports none of the areas built on it.

A room's capacity is read live by bookings, so a change takes effect at once:

* `room_capacity_lowering` (sender: the Room, capacity: the lower figure) is a question asked
  before the change is saved. Receivers answer with a list of BookingsBeyondCapacity, so the
  organiser is warned before anyone loses a seat.
* `room_capacity_changed` (sender: the Room) is sent by save_room after a capacity changed,
  inside its transaction: bookings moves seats in line (the latest bookings beyond a lower
  capacity back to the waiting list, people waiting into a larger room). Receivers flush,
  never commit.
"""
from __future__ import annotations

from dataclasses import dataclass

from blinker import Namespace

signals = Namespace()
room_capacity_lowering = signals.signal("room-capacity-lowering")
room_capacity_changed = signals.signal("room-capacity-changed")


@dataclass(frozen=True)
class BookingsBeyondCapacity:
    """A published session in the room with more confirmed bookings than a new capacity holds."""

    session_title: str
    booked: int
    capacity: int

    @property
    def beyond(self) -> int:
        return self.booked - self.capacity
