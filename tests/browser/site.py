"""The demo site the read-only browser tests and the screenshot script look at.

Demo data (esof/demo) at a size that loads in about a second, plus one verified account
without a registration, so the registration form can be seen.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from esof.accounts.models import User
from esof.extensions import db
from tests.browser.harness import LIVE_CONFIG, LiveServer, copy_database

DEMO_PASSWORD = "esof2022-demo"
NEWCOMER = "newcomer@example.org"
DELEGATE = "delegate1@example.org"  # a confirmed demo delegate; gets a starred and a booked session


@dataclass
class DemoSite:
    server: LiveServer
    session_id: int          # a published session
    booking_session_id: int  # a published session that needs booking
    event_id: int            # an approved side event
    event_day: str           # a day (YYYY-MM-DD) on which that event takes place
    newcomer: str = NEWCOMER  # verified, not registered: sees the registration form

    def __call__(self, path: str) -> str:
        return self.server(path)


def load_demo_data(app: Flask) -> dict[str, object]:
    from esof.accounts.auth import hash_password
    from esof.demo.builder import DemoSizes, build_demo_data
    from esof.programme.models import ProgrammeSession
    from esof.side_events.models import SideEvent
    from tests.factories import UserFactory

    build_demo_data(
        seed=2022, sizes=DemoSizes(delegates=12, sessions=40, side_events=40, partners=4), password=DEMO_PASSWORD
    )
    UserFactory(email=NEWCOMER, display_name="Nina de Vries", password_hash=hash_password(DEMO_PASSWORD))
    reopen_registration()
    db.session.commit()

    client = app.test_client()

    def public(path: str) -> bool:
        return client.get(path).status_code == 200

    sessions = db.session.scalars(
        sa.select(ProgrammeSession).order_by(ProgrammeSession.needs_booking, ProgrammeSession.id)
    ).all()
    session_id = next(s.id for s in sessions if s.speakers and public(f"/programme/sessions/{s.id}"))
    booking_id = next(s.id for s in sessions if s.needs_booking and public(f"/programme/sessions/{s.id}"))
    event_ids = db.session.scalars(sa.select(SideEvent.id).order_by(SideEvent.id)).all()
    event_id = next(i for i in event_ids if public(f"/calendar/events/{i}"))
    fill_agenda(db.session.scalar(sa.select(User).where(User.email == DELEGATE)), session_id, booking_id)
    html = client.get(f"/calendar/events/{event_id}").get_data(as_text=True)
    day = re.search(r'datetime="(2022-\d\d-\d\d)', html)
    assert day, "the event page shows no date"
    return {"session_id": session_id, "booking_session_id": booking_id, "event_id": event_id,
            "event_day": day.group(1)}


def reopen_registration() -> None:
    """The demo's 2022 deadlines have passed on today's clock: open the categories again, so
    the registration form is seen (and tested) as delegates saw it in 2022."""
    from esof.db import utcnow
    from esof.registration.models import RegistrationCategory

    now = utcnow()
    for category in db.session.scalars(sa.select(RegistrationCategory)):
        if category.closes_at is not None and category.closes_at < now:
            category.closes_at = now + timedelta(days=60)
        if category.early_deadline is not None and category.early_deadline < now.date():
            category.early_deadline = now.date() + timedelta(days=20)


def fill_agenda(delegate: User, star_id: int, book_id: int) -> None:
    from esof.bookings import services as bookings
    from esof.programme.models import ProgrammeSession

    bookings.star_session(item=db.session.get(ProgrammeSession, star_id), delegate=delegate)
    bookings.book_seat(item=db.session.get(ProgrammeSession, book_id), delegate=delegate)
    db.session.commit()


@contextmanager
def demo_site(template: Path, folder: Path) -> Iterator[DemoSite]:
    """Copy the migrated template database, load the demo data and serve it."""
    from tests.conftest import make_app

    app = make_app(copy_database(template, folder / "esof.sqlite"), **LIVE_CONFIG)
    app.instance_path = str(folder / "instance")
    Path(app.instance_path).mkdir(exist_ok=True)
    with app.app_context():
        facts = load_demo_data(app)
        db.session.remove()
    try:
        with LiveServer(app) as server:
            yield DemoSite(server=server, **facts)  # type: ignore[arg-type]
    finally:
        with app.app_context():
            db.engine.dispose()
