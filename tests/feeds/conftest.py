"""A small published programme: two venues, a track, sessions on two days."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from esof.accounts.models import Role, User
from esof.extensions import db
from esof.programme import services as programme
from esof.programme.models import ProgrammeSession, SessionFormat, SessionStatus
from esof.venues import services as venues
from tests.factories import UserFactory

AMS = ZoneInfo("Europe/Amsterdam")


@dataclass
class Programme:
    organiser: User
    opening: ProgrammeSession
    health_panel: ProgrammeSession
    workshop: ProgrammeSession
    rooms: dict[str, int]


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2022, 7, day, hour, minute, tzinfo=AMS)


def move_opening_and_cancel_panel(published: Programme) -> None:
    """An organiser's publication: the opening an hour later, the health panel cancelled."""
    programme.schedule_session(item=published.opening, room_id=published.rooms["nave"],
                               starts_at=at(13, 10), ends_at=at(13, 11, 30))
    programme.set_session_status(item=published.health_panel, status=SessionStatus.CANCELLED)
    programme.publish_schedule(actor=published.organiser)
    db.session.commit()


def build_programme() -> Programme:
    organiser = UserFactory(email="organiser@example.org", roles=[Role.ORGANISER])
    pieterskerk = venues.save_venue(name="Pieterskerk", address="Kloksteeg 16, Leiden",
                                    latitude=52.1575, longitude=4.4908)
    kog = venues.save_venue(name="Kamerlingh Onnes Gebouw", address="Steenschuur 25, Leiden",
                            latitude=52.1565, longitude=4.4877)
    nave = venues.save_room(venue=pieterskerk, name="Nave", capacity=800)
    lorentz = venues.save_room(venue=kog, name="Lorentzzaal", capacity=120)
    clevering = venues.save_room(venue=kog, name="Cleveringazaal", capacity=40)
    health = programme.save_track(name="Health")
    speaker = programme.save_person(name="Ada Lovelace, Countess; of Lovelace")
    opening = programme.save_session(title="Opening ceremony", format=SessionFormat.CEREMONY,
                                     abstract="<p>Welcome to <b>ESOF</b>, Leiden; 2022</p>")
    panel = programme.save_session(title="Vaccines, trust & society", format=SessionFormat.PANEL,
                                   track_id=health.id, speaker_ids=[speaker.id])
    workshop = programme.save_session(title="Science communication workshop", format=SessionFormat.WORKSHOP,
                                      needs_booking=True, track_id=health.id)
    programme.schedule_session(item=opening, room_id=nave.id, starts_at=at(13, 9), ends_at=at(13, 10, 30))
    programme.schedule_session(item=panel, room_id=lorentz.id, starts_at=at(13, 11), ends_at=at(13, 12))
    programme.schedule_session(item=workshop, room_id=clevering.id, starts_at=at(14, 14), ends_at=at(14, 16))
    programme.publish_schedule(actor=organiser, note="First programme")
    db.session.commit()
    return Programme(organiser, opening, panel, workshop,
                     {"nave": nave.id, "lorentz": lorentz.id, "clevering": clevering.id})


@pytest.fixture
def published(app: Flask) -> Programme:
    return build_programme()
