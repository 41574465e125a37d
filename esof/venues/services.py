"""Venue rules: venues, their opening hours and rooms. Flush, never commit."""
from __future__ import annotations

from datetime import date, time

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from esof.errors import Conflict, ValidationFailed
from esof.extensions import db
from esof.text import unique_slug
from esof.venues.models import Room, Venue, VenueOpeningHours
from esof.venues.signals import (
    BookingsBeyondCapacity,
    room_capacity_changed,
    room_capacity_lowering,
)


class VenueNameTaken(Conflict):
    default_message = _l("A venue with this name already exists.")


class RoomNameTaken(Conflict):
    default_message = _l("This venue already has a room with this name.")


class RoomInUse(Conflict):
    default_message = _l(
        "This room holds scheduled sessions. Unschedule them first (the schedule builder offers "
        "to do this for the whole room), then delete the room."
    )


class InvalidOpeningHours(ValidationFailed):
    default_message = _l("Closing time must be after opening time.")


def list_venues() -> list[Venue]:
    return list(db.session.scalars(
        sa.select(Venue).options(sa.orm.selectinload(Venue.rooms), sa.orm.selectinload(Venue.opening_hours))
        .order_by(Venue.name)
    ))


def _check_venue_name(name: str, venue: Venue | None) -> None:
    stmt = sa.select(Venue.id).where(sa.func.lower(Venue.name) == name.lower())
    if venue is not None and venue.id is not None:
        stmt = stmt.where(Venue.id != venue.id)
    if db.session.scalar(stmt) is not None:
        raise VenueNameTaken()


def _unique_slug(name: str, venue: Venue | None) -> str:
    """A free slug for `name`; the venue being renamed keeps its own out of the search."""
    other_than = Venue.id != venue.id if venue is not None and venue.id is not None else None
    return unique_slug(Venue.slug, name, fallback="venue", other_than=other_than)


def save_venue(
    *,
    venue: Venue | None = None,
    name: str,
    address: str = "",
    city: str = "Leiden",
    latitude: float | None = None,
    longitude: float | None = None,
    step_free: bool = False,
    description: str = "",
) -> Venue:
    """Create a venue (venue=None) or update one."""
    name = name.strip()
    _check_venue_name(name, venue)
    if (latitude is None) != (longitude is None):
        raise ValidationFailed(_l("Give both latitude and longitude, or neither."))
    if venue is None:
        venue = Venue(name=name, slug=_unique_slug(name, None))
        db.session.add(venue)
    elif venue.name != name:
        venue.slug = _unique_slug(name, venue)
    venue.name = name
    venue.address = address.strip()
    venue.city = city.strip()
    venue.latitude = latitude
    venue.longitude = longitude
    venue.step_free = step_free
    venue.description = description
    db.session.flush()
    return venue


def set_opening_hours(*, venue: Venue, day: date, opens: time | None, closes: time | None) -> None:
    """Set a venue's hours for one day; no times means closed (the row is removed)."""
    row = db.session.scalar(
        sa.select(VenueOpeningHours).where(VenueOpeningHours.venue_id == venue.id, VenueOpeningHours.day == day)
    )
    if opens is None and closes is None:
        if row is not None:
            db.session.delete(row)
        db.session.flush()
        return
    if opens is None or closes is None or closes <= opens:
        raise InvalidOpeningHours()
    if row is None:
        row = VenueOpeningHours(venue_id=venue.id, day=day, opens=opens, closes=closes)
        db.session.add(row)
    row.opens, row.closes = opens, closes
    db.session.flush()
    db.session.expire(venue, ["opening_hours"])


def save_room(
    *,
    room: Room | None = None,
    venue: Venue,
    name: str,
    capacity: int,
    layout: str = "theatre",
    streaming: bool = False,
    step_free: bool = True,
    allows_parallel: bool = False,
) -> Room:
    name = name.strip()
    if capacity < 0:
        raise ValidationFailed(_l("Capacity cannot be negative."))
    clash = sa.select(Room.id).where(Room.venue_id == venue.id, sa.func.lower(Room.name) == name.lower())
    if room is not None and room.id is not None:
        clash = clash.where(Room.id != room.id)
    if db.session.scalar(clash) is not None:
        raise RoomNameTaken()
    capacity_before = None if room is None else room.capacity
    if room is None:
        room = Room(venue=venue)
        db.session.add(room)
    room.name = name
    room.capacity = capacity
    room.layout = layout
    room.streaming = streaming
    room.step_free = step_free
    room.allows_parallel = allows_parallel
    db.session.flush()
    if capacity_before is not None and capacity_before != capacity:
        room_capacity_changed.send(room)
    return room


def bookings_beyond(*, room: Room, capacity: int) -> list[BookingsBeyondCapacity]:
    """Published sessions in the room whose confirmed bookings `capacity` would not hold;
    asked before a lower capacity is saved (the bookings area answers)."""
    if room.id is None or capacity >= room.capacity:
        return []
    found: list[BookingsBeyondCapacity] = []
    for _receiver, answer in room_capacity_lowering.send(room, capacity=capacity):
        found.extend(answer or ())
    return found


def delete_room(*, room: Room) -> None:
    """Delete an empty room. The database refuses (foreign key RESTRICT) while the draft
    schedule places sessions in it; that refusal becomes RoomInUse."""
    try:
        with db.session.begin_nested():
            db.session.delete(room)
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        raise RoomInUse() from exc


def delete_venue(*, venue: Venue) -> None:
    """Delete a venue with its rooms; refused while one of its rooms holds sessions."""
    try:
        with db.session.begin_nested():
            db.session.delete(venue)
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        raise RoomInUse() from exc
