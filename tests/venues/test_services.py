"""Venue rules: names, coordinates, opening hours, rooms and their deletion."""
from __future__ import annotations

from datetime import date, time

import pytest
import sqlalchemy as sa

from esof.conference import conference_days
from esof.extensions import db
from esof.venues import services
from esof.venues.models import Room, Venue, VenueOpeningHours
from tests.programme.factories import SlotFactory
from tests.venues.factories import RoomFactory, VenueFactory


def test_save_venue_creates_with_slug(app) -> None:
    venue = services.save_venue(name="Hortus botanicus", address="Rapenburg 73", latitude=52.1556, longitude=4.4862,
                                step_free=True)
    db.session.commit()
    assert (venue.slug, venue.address, venue.latitude, venue.step_free) == (
        "hortus-botanicus", "Rapenburg 73", 52.1556, True)


def test_save_venue_refuses_duplicate_name_case_insensitively(app) -> None:
    services.save_venue(name="Pieterskerk")
    with pytest.raises(services.VenueNameTaken):
        services.save_venue(name="pieterskerk")


def test_save_venue_needs_both_coordinates(app) -> None:
    with pytest.raises(services.ValidationFailed):
        services.save_venue(name="Half", latitude=52.1)
    assert db.session.scalar(sa.select(sa.func.count(Venue.id))) == 0


def test_opening_hours_set_change_and_clear(app) -> None:
    venue = VenueFactory()
    day = date(2022, 7, 13)
    services.set_opening_hours(venue=venue, day=day, opens=time(9), closes=time(17))
    services.set_opening_hours(venue=venue, day=day, opens=time(8), closes=time(18))
    row = db.session.scalars(sa.select(VenueOpeningHours)).one()
    assert (row.opens, row.closes) == (time(8), time(18))
    with pytest.raises(services.InvalidOpeningHours):
        services.set_opening_hours(venue=venue, day=day, opens=time(18), closes=time(8))
    services.set_opening_hours(venue=venue, day=day, opens=None, closes=None)
    assert db.session.scalar(sa.select(sa.func.count(VenueOpeningHours.id))) == 0


def test_save_room_refuses_duplicate_name_in_venue(app) -> None:
    venue = VenueFactory()
    services.save_room(venue=venue, name="Lorentzzaal", capacity=200)
    with pytest.raises(services.RoomNameTaken):
        services.save_room(venue=venue, name="lorentzzaal", capacity=10)
    other = services.save_room(venue=VenueFactory(), name="Lorentzzaal", capacity=10)
    assert other.capacity == 10


def test_delete_empty_room(app) -> None:
    room = RoomFactory()
    services.delete_room(room=room)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Room.id))) == 0


def test_delete_venue_with_scheduled_room_is_refused(app) -> None:
    slot = SlotFactory()
    db.session.commit()
    with pytest.raises(services.RoomInUse):
        services.delete_venue(venue=slot.room.venue)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Venue.id))) == 1


def test_conference_days_are_13_to_16_july(app) -> None:
    assert conference_days() == [date(2022, 7, d) for d in (13, 14, 15, 16)]
