"""Speakers with accounts, their sessions placed in the draft, and publishing."""
from __future__ import annotations

from datetime import timedelta

from esof.accounts.models import Role, User
from esof.extensions import db
from esof.programme.models import Person, ProgrammeSession
from esof.venues.models import Room
from tests.factories import UserFactory
from tests.programme.factories import PersonFactory, SessionFactory, SlotFactory, add_speaker, at, publish_now
from tests.venues.factories import RoomFactory


def speaker_account(email: str, name: str, *, language: str = "en", affiliation: str = "Leiden University",
                    roles: tuple[Role, ...] = (Role.SPEAKER,)) -> tuple[User, Person]:
    """A user with the speaker role whose account is linked to a person of the programme."""
    user = UserFactory(email=email, display_name=name, language=language, roles=list(roles))
    person = PersonFactory(name=name, affiliation=affiliation, user_id=user.id)
    return user, person


def placed_session(*people: Person, title: str, room: Room | None = None, day: int = 13, hhmm: str = "10:00",
                   title_nl: str = "") -> ProgrammeSession:
    """A session of the draft with these speakers, in a room for an hour."""
    session = SessionFactory(title=title, title_nl=title_nl)
    for position, person in enumerate(people):
        add_speaker(session, person, position)
    starts = at(day, hhmm)
    SlotFactory(session=session, room=room or RoomFactory(), starts_at=starts, ends_at=starts + timedelta(hours=1))
    db.session.flush()
    return session


def publish_presenters(count: int, first: int = 0) -> None:
    """`count` speakers "Presenter NNN" (numbered from `first`) over ten poster sessions in a
    parallel room, published as a new version."""
    hall = RoomFactory(name="Poster hall", allows_parallel=True, capacity=1000)
    sessions = [SessionFactory(title=f"Posters {first + n}") for n in range(10)]
    for n, session in enumerate(sessions):
        SlotFactory(session=session, room=hall, starts_at=at(13, f"{9 + n}:00"), ends_at=at(13, f"{9 + n}:30"))
    for n in range(count):
        add_speaker(sessions[n % 10], PersonFactory(name=f"Presenter {first + n:03d}"), n // 10)
    db.session.commit()
    publish_now()
