"""Factories for venues and rooms."""
from __future__ import annotations

import factory

from esof.venues.models import Room, Venue
from tests.factories import BaseFactory


class VenueFactory(BaseFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"Venue {n}")
    slug = factory.Sequence(lambda n: f"venue-{n}")
    address = "Rapenburg 1"
    city = "Leiden"
    latitude = 52.1572
    longitude = 4.4858
    step_free = True


class RoomFactory(BaseFactory):
    class Meta:
        model = Room

    venue = factory.SubFactory(VenueFactory)
    name = factory.Sequence(lambda n: f"Room {n}")
    capacity = 100
    step_free = True
    allows_parallel = False
