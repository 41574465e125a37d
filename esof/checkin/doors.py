"""The doors of the check-in: a venue entrance or a room, each with its counter and presences."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from esof.checkin.models import CheckIn, DoorPresence, Occupancy
from esof.errors import ValidationFailed
from esof.extensions import db
from esof.venues.models import Room, Venue


class UnknownDoor(ValidationFailed):
    default_message = _l("Choose a door: a venue entrance or a room.")


@dataclass(frozen=True)
class Door:
    """A venue entrance or a room door, written "venue:3" or "room:12" in forms and JSON."""

    kind: str
    id: int
    label: str
    venue_id: int
    capacity: int
    name: str = ""  # the room's own name, or the venue's

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def room_id(self) -> int | None:
        return self.id if self.kind == "room" else None

    @property
    def door_venue_id(self) -> int | None:
        """The venue column of this door's rows: set for a venue entrance only."""
        return self.id if self.kind == "venue" else None


def venues_with_rooms() -> list[Venue]:
    return list(db.session.scalars(
        sa.select(Venue).options(joinedload(Venue.rooms)).order_by(Venue.name)
    ).unique())


def venue_door(venue: Venue) -> Door:
    return Door("venue", venue.id, venue.name, venue.id, sum(room.capacity for room in venue.rooms), venue.name)


def room_door(room: Room, venue: Venue) -> Door:
    return Door("room", room.id, f"{venue.name} › {room.name}", venue.id, room.capacity, room.name)


def list_doors() -> list[Door]:
    """Every venue entrance followed by its rooms, in name order."""
    doors: list[Door] = []
    for venue in venues_with_rooms():
        doors.append(venue_door(venue))
        doors.extend(room_door(room, venue) for room in sorted(venue.rooms, key=lambda r: r.name))
    return doors


def find_door(key: str) -> Door:
    kind, _, number = (key or "").partition(":")
    if kind not in {"venue", "room"} or not number.isdigit():
        raise UnknownDoor()
    if kind == "venue":
        venue = db.session.scalars(
            sa.select(Venue).options(joinedload(Venue.rooms)).where(Venue.id == int(number))
        ).unique().one_or_none()
        if venue is None:
            raise UnknownDoor()
        return venue_door(venue)
    room = db.session.scalars(
        sa.select(Room).options(joinedload(Room.venue)).where(Room.id == int(number))
    ).one_or_none()
    if room is None:
        raise UnknownDoor()
    return room_door(room, room.venue)


def venue_entrance_of(door: Door) -> Door:
    """The entrance of the venue a room is in (a venue door is its own entrance)."""
    return door if door.kind == "venue" else find_door(f"venue:{door.venue_id}")


def room_doors_of(venue: Door) -> list[Door]:
    """The rooms behind a venue entrance."""
    rooms = db.session.scalars(sa.select(Room).where(Room.venue_id == venue.id).order_by(Room.name))
    return [Door("room", room.id, f"{venue.name} › {room.name}", venue.id, room.capacity, room.name)
            for room in rooms]


def door_filter(model: type[DoorPresence] | type[Occupancy] | type[CheckIn], door: Door) -> sa.ColumnElement[bool]:
    if door.kind == "room":
        return model.room_id == door.id
    return sa.and_(model.venue_id == door.id, model.room_id.is_(None))
