"""API test data, made through the services: a small published programme with bookings, and
City of Science events (one-off, weekly recurring, all-day, pending, edited)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from esof.accounts.models import Role, User
from esof.bookings import services as bookings
from esof.db import utcnow
from esof.extensions import db
from esof.programme import services as programme
from esof.programme.models import ProgrammeSession, SessionFormat, SessionStatus
from esof.registration.models import Attendance, Registration, RegistrationCategory, RegistrationStatus
from esof.side_events import services as side_events
from esof.side_events.models import Audience, EventCategory, SideEvent
from esof.side_events.recurrence import Frequency, Recurrence
from esof.venues import services as venues
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory
from tests.side_events.factories import PartnerOrganisationFactory, make_editor, make_event

AMS = ZoneInfo("Europe/Amsterdam")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2022, 7, day, hour, minute, tzinfo=AMS)


def confirmed_delegate(email: str) -> User:
    """A user with a confirmed (online) registration, so the bookings rules let them book."""
    user = UserFactory(email=email)
    category = db.session.scalar(sa.select(RegistrationCategory).where(RegistrationCategory.code == "api-online"))
    category = category or CategoryFactory(code="api-online", attendance=Attendance.ONLINE)
    category.confirmed_count += 1
    db.session.add(Registration(
        user=user, category=category, status=RegistrationStatus.CONFIRMED, attendance=Attendance.ONLINE,
        first_name="Ada", last_name=f"Delegate {user.id}", country="NL",
        payment_reference=secrets.token_hex(8), ticket_nonce=secrets.token_hex(8), confirmed_at=utcnow(),
    ))
    db.session.flush()
    return user


@dataclass
class Programme:
    organiser: User
    opening: ProgrammeSession
    panel: ProgrammeSession
    workshop: ProgrammeSession
    debate: ProgrammeSession
    draft_only: ProgrammeSession
    ids: dict[str, int] = field(default_factory=dict)


def build_programme(*, extra_sessions: int = 0) -> Programme:
    """Three venues' worth of rooms, two tracks, five published sessions (one cancelled), a
    workshop with a booking cap of 2 (two seats taken, one on the waiting list), a session
    only in the draft, and `extra_sessions` more posters on 15 July."""
    organiser = UserFactory(email="organiser@example.org", roles=[Role.ORGANISER])
    pieterskerk = venues.save_venue(name="Pieterskerk", address="Kloksteeg 16, Leiden",
                                    latitude=52.1575, longitude=4.4908)
    kog = venues.save_venue(name="Kamerlingh Onnes Gebouw", address="Steenschuur 25, Leiden",
                            latitude=52.1565, longitude=4.4877)
    nave = venues.save_room(venue=pieterskerk, name="Nave", capacity=800)
    lorentz = venues.save_room(venue=kog, name="Lorentzzaal", capacity=120)
    clevering = venues.save_room(venue=kog, name="Cleveringazaal", capacity=40)
    hall = venues.save_room(venue=pieterskerk, name="Poster hall", capacity=300)
    hall.allows_parallel = True
    health = programme.save_track(name="Health", name_nl="Gezondheid")
    climate = programme.save_track(name="Climate")
    ada = programme.save_person(name="Ada Lovelace", affiliation="Analytical Engine Society")
    hendrik = programme.save_person(name="Hendrik Lorentz", affiliation="Leiden University")
    opening = programme.save_session(title="Opening ceremony", format=SessionFormat.CEREMONY,
                                     abstract="Welcome to ESOF.\n\nLeiden, 2022.")
    panel = programme.save_session(title="Vaccines, trust & society", format=SessionFormat.PANEL,
                                   track_id=health.id, speaker_ids=[ada.id, hendrik.id])
    workshop = programme.save_session(title="Science communication workshop", format=SessionFormat.WORKSHOP,
                                      needs_booking=True, booking_cap=2, track_id=health.id, language="nl")
    debate = programme.save_session(title="Sea level debate", format=SessionFormat.DEBATE, track_id=climate.id)
    draft_only = programme.save_session(title="Not yet published", format=SessionFormat.SEMINAR)
    programme.schedule_session(item=opening, room_id=nave.id, starts_at=at(13, 9), ends_at=at(13, 10, 30))
    programme.schedule_session(item=panel, room_id=lorentz.id, starts_at=at(13, 11), ends_at=at(13, 12))
    programme.schedule_session(item=workshop, room_id=clevering.id, starts_at=at(14, 14), ends_at=at(14, 16))
    programme.schedule_session(item=debate, room_id=lorentz.id, starts_at=at(14, 9), ends_at=at(14, 10))
    for n in range(extra_sessions):
        presenter = programme.save_person(name=f"Presenter {n:03d}")
        poster = programme.save_session(title=f"Poster {n:03d}", format=SessionFormat.POSTER,
                                        track_id=climate.id, speaker_ids=[presenter.id])
        programme.schedule_session(item=poster, room_id=hall.id, starts_at=at(15, 10), ends_at=at(15, 12))
    programme.publish_schedule(actor=organiser, note="First programme")
    programme.set_session_status(item=debate, status=SessionStatus.CANCELLED)
    programme.publish_schedule(actor=organiser, note="Debate cancelled")
    db.session.flush()
    for n in range(3):  # two seats (the cap) and one on the waiting list
        bookings.book_seat(item=workshop, delegate=confirmed_delegate(f"delegate{n}@example.org"))
    programme.schedule_session(item=draft_only, room_id=nave.id, starts_at=at(16, 9), ends_at=at(16, 10))
    db.session.commit()
    return Programme(organiser, opening, panel, workshop, debate, draft_only, {
        "nave": nave.id, "lorentz": lorentz.id, "clevering": clevering.id,
        "pieterskerk": pieterskerk.id, "kog": kog.id, "health": health.id,
    })


@dataclass
class Calendar:
    lecture: SideEvent
    exhibition: SideEvent
    family_day: SideEvent
    pending: SideEvent
    edited: SideEvent


def build_calendar(*, extra_events: int = 0) -> Calendar:
    """Approved: a one-off Dutch lecture (14 July), a weekly exhibition (Tue and Sat, June to
    August, 10:00-17:00, not on 16 July), an all-day English family day (2-3 July), an event
    whose approved text has a pending edit; not public: a submitted event. Plus
    `extra_events` one-off lectures in September."""
    organisation = PartnerOrganisationFactory(name="Museum Boerhaave", slug="boerhaave",
                                              website="https://rijksmuseumboerhaave.nl")
    editor = make_editor(organisation)
    moderator = UserFactory(roles=[Role.ORGANISER])
    lecture = make_event(organisation, editor, approve_by=moderator, price_cents=750,
                         audiences=(Audience.ADULTS,), booking_url="https://example.org/book")
    exhibition = make_event(
        organisation, editor, approve_by=moderator,
        title_en="Light and lenses", title_nl="Licht en lenzen", description_en="", description_nl="Over **lenzen**.",
        category=EventCategory.EXHIBITION, audiences=(Audience.FAMILIES, Audience.ADULTS),
        neighbourhood="Pieterswijk", start_date=date(2022, 6, 4), end_date=date(2022, 6, 4),
        start_time=time(10), end_time=time(17),
        recurrence=Recurrence(frequency=Frequency.WEEKLY, weekdays=(1, 5), until=date(2022, 8, 31),
                              exdates=(date(2022, 7, 16),)),
    )
    family_day = make_event(
        organisation, editor, approve_by=moderator, title_en="Family science days", title_nl="",
        language="en", category=EventCategory.FAMILY, audiences=(Audience.CHILDREN, Audience.FAMILIES),
        all_day=True, start_date=date(2022, 7, 2), end_date=date(2022, 7, 3), start_time=None, end_time=None,
        neighbourhood="Stationsdistrict",
    )
    pending = make_event(organisation, editor, title_en="Waiting for approval", title_nl="Wacht op goedkeuring")
    edited = make_event(organisation, editor, approve_by=moderator, title_en="Original title",
                        title_nl="Oorspronkelijke titel", start_date=date(2022, 9, 1), end_date=date(2022, 9, 1))
    approved = side_events.input_from_revision(side_events.approved_revision(edited))
    side_events.edit_side_event(event=edited, author=editor,
                                data=replace(approved, title_en="Edited title, not approved"))
    for n in range(extra_events):
        make_event(organisation, editor, approve_by=moderator, title_en=f"Extra lecture {n:03d}",
                   title_nl=f"Extra lezing {n:03d}", start_date=date(2022, 9, 10), end_date=date(2022, 9, 10))
    db.session.commit()
    return Calendar(lecture, exhibition, family_day, pending, edited)
