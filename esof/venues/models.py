"""Venues and their rooms. Opening hours are wall-clock times in the conference zone."""
from __future__ import annotations

import re
from datetime import date, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from esof.extensions import Model


class Venue(Model):
    __tablename__ = "venue"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    city: Mapped[str] = mapped_column(sa.String(100), default="Leiden")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    step_free: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str] = mapped_column(sa.Text, default="")

    rooms: Mapped[list[Room]] = relationship(
        back_populates="venue", cascade="all, delete-orphan", order_by="Room.name"
    )
    opening_hours: Mapped[list[VenueOpeningHours]] = relationship(
        back_populates="venue", cascade="all, delete-orphan", order_by="VenueOpeningHours.day"
    )

    @property
    def full_address(self) -> str:
        return address_with_city(self.address, self.city)

    @property
    def coordinates(self) -> tuple[float, float] | None:
        """(latitude, longitude), or None while either is unknown."""
        if self.latitude is None or self.longitude is None:
            return None
        return self.latitude, self.longitude

    def __repr__(self) -> str:
        return f"<Venue {self.id} {self.name}>"


def address_with_city(address: str, city: str) -> str:
    """The address with the city once: "Steenstraat 1, 2312 BS Leiden" already names it (a
    Dutch address ends with postcode and city), so ", Leiden" is not added again."""
    address, city = address.strip(), city.strip()
    if not city or re.search(rf"(^|[\s,]){re.escape(city)}$", address, re.IGNORECASE):
        return address or city
    return f"{address}, {city}" if address else city


class VenueOpeningHours(Model):
    __tablename__ = "venue_opening_hours"
    __table_args__ = (
        sa.UniqueConstraint("venue_id", "day"),
        sa.CheckConstraint("closes > opens", name="closes_after_opens"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(sa.ForeignKey("venue.id", ondelete="CASCADE"))
    day: Mapped[date]
    opens: Mapped[time]
    closes: Mapped[time]

    venue: Mapped[Venue] = relationship(back_populates="opening_hours")


class Room(Model):
    __tablename__ = "room"
    __table_args__ = (
        sa.UniqueConstraint("venue_id", "name"),
        sa.CheckConstraint("capacity >= 0", name="capacity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(sa.ForeignKey("venue.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    capacity: Mapped[int]
    layout: Mapped[str] = mapped_column(sa.String(40), default="theatre")
    streaming: Mapped[bool] = mapped_column(default=False)
    step_free: Mapped[bool] = mapped_column(default=True)
    # Poster halls and exhibition floors host several items at once.
    allows_parallel: Mapped[bool] = mapped_column(default=False)

    venue: Mapped[Venue] = relationship(back_populates="rooms")

    def __repr__(self) -> str:
        return f"<Room {self.id} {self.name}>"
