"""Data for the dashboard tests: delegates in two categories and three countries with every
payment status, sessions with bookings and waiting lists, side events approved and waiting,
and door scans on the first conference day."""
from __future__ import annotations

from datetime import timedelta

from esof.bookings.models import SessionSeats
from esof.checkin import services as checkin
from esof.checkin.models import Direction
from esof.extensions import db
from esof.registration.models import Attendance, PaymentStatus, Registration, RegistrationCategory
from tests.checkin.factories import staff
from tests.factories import UserFactory
from tests.programme.factories import SessionFactory, at
from tests.registration.factories import CategoryFactory, profile, register
from tests.side_events.factories import PartnerOrganisationFactory, make_editor, make_event, make_organiser
from tests.venues.factories import RoomFactory

COUNTRIES = ("NL", "DE", "FR")
PAYMENTS = (PaymentStatus.PENDING, PaymentStatus.PAID, PaymentStatus.WAIVED)


def categories() -> tuple:
    return (CategoryFactory(code="regular", name="Regular", name_nl="Regulier", fee_cents=45000),
            CategoryFactory(code="online", name="Online", name_nl="Online", fee_cents=5000,
                            attendance=Attendance.ONLINE))


def add_delegates(count: int, regular, online) -> list[Registration]:
    made = []
    for n in range(count):
        category = online if n % 3 == 2 else regular
        registration = register(UserFactory(), category, profile=profile(country=COUNTRIES[n % 3]))
        registration.payment_status = PAYMENTS[n % 3]
        made.append(registration)
    db.session.flush()
    return made


def add_sessions(count: int) -> None:
    for n in range(count):
        item = SessionFactory(needs_booking=True)
        db.session.flush()
        db.session.add(SessionSeats(session_id=item.id, confirmed_count=10 + n, waitlist_count=n % 4))
    db.session.flush()


def add_side_events(count: int) -> None:
    organisation = PartnerOrganisationFactory()
    editor, organiser = make_editor(organisation), make_organiser()
    for n in range(count):
        make_event(organisation, editor, approve_by=organiser if n % 2 == 0 else None, title_en=f"Event {n}")
    db.session.flush()


def add_scans(registrations: list[Registration]) -> None:
    room = RoomFactory(capacity=500)
    door = checkin.find_door(f"venue:{room.venue_id}")
    by = staff()
    # Unpaid delegates are stopped at the door (esof/checkin/answers.py): only the ones let in.
    let_in = [r for r in registrations if r.attendance == Attendance.ONSITE
              and not (r.payment_status == PaymentStatus.PENDING and r.amount_due_cents > 0)]
    for n, registration in enumerate(let_in):
        checkin.record_scan(door=door, direction=Direction.IN, staff=by, registration_id=registration.id,
                            now=at(13, "09:00") + timedelta(minutes=7 * n))
    db.session.flush()


def populate(count: int) -> list[Registration]:
    regular, online = categories()
    registrations = add_delegates(count, regular, online)
    add_sessions(count)
    add_side_events(count)
    add_scans(registrations)
    db.session.commit()
    return registrations


def populate_more(count: int) -> None:
    regular = db.session.scalar(db.select(RegistrationCategory).where(RegistrationCategory.code == "regular"))
    online = db.session.scalar(db.select(RegistrationCategory).where(RegistrationCategory.code == "online"))
    registrations = add_delegates(count, regular, online)
    add_sessions(count)
    add_side_events(count)
    add_scans(registrations)
    db.session.commit()
