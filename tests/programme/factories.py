"""Factories for the programme: tracks, people, sessions, slots; and a helper for times."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import factory

from esof.accounts.models import Role
from esof.extensions import db
from esof.programme.models import (
    Person,
    ProgrammeSession,
    ScheduleSlot,
    ScheduleVersion,
    SessionFormat,
    SessionSpeaker,
    Track,
)
from esof.programme.publishing import publish_schedule
from tests.factories import BaseFactory, UserFactory
from tests.venues.factories import RoomFactory

AMS = ZoneInfo("Europe/Amsterdam")


def at(day: int, hhmm: str) -> datetime:
    """A wall-clock time on 13..16 July 2022 in Amsterdam, as an aware datetime."""
    hour, minute = map(int, hhmm.split(":"))
    return datetime(2022, 7, day, hour, minute, tzinfo=AMS)


class TrackFactory(BaseFactory):
    class Meta:
        model = Track

    slug = factory.Sequence(lambda n: f"track-{n}")
    name = factory.Sequence(lambda n: f"Track {n}")


class PersonFactory(BaseFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Speaker {n}")
    affiliation = "Leiden University"


class SessionFactory(BaseFactory):
    class Meta:
        model = ProgrammeSession

    title = factory.Sequence(lambda n: f"Session {n}")
    format = SessionFormat.PANEL
    language = "en"
    expected_audience = 0


class SlotFactory(BaseFactory):
    class Meta:
        model = ScheduleSlot

    session = factory.SubFactory(SessionFactory)
    room = factory.SubFactory(RoomFactory)
    starts_at = factory.LazyFunction(lambda: at(13, "10:00"))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=1))


def publish_now() -> ScheduleVersion:
    """Publish the draft as an organiser would, and commit."""
    version = publish_schedule(actor=UserFactory(roles=[Role.ORGANISER]))
    db.session.commit()
    return version


def add_speaker(session: ProgrammeSession, person: Person, position: int = 0) -> None:
    session.speaker_links.append(SessionSpeaker(person=person, position=position))
