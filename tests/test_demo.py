"""`flask demo-data`: accounts, consistent counters, determinism, refusal and --reset."""
from __future__ import annotations

import shutil
from collections import Counter
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask

from esof.accounts.models import Role, User
from esof.conference import EARLY_BIRD_DEADLINE
from esof.demo.database import digest_database
from esof.extensions import db
from esof.programme.models import ProgrammeSession, PublishedSession, ScheduleSlot, ScheduleVersion, SessionStatus
from esof.programme.scheduling import IssueCode
from esof.programme.services import build_conflict_report
from esof.registration.countries import is_country_code
from esof.registration.models import (
    Attendance,
    ConferenceSettings,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
)
from esof.side_events.models import (
    EventState,
    PartnerMembership,
    PartnerOrganisation,
    RevisionStatus,
    SideEvent,
    SideEventOccurrence,
    SideEventRevision,
)
from esof.venues.models import Room, Venue
from tests.conftest import make_app
from tests.factories import UserFactory
from tests.support import DEMO_PASSWORD, log_in

SMALL = ["--delegates", "40", "--sessions", "30", "--side-events", "40", "--partners", "4"]


def run_demo(app: Flask, *args: str, password: str | None = DEMO_PASSWORD) -> Result:
    extra = ["--password", password] if password is not None else []
    result = app.test_cli_runner().invoke(args=["demo-data", *SMALL, *extra, *args])
    db.session.remove()
    return result


def count(model: type, *where: sa.ColumnElement[bool]) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.fixture
def second_app(sqlite_template: Path, tmp_path: Path) -> Flask:
    """Another fresh database, for comparing two runs."""
    database = tmp_path / "second.sqlite"
    shutil.copyfile(sqlite_template, database)
    return make_app(f"sqlite:///{database}")


def test_demo_data_accounts_log_in_with_the_given_password(app: Flask) -> None:
    result = run_demo(app)
    assert result.exit_code == 0, result.output
    for email in ("admin@example.org", "organiser@example.org", "checkin@example.org",
                  "partner1@example.org", "partner4@example.org", "delegate1@example.org", "delegate40@example.org"):
        with app.app_context():  # a fresh `g`, so no log-in leaks from the previous account
            client = app.test_client()
            log_in(client, email, DEMO_PASSWORD)
            assert email in client.get("/account/").get_data(as_text=True)

    roles = {u.email: u.roles for u in db.session.scalars(sa.select(User))}
    assert roles["admin@example.org"] == {Role.ADMIN}
    assert roles["organiser@example.org"] == {Role.ORGANISER}
    assert roles["checkin@example.org"] == {Role.CHECKIN}
    assert roles["partner1@example.org"] == {Role.PARTNER}
    assert sorted(u for u in roles if u.startswith("delegate")) == sorted(
        f"delegate{i}@example.org" for i in range(1, 41))
    # One hash for everybody: the password was hashed once.
    assert len(set(db.session.scalars(sa.select(User.password_hash)))) == 1
    assert count(User, User.email_verified_at.is_(None)) == 0


def test_demo_data_default_password_is_esof2022_demo(app: Flask) -> None:
    assert run_demo(app, password=None).exit_code == 0
    log_in(app.test_client(), "delegate7@example.org", "esof2022-demo")


def test_demo_data_partner_editors_belong_to_one_organisation_each(app: Flask) -> None:
    assert run_demo(app).exit_code == 0
    rows = db.session.execute(
        sa.select(User.email, PartnerOrganisation.name)
        .join(PartnerMembership, PartnerMembership.user_id == User.id)
        .join(PartnerOrganisation, PartnerOrganisation.id == PartnerMembership.organisation_id)
        .order_by(User.id)
    ).all()
    assert [tuple(r) for r in rows] == [
        ("partner1@example.org", "Naturalis Biodiversity Center"),
        ("partner2@example.org", "Rijksmuseum Boerhaave"),
        ("partner3@example.org", "Museum Volkenkunde"),
        ("partner4@example.org", "Rijksmuseum van Oudheden"),
    ]


def test_demo_data_counters_match_the_registrations(app: Flask) -> None:
    assert run_demo(app).exit_code == 0
    confirmed = Counter(db.session.scalars(
        sa.select(Registration.category_id).where(Registration.status == RegistrationStatus.CONFIRMED)))
    categories = db.session.scalars(sa.select(RegistrationCategory).order_by(RegistrationCategory.sort_order)).all()
    assert [c.code for c in categories] == ["regular", "early-career", "student", "press", "speaker", "online"]
    for category in categories:
        assert category.confirmed_count == confirmed[category.id], category.code
    onsite = count(Registration, Registration.status == RegistrationStatus.CONFIRMED,
                   Registration.attendance == Attendance.ONSITE)
    settings = db.session.get(ConferenceSettings, 1)
    assert settings.onsite_confirmed == onsite
    assert settings.onsite_cap == 5000
    assert count(Registration) == 40
    assert count(Registration, Registration.status != RegistrationStatus.CONFIRMED) == 0
    # Every delegate account has exactly one registration, from a real country.
    delegates = count(User, User.email.like("delegate%"))
    assert db.session.scalar(sa.select(sa.func.count(sa.distinct(Registration.user_id)))) == delegates == 40
    countries = set(db.session.scalars(sa.select(Registration.country)))
    assert len(countries) > 1 and all(is_country_code(c) for c in countries)
    # Speakers registered in the speaker category hold the speaker role.
    speaker_category = next(c for c in categories if c.code == "speaker")
    speaker_users = db.session.scalars(
        sa.select(User).join(Registration, Registration.user_id == User.id)
        .where(Registration.category_id == speaker_category.id)).all()
    assert speaker_users and all(Role.SPEAKER in u.roles for u in speaker_users)


@pytest.mark.parametrize("app_config", [{"PRIVACY_STATEMENT_VERSION": "2022-06"}])
def test_demo_data_delegates_consent_to_the_current_privacy_statement(app: Flask) -> None:
    assert run_demo(app).exit_code == 0
    assert set(db.session.scalars(sa.select(Registration.consent_version))) == {"2022-06"}
    deadlines = dict(db.session.execute(
        sa.select(RegistrationCategory.code, RegistrationCategory.early_deadline)).all())
    early = EARLY_BIRD_DEADLINE
    assert deadlines == {"regular": early, "early-career": early, "student": early, "press": None, "speaker": None,
                         "online": early}


def test_demo_data_refuses_a_database_that_has_rows(app: Flask) -> None:
    UserFactory(email="someone@example.org")
    db.session.commit()
    result = run_demo(app)
    assert result.exit_code == 1
    assert "not empty" in result.output and "--reset" in result.output
    assert [u.email for u in db.session.scalars(sa.select(User))] == ["someone@example.org"]
    assert count(Venue) == 0


def test_demo_data_refuses_to_load_twice_without_reset(app: Flask) -> None:
    assert run_demo(app).exit_code == 0
    users = count(User)
    result = run_demo(app)
    assert result.exit_code == 1
    assert count(User) == users == 3 + 4 + 40


def test_demo_data_reset_replaces_everything_with_the_same_rows(app: Flask) -> None:
    assert run_demo(app).exit_code == 0
    fresh = digest_database()
    UserFactory(email="extra@example.org")
    db.session.commit()
    assert digest_database() != fresh

    result = run_demo(app, "--reset")
    assert result.exit_code == 0, result.output
    assert count(User, User.email == "extra@example.org") == 0
    assert digest_database() == fresh  # ids start at 1 again


def test_demo_data_same_seed_gives_identical_rows(app: Flask, second_app: Flask) -> None:
    assert run_demo(app, "--seed", "7").exit_code == 0
    first = digest_database()
    with second_app.app_context():
        assert run_demo(second_app, "--seed", "7").exit_code == 0
        second = digest_database()
        assert run_demo(second_app, "--seed", "8", "--reset").exit_code == 0
        other_seed = digest_database()
        db.engine.dispose()
    assert first == second
    assert other_seed != first


def test_demo_data_has_a_booking_session_in_a_small_room(app: Flask) -> None:
    assert run_demo(app).exit_code == 0
    small = db.session.execute(
        sa.select(ProgrammeSession.id, Room.capacity)
        .join(ScheduleSlot, ScheduleSlot.session_id == ProgrammeSession.id)
        .join(Room, Room.id == ScheduleSlot.room_id)
        .where(ProgrammeSession.needs_booking.is_(True), Room.capacity <= 40)
    ).all()
    assert len(small) >= 1
    assert all(capacity <= 40 for _sid, capacity in small)


def test_demo_data_venues_are_the_real_ones_with_rooms(app: Flask) -> None:
    assert run_demo(app).exit_code == 0
    venues = {v.name: v for v in db.session.scalars(sa.select(Venue))}
    assert {"Pieterskerk", "Stadsgehoorzaal", "Kamerlingh Onnes Gebouw", "Hortus botanicus"} <= set(venues)
    kog_rooms = {r.name: r.capacity for r in venues["Kamerlingh Onnes Gebouw"].rooms}
    assert {"Cleveringazaal", "Lorentzzaal"} <= set(kog_rooms)
    assert {r.name: r.allows_parallel for r in venues["Pieterskerk"].rooms}["Exhibition floor"] is True
    assert max(r.capacity for r in venues["Stadsgehoorzaal"].rooms) == 1000
    assert [h.day for h in venues["Pieterskerk"].opening_hours] == [
        date(2022, 7, 13), date(2022, 7, 14), date(2022, 7, 15), date(2022, 7, 16)]


def test_demo_data_draft_has_conflicts_and_version_one_is_clean(app: Flask) -> None:
    assert run_demo(app).exit_code == 0
    report = build_conflict_report()
    assert Counter(i.code for i in report.hard) == {
        IssueCode.ROOM_DOUBLE_BOOKED: 1, IssueCode.SPEAKER_DOUBLE_BOOKED: 1}
    assert report.warnings == []

    version = db.session.scalar(sa.select(ScheduleVersion))
    assert version.number == 1
    scheduled = count(ScheduleSlot, ScheduleSlot.session_id.in_(
        sa.select(ProgrammeSession.id).where(ProgrammeSession.status == SessionStatus.CONFIRMED)))
    assert count(PublishedSession, PublishedSession.version_id == version.id) == scheduled == 30
    zone = ZoneInfo("Europe/Amsterdam")
    days = {s.astimezone(zone).date() for s in db.session.scalars(sa.select(ScheduleSlot.starts_at))}
    assert days <= {date(2022, 7, 13), date(2022, 7, 14), date(2022, 7, 15), date(2022, 7, 16)}


def test_demo_data_side_events_are_moderated_and_expanded(app: Flask) -> None:
    assert run_demo(app).exit_code == 0
    events = db.session.scalars(sa.select(SideEvent)).all()
    assert len(events) == 40
    submitted = [e for e in events if e.state is EventState.SUBMITTED]
    assert submitted, "the moderation queue has something in it"
    for event in events:
        statuses = [r.status for r in event.revisions]
        occurrences = count(SideEventOccurrence, SideEventOccurrence.event_id == event.id)
        if event.state is EventState.APPROVED:
            assert statuses.count(RevisionStatus.APPROVED) == 1
            assert occurrences >= 1
        else:
            assert RevisionStatus.APPROVED not in statuses
            assert occurrences == 0
    recurring = db.session.scalars(sa.select(SideEventRevision).where(
        SideEventRevision.rrule.is_not(None), SideEventRevision.status == RevisionStatus.APPROVED)).all()
    assert recurring, "some events repeat"
    for revision in recurring:
        assert revision.rrule.startswith("FREQ=WEEKLY;BYDAY=")
        assert revision.exdates
        days = set(db.session.scalars(sa.select(SideEventOccurrence.local_day).where(
            SideEventOccurrence.event_id == revision.event_id)))
        assert not {date(int(v[:4]), int(v[4:6]), int(v[6:8])) for v in revision.exdates} & days
    years = {d.year for d in db.session.scalars(sa.select(SideEventOccurrence.local_day))}
    assert years == {2022}


@pytest.mark.postgres
def test_demo_data_on_postgresql_loads_resets_and_keeps_sequences(pg_app: Flask) -> None:
    result = run_demo(pg_app)
    assert result.exit_code == 0, result.output
    fresh = digest_database()
    assert run_demo(pg_app).exit_code == 1
    assert run_demo(pg_app, "--reset").exit_code == 0
    assert digest_database() == fresh
    settings = db.session.get(ConferenceSettings, 1)
    assert settings.onsite_confirmed == count(
        Registration, Registration.attendance == Attendance.ONSITE, Registration.status == RegistrationStatus.CONFIRMED)
    # The id sequences moved on with the bulk inserts: a new row gets a fresh id.
    user = UserFactory(email="after-demo@example.org")
    db.session.commit()
    assert user.id == 3 + 4 + 40 + 1
