"""`flask demo-data`: accounts, consistent counters, determinism, refusal and --reset; every
screen has something to show (bookings, waiting lists, stars, registrations waiting, payments,
a second published version, check-ins, side events to moderate); the categories are open
today unless --historic, and the home and registration pages say it is demo data."""
from __future__ import annotations

import shutil
import time
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask

from esof.accounts.models import AuditLog, Role, User
from esof.bookings.models import LIVE, Booking, BookingStatus, SessionSeats, Star
from esof.bookings.published import published_states
from esof.cfp.models import (
    CallForSessions,
    Proposal,
    ProposalSpeaker,
    ProposalState,
    Review,
    ReviewConflict,
    ReviewScore,
    SpeakerStatus,
)
from esof.cfp.queries import review_queue
from esof.checkin.models import CheckIn, Direction, DoorPresence, Occupancy
from esof.conference import CLOSES_AT, EARLY_BIRD_DEADLINE, conference_days
from esof.db import utcnow
from esof.demo.database import digest_database
from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.programme.models import (
    Participation,
    Person,
    PersonAvailability,
    ProgrammeSession,
    PublishedSession,
    ScheduleSlot,
    ScheduleVersion,
    SessionFormat,
    SessionSpeaker,
    SessionStatus,
    Track,
)
from esof.programme.scheduling import IssueCode
from esof.programme.services import build_conflict_report
from esof.registration.categories import category_offers
from esof.registration.countries import is_country_code
from esof.registration.fees import Availability
from esof.registration.models import (
    PLACE_HOLDING,
    Attendance,
    ConferenceSettings,
    PaymentStatus,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
)
from esof.registration.queries import demo_notice
from esof.side_events.models import (
    EventState,
    PartnerMembership,
    PartnerOrganisation,
    RevisionStatus,
    SideEvent,
    SideEventOccurrence,
    SideEventOccurrenceCancellation,
    SideEventRevision,
)
from esof.venues.models import Room, Venue
from tests.conftest import make_app
from tests.factories import UserFactory
from tests.feeds.parsers import parse_with_icalendar
from tests.registration.factories import form_data
from tests.support import DEMO_PASSWORD, QueryCounter, log_in, submit_form

SMALL = ["--delegates", "40", "--sessions", "30", "--side-events", "40", "--partners", "4"]
STAFF, PARTNERS, DELEGATES, NEWCOMERS = 3, 4, 40, 2
# 30 sessions have 50 speakers, 8 of them delegates (speaker category): 42 speaker accounts;
# the committee has at least 5 reviewers.
SPEAKER_ACCOUNTS, REVIEWERS = 42, 5
ACCOUNTS = STAFF + PARTNERS + DELEGATES + NEWCOMERS + SPEAKER_ACCOUNTS + REVIEWERS
NOTICE_OPEN = "Demo data of a past event: ESOF 2022 took place on 13–16 July 2022, and everyone here is made up. " \
    "Registration is open so that you can try it."
NOTICE_HISTORIC = "Demo data of a past event: ESOF 2022 took place on 13–16 July 2022, and everyone here is made " \
    "up. Registration is closed, as it was then."


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


@pytest.fixture
def demo(demo_app: Flask) -> Flask:
    """An app on a copy of the small demo loaded once (seed 2022, categories open):
    tests.demo_world's, for the tests that only read it."""
    return demo_app


def test_demo_data_accounts_log_in_with_the_given_password(app: Flask) -> None:
    result = run_demo(app)
    assert result.exit_code == 0, result.output
    for email in ("admin@example.org", "organiser@example.org", "checkin@example.org",
                  "partner1@example.org", "partner4@example.org", "delegate1@example.org", "delegate40@example.org",
                  "newcomer1@example.org", "reviewer@example.org", f"speaker{SPEAKER_ACCOUNTS}@example.org"):
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
    assert roles["newcomer1@example.org"] == roles["newcomer2@example.org"] == {Role.DELEGATE}
    assert sorted(u for u in roles if u.startswith("reviewer")) == sorted(
        ["reviewer@example.org"] + [f"reviewer{i}@example.org" for i in range(2, REVIEWERS + 1)])
    assert all(roles[u] == {Role.REVIEWER} for u in roles if u.startswith("reviewer"))
    assert sorted(u for u in roles if u.startswith("speaker")) == sorted(
        f"speaker{i}@example.org" for i in range(1, SPEAKER_ACCOUNTS + 1))
    assert all(roles[u] == {Role.SPEAKER} for u in roles if u.startswith("speaker"))
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


def test_demo_data_counters_match_the_registrations(demo: Flask) -> None:
    held = Counter(db.session.scalars(
        sa.select(Registration.category_id).where(Registration.status.in_(PLACE_HOLDING))))
    categories = db.session.scalars(sa.select(RegistrationCategory).order_by(RegistrationCategory.sort_order)).all()
    assert [c.code for c in categories] == ["regular", "early-career", "student", "press", "speaker", "online"]
    for category in categories:
        assert category.confirmed_count == held[category.id], category.code
        assert category.capacity is None or category.confirmed_count <= category.capacity, category.code
    onsite = count(Registration, Registration.status.in_(PLACE_HOLDING), Registration.attendance == Attendance.ONSITE)
    settings = db.session.get(ConferenceSettings, 1)
    assert settings.onsite_confirmed == onsite
    assert settings.onsite_cap == 5000
    assert count(Registration) == DELEGATES
    # Every delegate account has exactly one registration, from a real country.
    delegates = count(User, User.email.like("delegate%"))
    assert db.session.scalar(sa.select(sa.func.count(sa.distinct(Registration.user_id)))) == delegates == DELEGATES
    countries = set(db.session.scalars(sa.select(Registration.country)))
    assert len(countries) > 1 and all(is_country_code(c) for c in countries)
    # Speakers registered in the speaker category hold the speaker role.
    speaker_category = next(c for c in categories if c.code == "speaker")
    speaker_users = db.session.scalars(
        sa.select(User).join(Registration, Registration.user_id == User.id)
        .where(Registration.category_id == speaker_category.id)).all()
    assert speaker_users and all(Role.SPEAKER in u.roles for u in speaker_users)


def test_demo_data_registrations_wait_in_order_and_payments_vary(demo: Flask) -> None:
    statuses = Counter(db.session.scalars(sa.select(Registration.status)))
    assert statuses[RegistrationStatus.WAITLISTED] >= 2
    assert statuses[RegistrationStatus.AWAITING_APPROVAL] >= 1
    assert statuses[RegistrationStatus.CANCELLED] >= 1
    assert statuses[RegistrationStatus.CONFIRMED] > DELEGATES // 2
    # The waiting list: numbers 1..n from the one sequence, in the order people joined, in the
    # sold-out category (full: every place held), unpaid and not confirmed.
    waiting = db.session.scalars(sa.select(Registration).where(Registration.status == RegistrationStatus.WAITLISTED)
                                 .order_by(Registration.waitlist_position)).all()
    settings = db.session.get(ConferenceSettings, 1)
    assert [r.waitlist_position for r in waiting] == list(range(1, settings.waitlist_issued + 1))
    assert [r.created_at for r in waiting] == sorted(r.created_at for r in waiting)
    assert count(Registration, Registration.waitlist_position.is_not(None)) == settings.waitlist_issued
    assert {r.category.code for r in waiting} == {"student"}
    student = waiting[0].category
    assert student.capacity == student.confirmed_count
    assert all(r.confirmed_at is None and r.payment_status is PaymentStatus.PENDING for r in waiting)
    # Press waiting for an organiser's approval hold a place, not yet confirmed.
    awaiting = db.session.scalars(
        sa.select(Registration).where(Registration.status == RegistrationStatus.AWAITING_APPROVAL)).all()
    assert {r.category.code for r in awaiting} == {"press"} and all(r.confirmed_at is None for r in awaiting)
    cancelled = db.session.scalars(
        sa.select(Registration).where(Registration.status == RegistrationStatus.CANCELLED)).all()
    assert all(r.cancelled_at and r.cancel_reason == "delegate" for r in cancelled)
    assert db.session.scalar(sa.select(Registration.status).join(User).where(
        User.email == "delegate1@example.org")) is RegistrationStatus.CONFIRMED
    # Paid, pending and waived payments; free categories are waived, a paid one has its date.
    payments = Counter(db.session.scalars(sa.select(Registration.payment_status)))
    assert payments[PaymentStatus.PAID] and payments[PaymentStatus.PENDING] and payments[PaymentStatus.WAIVED]
    assert count(Registration, Registration.amount_due_cents == 0,
                 Registration.payment_status != PaymentStatus.WAIVED) == 0
    assert count(Registration, Registration.payment_status == PaymentStatus.PAID, Registration.paid_at.is_(None)) == 0


@pytest.mark.parametrize("app_config", [{"PRIVACY_STATEMENT_VERSION": "2022-06"}])
def test_demo_data_delegates_consent_to_the_current_privacy_statement(app: Flask) -> None:
    assert run_demo(app).exit_code == 0
    assert set(db.session.scalars(sa.select(Registration.consent_version))) == {"2022-06"}


def category_dates() -> dict[str, tuple[datetime | None, datetime | None, date | None]]:
    return {code: (opens, closes, early) for code, opens, closes, early in db.session.execute(
        sa.select(RegistrationCategory.code, RegistrationCategory.opens_at, RegistrationCategory.closes_at,
                  RegistrationCategory.early_deadline))}


def test_demo_data_categories_are_open_today_with_the_early_bird_ahead(demo: Flask) -> None:
    zone = ZoneInfo("Europe/Amsterdam")
    today = utcnow().astimezone(zone).date()
    dates = category_dates()
    for code, (opens, closes, early) in dates.items():
        assert opens is not None and opens.astimezone(zone).date() == date(2021, 12, 1), code
        assert closes is not None and closes.astimezone(zone).date() == today + timedelta(days=60), code
        assert early == (None if code in ("press", "speaker") else today + timedelta(days=30)), code
    offers = {o.category.code: o for o in category_offers()}
    assert {code: o.availability for code, o in offers.items()} == {
        "regular": Availability.OPEN, "early-career": Availability.OPEN, "student": Availability.FULL,
        "press": Availability.OPEN, "speaker": Availability.OPEN, "online": Availability.OPEN}
    assert offers["regular"].early_bird and offers["regular"].fee_cents == 49500
    settings = db.session.get(ConferenceSettings, 1)
    assert settings.demo_loaded_at is not None and abs(utcnow() - settings.demo_loaded_at) < timedelta(minutes=10)
    assert settings.demo_historic is False
    # The history stays 2022's: nobody registered after the onsite sign-up closed.
    latest = db.session.scalar(sa.select(sa.func.max(Registration.created_at)))
    assert latest.astimezone(zone).date() <= date(2022, 7, 10)


def test_demo_data_historic_keeps_the_2022_windows(app: Flask) -> None:
    assert run_demo(app, "--historic").exit_code == 0
    zone = ZoneInfo("Europe/Amsterdam")
    dates = category_dates()
    early = EARLY_BIRD_DEADLINE
    assert {code: d[2] for code, d in dates.items()} == {
        "regular": early, "early-career": early, "student": early, "press": None, "speaker": None, "online": early}
    assert {code: d[1].astimezone(zone).date() for code, d in dates.items()} == {
        "regular": date(2022, 7, 10), "early-career": date(2022, 7, 10), "student": date(2022, 7, 10),
        "press": date(2022, 7, 10), "speaker": date(2022, 7, 10), "online": date(2022, 7, 16)}
    assert {o.availability for o in category_offers()} == {Availability.CLOSED}
    settings = db.session.get(ConferenceSettings, 1)
    assert settings.demo_loaded_at is not None and settings.demo_historic is True
    # The call for sessions kept its 2022 dates too: closed.
    call = db.session.get(CallForSessions, 1)
    assert (call.opens_at.astimezone(zone).date(), call.closes_at.astimezone(zone).date()) == (
        date(2021, 10, 1), date(2022, 1, 15))
    page = app.test_client().get("/cfp/").get_data(as_text=True)
    assert "The call is closed." in page and "The call is open." not in page


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
    assert count(User) == users == ACCOUNTS


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


def test_demo_data_draft_has_conflicts_and_the_published_versions_are_clean(demo: Flask) -> None:
    report = build_conflict_report()
    assert Counter(i.code for i in report.hard) == {
        IssueCode.ROOM_DOUBLE_BOOKED: 1, IssueCode.SPEAKER_DOUBLE_BOOKED: 1}
    assert report.warnings == []

    first, second = db.session.scalars(sa.select(ScheduleVersion).order_by(ScheduleVersion.number)).all()
    assert (first.number, second.number) == (1, 2)
    assert count(PublishedSession, PublishedSession.version_id == first.id) == count(ScheduleSlot) == 30
    assert count(PublishedSession, PublishedSession.version_id == first.id,
                 PublishedSession.status == SessionStatus.CANCELLED) == 0
    zone = ZoneInfo("Europe/Amsterdam")
    days = {s.astimezone(zone).date() for s in db.session.scalars(sa.select(ScheduleSlot.starts_at))}
    assert days <= set(conference_days())
    # Dated as they went out in 2022, not when the demo was loaded.
    assert first.published_at.astimezone(zone).date() == date(2022, 6, 1)
    assert second.published_at.astimezone(zone).date() == date(2022, 7, 8)
    assert db.session.scalar(sa.select(sa.func.max(PublishedSession.last_modified))) == second.published_at


def test_demo_data_version_two_cancels_and_moves_through_the_real_service(demo: Flask) -> None:
    first, second = db.session.scalars(sa.select(ScheduleVersion).order_by(ScheduleVersion.number)).all()
    changes = Counter(change for entry in second.changelog for change in entry["changes"])
    assert changes["cancelled"] == 3
    assert changes["moved"] + changes["room-changed"] >= 2
    cancelled = {e["session_id"] for e in second.changelog if "cancelled" in e["changes"]}
    rows = {r.session_id: r for r in db.session.scalars(
        sa.select(PublishedSession).where(PublishedSession.version_id == second.id))}
    before = {r.session_id: r for r in db.session.scalars(
        sa.select(PublishedSession).where(PublishedSession.version_id == first.id))}
    for entry in second.changelog:
        sid = entry["session_id"]
        assert rows[sid].sequence == before[sid].sequence + 1, entry  # SEQUENCE rose with the change
    assert {sid for sid, r in rows.items() if r.status is SessionStatus.CANCELLED} == cancelled
    # One cancelled session had seats booked; the delegates still see their booking, cancelled.
    assert count(Booking, Booking.session_id.in_(cancelled), Booking.status.in_(LIVE)) > 0
    unchanged = [sid for sid in rows if sid not in {e["session_id"] for e in second.changelog}]
    assert all(rows[sid].sequence == before[sid].sequence for sid in unchanged)


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
        Registration, Registration.attendance == Attendance.ONSITE, Registration.status.in_(PLACE_HOLDING))
    assert_seats_match_bookings()
    assert_occupancy_matches_check_ins()
    # The id sequences moved on with the bulk inserts: a new row gets a fresh id.
    user = UserFactory(email="after-demo@example.org")
    db.session.commit()
    assert user.id == ACCOUNTS + 1


@pytest.mark.postgres
def test_demo_data_on_postgresql_copies_large_tables_with_the_same_rows(pg_app: Flask, second_app: Flask) -> None:
    """Past a thousand rows PostgreSQL takes them by COPY (ids from the sequence first): the
    rows are those SQLite gets by INSERT, and the sequences move on. (80 sessions: the reviews'
    criteria scores pass a thousand too.)"""
    sizes = ["--delegates", "1100", "--sessions", "80", "--side-events", "40", "--partners", "4"]
    result = pg_app.test_cli_runner().invoke(args=["demo-data", *sizes, "--password", DEMO_PASSWORD])
    assert result.exit_code == 0, result.output
    db.session.remove()
    on_postgresql = digest_database()
    assert count(CheckIn) > 1000 and count(User) > 1000 and count(ReviewScore) > 1000
    assert_seats_match_bookings()
    assert_occupancy_matches_check_ins()
    newest = db.session.scalar(sa.select(sa.func.max(User.id)))
    user = UserFactory(email="after-copy@example.org")
    db.session.commit()
    assert user.id == newest + 1
    with second_app.app_context():
        assert second_app.test_cli_runner().invoke(
            args=["demo-data", *sizes, "--password", DEMO_PASSWORD]).exit_code == 0
        db.session.remove()
        on_sqlite = digest_database()
        db.engine.dispose()
    assert on_sqlite == on_postgresql


def assert_seats_match_bookings() -> None:
    """Each session's counter row says what its booking rows say; capacity is never exceeded;
    a waiting list only forms behind a full session and its positions are 1..k."""
    bookings = db.session.scalars(sa.select(Booking)).all()
    live = Counter((b.user_id, b.session_id) for b in bookings if b.status in LIVE)
    assert max(live.values(), default=1) == 1  # one live booking per delegate and session
    seats = {row.session_id: row for row in db.session.scalars(sa.select(SessionSeats))}
    states = published_states(seats)
    by_session: dict[int, list[Booking]] = defaultdict(list)
    for booking in bookings:
        by_session[booking.session_id].append(booking)
    assert set(by_session) <= set(seats)
    for session_id, row in seats.items():
        own = by_session.get(session_id, [])
        confirmed = [b for b in own if b.status is BookingStatus.CONFIRMED]
        waiting = sorted(b.position for b in own if b.status is BookingStatus.WAITLISTED)
        assert row.confirmed_count == len(confirmed), session_id
        assert row.waitlist_count == len(waiting) and waiting == list(range(1, len(waiting) + 1)), session_id
        assert row.waitlist_seq >= row.waitlist_count
        state = states[session_id]
        assert len(confirmed) <= (state.counts.capacity or 0), session_id
        if waiting and not state.cancelled:
            assert len(confirmed) == state.counts.capacity, session_id
        assert all(b.position is None for b in own if b.status is not BookingStatus.WAITLISTED)
    # Only confirmed onsite delegates book, and none holds two live bookings at overlapping times.
    confirmed_onsite = set(db.session.scalars(sa.select(Registration.user_id).where(
        Registration.status == RegistrationStatus.CONFIRMED, Registration.attendance == Attendance.ONSITE)))
    assert {b.user_id for b in bookings} <= confirmed_onsite
    times = {sid: (starts, ends) for sid, starts, ends in db.session.execute(
        sa.select(ScheduleSlot.session_id, ScheduleSlot.starts_at, ScheduleSlot.ends_at))}
    mine: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for booking in bookings:
        if booking.status in LIVE:
            mine[booking.user_id].append(times[booking.session_id])
    for user_id, spans in mine.items():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False)), user_id


def assert_occupancy_matches_check_ins() -> None:
    """Each door's counter is the people behind it (presence rows), which is its counted ins
    less its counted outs; every check-in falls on a conference day."""
    counted = Counter()
    for venue_id, room_id, direction in db.session.execute(
            sa.select(CheckIn.venue_id, CheckIn.room_id, CheckIn.direction).where(CheckIn.counted)):
        door = ("room", room_id) if room_id is not None else ("venue", venue_id)
        counted[door] += 1 if direction is Direction.IN else -1
    presence = Counter()
    for venue_id, room_id in db.session.execute(sa.select(DoorPresence.venue_id, DoorPresence.room_id)):
        presence[("room", room_id) if room_id is not None else ("venue", venue_id)] += 1
    occupancy = {("room", o.room_id) if o.room_id is not None else ("venue", o.venue_id): o.present
                 for o in db.session.scalars(sa.select(Occupancy))}
    doors = set(counted) | set(presence) | set(occupancy)
    assert {d: occupancy.get(d, 0) for d in doors} == {d: presence[d] for d in doors} == {
        d: counted[d] for d in doors}
    zone = ZoneInfo("Europe/Amsterdam")
    days = {moment.astimezone(zone).date() for moment in db.session.scalars(sa.select(CheckIn.scanned_at))}
    assert days == set(conference_days())


def test_demo_data_books_seats_in_many_sessions_with_full_ones_waiting(demo: Flask) -> None:
    statuses = Counter(db.session.scalars(sa.select(Booking.status)))
    assert statuses[BookingStatus.CONFIRMED] >= 60
    assert statuses[BookingStatus.CANCELLED] >= 1
    booked_sessions = db.session.scalars(sa.select(sa.distinct(Booking.session_id)).where(
        Booking.status == BookingStatus.CONFIRMED)).all()
    assert len(booked_sessions) >= 5
    full = db.session.scalars(sa.select(SessionSeats).where(SessionSeats.waitlist_count > 0)).all()
    assert len(full) >= 2
    for row in full:
        positions = db.session.scalars(sa.select(Booking.position).where(
            Booking.session_id == row.session_id, Booking.status == BookingStatus.WAITLISTED)
            .order_by(Booking.position)).all()
        assert positions == list(range(1, row.waitlist_count + 1))
        assert published_states([row.session_id])[row.session_id].counts.is_full
    assert_seats_match_bookings()
    # Stars on published sessions, by confirmed delegates; delegate 1 keeps an empty agenda to try.
    assert count(Star) >= 20
    delegate1 = db.session.scalar(sa.select(User.id).where(User.email == "delegate1@example.org"))
    assert count(Star, Star.user_id == delegate1) == count(Booking, Booking.user_id == delegate1) == 0


def test_demo_data_check_ins_on_the_conference_days_keep_the_counters(demo: Flask) -> None:
    assert count(CheckIn) >= 200
    assert count(CheckIn, CheckIn.room_id.is_not(None)) > 0 and count(CheckIn, CheckIn.room_id.is_(None)) > 0
    assert count(CheckIn, CheckIn.direction == Direction.OUT) > 0
    assert count(DoorPresence) > 0  # the site stands still on Saturday morning: people are inside
    assert db.session.scalar(sa.select(sa.func.max(CheckIn.scanned_at))) <= CLOSES_AT
    # The staff saw what the service would have shown: "unpaid" exactly on the unpaid tickets.
    for warnings, status, due in db.session.execute(
            sa.select(CheckIn.warnings, Registration.payment_status, Registration.amount_due_cents)
            .join(Registration, Registration.id == CheckIn.registration_id)):
        assert ("unpaid" in warnings.split()) == (status is PaymentStatus.PENDING and due > 0), warnings
    assert_occupancy_matches_check_ins()
    # Only confirmed onsite delegates came through the doors.
    scanned = set(db.session.scalars(sa.select(sa.distinct(CheckIn.registration_id))))
    assert scanned <= set(db.session.scalars(sa.select(Registration.id).where(
        Registration.status == RegistrationStatus.CONFIRMED, Registration.attendance == Attendance.ONSITE)))


def test_demo_data_leaves_side_events_to_moderate(demo: Flask) -> None:
    pending = db.session.scalars(sa.select(SideEventRevision).where(
        SideEventRevision.status == RevisionStatus.PENDING)).all()
    assert {r.event.state for r in pending} == {EventState.SUBMITTED, EventState.APPROVED}  # new, and edits
    rejected = db.session.scalars(sa.select(SideEventRevision).where(
        SideEventRevision.status == RevisionStatus.REJECTED)).all()
    assert any(r.event.state is EventState.APPROVED for r in rejected), "an edit turned down, the event stays"
    assert all(r.event.rejection_reason for r in rejected)


def test_demo_notice_on_the_home_and_registration_pages(demo: Flask) -> None:
    client = demo.test_client()
    assert NOTICE_OPEN in client.get("/").get_data(as_text=True)
    log_in(client, "newcomer1@example.org", DEMO_PASSWORD)
    page = client.get("/registration/").get_data(as_text=True)
    assert page.count(NOTICE_OPEN) == 1
    dutch = demo.test_client().get("/", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Demogegevens van een voorbij evenement" in dutch


def test_demo_notice_says_registration_is_closed_with_historic(app: Flask) -> None:
    assert run_demo(app, "--historic").exit_code == 0
    client = app.test_client()
    home = client.get("/").get_data(as_text=True)
    assert NOTICE_HISTORIC in home and NOTICE_OPEN not in home
    log_in(client, "newcomer1@example.org", DEMO_PASSWORD)
    assert NOTICE_HISTORIC in client.get("/registration/").get_data(as_text=True)


def test_no_demo_notice_without_demo_data(app: Flask) -> None:
    UserFactory(email="real@example.org")
    db.session.commit()
    client = app.test_client()
    assert "Demo data" not in client.get("/").get_data(as_text=True)
    log_in(client, "real@example.org")
    page = client.get("/registration/").get_data(as_text=True)
    assert "Register for ESOF 2022" in page and "Demo data" not in page


def test_demo_notice_asks_nothing_before_the_conference_ends(demo: Flask) -> None:
    with QueryCounter(db.engine) as queries:
        assert demo_notice(now=CLOSES_AT - timedelta(days=1)) is None
    assert queries.count == 0
    with QueryCounter(db.engine) as queries:
        assert demo_notice() is False
    assert queries.count == 1


def test_a_demo_newcomer_registers_through_the_form(demo: Flask) -> None:
    """The central flow is no dead end: a demo account without a registration registers today,
    at the early-bird fee, and takes a place in the counters."""
    regular = db.session.scalar(sa.select(RegistrationCategory).where(RegistrationCategory.code == "regular"))
    places, onsite = regular.confirmed_count, db.session.get(ConferenceSettings, 1).onsite_confirmed
    db.session.rollback()
    client = demo.test_client()
    log_in(client, "newcomer2@example.org", DEMO_PASSWORD)
    response = submit_form(client, "/registration/", form_data("regular"))
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    db.session.expire_all()
    registration = db.session.scalar(sa.select(Registration).join(User).where(User.email == "newcomer2@example.org"))
    assert registration.status is RegistrationStatus.CONFIRMED
    assert (registration.amount_due_cents, registration.payment_status) == (49500, PaymentStatus.PENDING)
    assert response.location == f"/registration/{registration.id}"
    assert db.session.get(RegistrationCategory, regular.id).confirmed_count == places + 1
    assert db.session.get(ConferenceSettings, 1).onsite_confirmed == onsite + 1
    # The sold-out category puts a newcomer at the end of its waiting list.
    client = demo.test_client()
    log_in(client, "newcomer1@example.org", DEMO_PASSWORD)
    assert submit_form(client, "/registration/", form_data("student")).status_code == 302
    db.session.expire_all()
    student = db.session.scalar(sa.select(Registration).join(User).where(User.email == "newcomer1@example.org"))
    settings = db.session.get(ConferenceSettings, 1)
    assert (student.status, student.waitlist_position) == (RegistrationStatus.WAITLISTED, settings.waitlist_issued)


# --- the call for sessions, the committee, the speakers' area, cancelled side events -----------

INVITED_FORMATS = {SessionFormat.KEYNOTE, SessionFormat.PLENARY, SessionFormat.CEREMONY, SessionFormat.SOCIAL}


def test_demo_data_call_has_the_proposals_behind_the_programme(demo: Flask) -> None:
    """Each session of an offered format is an accepted proposal, one to one, with the same
    content and speakers; 25 rejected, 5 waiting, a draft and a withdrawn one for 30 sessions."""
    states = Counter(db.session.scalars(sa.select(Proposal.state)))
    offered = db.session.scalars(sa.select(ProgrammeSession).where(
        ProgrammeSession.format.not_in(INVITED_FORMATS))).all()
    assert states == {ProposalState.ACCEPTED: len(offered), ProposalState.REJECTED: 25,
                      ProposalState.WAITLISTED: 5, ProposalState.DRAFT: 1, ProposalState.WITHDRAWN: 1}
    assert count(Proposal, Proposal.format == SessionFormat.KEYNOTE) == 0
    assert count(Proposal, Proposal.session_id.is_not(None), Proposal.state != ProposalState.ACCEPTED) == 0
    accepted = db.session.scalars(sa.select(Proposal).where(Proposal.state == ProposalState.ACCEPTED)).all()
    assert sorted(p.session_id for p in accepted) == sorted(s.id for s in offered)
    zone = ZoneInfo("Europe/Amsterdam")
    for proposal in accepted:
        item = db.session.get(ProgrammeSession, proposal.session_id)
        assert (proposal.title, proposal.abstract, proposal.format, proposal.track_id, proposal.language) == (
            item.title, item.abstract, item.format, item.track_id, item.language)
        speakers = {s.user_id for s in proposal.speakers if s.status is SpeakerStatus.ACCEPTED}
        assert None not in speakers
        assert speakers == {link.person.user_id for link in item.speaker_links}, proposal.id
        submitter = next(s for s in proposal.speakers if s.is_submitter)
        assert submitter.user_id == proposal.submitter_id and submitter.status is SpeakerStatus.ACCEPTED
        # The acceptance made the session: it dates from the decision, in March 2022.
        assert item.created_at == proposal.decided_at and item.updated_at >= item.created_at
        assert proposal.decided_at.astimezone(zone).date() >= date(2022, 3, 7)
    # Keynotes, plenaries, the ceremonies and the party were invited: no proposal.
    invited = set(db.session.scalars(sa.select(ProgrammeSession.id).where(
        ProgrammeSession.format.in_(INVITED_FORMATS))))
    assert invited and not invited & {p.session_id for p in accepted}
    # Sent in before the 2022 deadline, decided in March; drafts were never sent.
    for proposal in db.session.scalars(sa.select(Proposal)):
        if proposal.state is ProposalState.DRAFT:
            assert proposal.submitted_at is None and proposal.decided_at is None
            assert all(s.invited_at is None for s in proposal.co_speakers)
            continue
        assert date(2021, 11, 1) <= proposal.submitted_at.astimezone(zone).date() <= date(2022, 1, 15)
        assert proposal.created_at <= proposal.submitted_at
        submitter = db.session.get(User, proposal.submitter_id)
        assert submitter.created_at <= proposal.created_at, submitter.email  # an account first
        if proposal.state in (ProposalState.ACCEPTED, ProposalState.REJECTED, ProposalState.WAITLISTED):
            assert proposal.decided_at.astimezone(zone).date() <= date(2022, 3, 11)
            assert proposal.decided_by_id is not None and proposal.version == 3
        else:
            assert proposal.decided_at is None
    # Co-speakers who accepted (with an account), who never answered and who declined (without).
    statuses = Counter(db.session.scalars(sa.select(ProposalSpeaker.status).where(
        ProposalSpeaker.is_submitter.is_(False))))
    assert statuses[SpeakerStatus.ACCEPTED] > statuses[SpeakerStatus.INVITED] + statuses[SpeakerStatus.DECLINED] > 0
    assert count(ProposalSpeaker, ProposalSpeaker.status == SpeakerStatus.ACCEPTED,
                 ProposalSpeaker.user_id.is_(None)) == 0
    assert count(ProposalSpeaker, ProposalSpeaker.status != SpeakerStatus.ACCEPTED,
                 ProposalSpeaker.user_id.is_not(None)) == 0
    # Every decision is in the audit log, with the state it left.
    decisions = db.session.scalars(sa.select(AuditLog).where(AuditLog.action.like("proposal-%"))).all()
    assert len(decisions) == sum(states[s] for s in (
        ProposalState.ACCEPTED, ProposalState.REJECTED, ProposalState.WAITLISTED))
    assert {d.detail["previous"] for d in decisions} == {"submitted"}
    # Nobody was mailed about the 2022 decisions now.
    assert count(OutboxMessage, OutboxMessage.sent_at.is_(None)) == 0


def test_demo_data_committee_reviews_about_three_times_each(demo: Flask) -> None:
    decided = db.session.scalars(sa.select(Proposal).where(Proposal.state.in_(
        [ProposalState.ACCEPTED, ProposalState.REJECTED, ProposalState.WAITLISTED]))).all()
    per_proposal = Counter(db.session.scalars(sa.select(Review.proposal_id)))
    assert set(per_proposal) == {p.id for p in decided}  # drafts and withdrawn ones have none
    assert set(per_proposal.values()) <= {2, 3, 4}
    assert 2.7 <= sum(per_proposal.values()) / len(decided) <= 3.3
    reviewers = set(db.session.scalars(sa.select(Review.reviewer_id)))
    committee = db.session.scalars(sa.select(User).where(User.email.like("reviewer%"))).all()
    assert len(committee) == REVIEWERS and reviewers <= {u.id for u in committee}
    assert all(u.roles == {Role.REVIEWER} for u in committee)
    # Scores that fit the decisions: the accepted ones highest on average, the rejected lowest.
    means = dict(db.session.execute(sa.select(Proposal.state, sa.func.avg(Review.score))
                                    .join(Review, Review.proposal_id == Proposal.id).group_by(Proposal.state)).all())
    assert means[ProposalState.ACCEPTED] > means[ProposalState.WAITLISTED] > means[ProposalState.REJECTED]
    # Each review scores the call's criteria.
    call = db.session.get(CallForSessions, 1)
    keys = {c["key"] for c in call.criteria}
    assert len(keys) == 3
    by_review: dict[int, set[str]] = defaultdict(set)
    for review_id, criterion in db.session.execute(sa.select(ReviewScore.review_id, ReviewScore.criterion)):
        by_review[review_id].add(criterion)
    assert len(by_review) == count(Review) and all(found == keys for found in by_review.values())
    # Declared conflicts of interest: no review by that reviewer; nobody reviews their own proposal.
    conflicts = db.session.execute(sa.select(ReviewConflict.proposal_id, ReviewConflict.reviewer_id)).all()
    assert conflicts
    assert all(count(Review, Review.proposal_id == pid, Review.reviewer_id == rid) == 0 for pid, rid in conflicts)
    own = db.session.execute(sa.select(Review.id).join(ProposalSpeaker, sa.and_(
        ProposalSpeaker.proposal_id == Review.proposal_id, ProposalSpeaker.user_id == Review.reviewer_id))).all()
    assert own == []


def test_demo_reviewer_has_proposals_left_to_score(demo: Flask) -> None:
    call = db.session.get(CallForSessions, 1)
    assert call.reviewing_open
    reviewer = db.session.scalar(sa.select(User).where(User.email == "reviewer@example.org"))
    queue = review_queue(reviewer)
    # 5 on the waiting list: one declared a conflict for, four still to score.
    assert (queue.total, queue.done) == (4, 0)
    assert count(ReviewConflict, ReviewConflict.reviewer_id == reviewer.id) >= 1
    db.session.rollback()
    client = demo.test_client()
    log_in(client, "reviewer@example.org", DEMO_PASSWORD)
    page = client.get("/review/").get_data(as_text=True)
    assert "You have scored 0 of the 4 proposals in this list." in page
    assert page.count(">to do</span>") == 4
    first = queue.items[0]
    form = client.get(f"/review/proposals/{first.id}")
    assert form.status_code == 200 and first.title in form.get_data(as_text=True)


def test_demo_call_is_open_by_default(demo: Flask) -> None:
    zone = ZoneInfo("Europe/Amsterdam")
    call = db.session.get(CallForSessions, 1)
    assert call.opens_at.astimezone(zone).date() == date(2021, 10, 1)
    assert call.closes_at.astimezone(zone).date() == utcnow().astimezone(zone).date() + timedelta(days=60)
    assert "keynote" not in call.formats and len(call.track_links) == count(Track)
    page = demo.test_client().get("/cfp/").get_data(as_text=True)
    assert "The call is open." in page


def test_demo_speakers_have_accounts_answers_and_photos(demo: Flask) -> None:
    people = db.session.scalars(sa.select(Person)).all()
    assert people and all(p.user_id is not None for p in people)  # every speaker has an account
    linked = Counter(p.user_id for p in people)
    assert max(linked.values()) == 1
    accounts = db.session.scalars(sa.select(User).where(User.email.like("speaker%@example.org"))).all()
    assert len(accounts) == SPEAKER_ACCOUNTS
    by_user = {p.user_id: p for p in people}
    for user in accounts:
        assert by_user[user.id].email == user.email and user.email_verified_at is not None
        assert user.roles == {Role.SPEAKER}
    photos = [p.photo_url for p in people if p.photo_url]
    assert len(people) // 4 < len(photos) < len(people) and all(u.startswith("https://") for u in photos)
    answers = Counter(db.session.scalars(sa.select(SessionSpeaker.participation)))
    assert answers[Participation.CONFIRMED] > answers[Participation.PENDING] >= 1
    assert 1 <= answers[Participation.DECLINED] <= 2
    assert count(SessionSpeaker, SessionSpeaker.participation != Participation.PENDING,
                 SessionSpeaker.answered_at.is_(None)) == 0
    # The organisers see the decline on the session's form.
    declined = db.session.scalar(sa.select(SessionSpeaker).where(
        SessionSpeaker.participation == Participation.DECLINED))
    name, session_id = declined.person.name, declined.session_id
    db.session.rollback()
    organiser = demo.test_client()
    log_in(organiser, "organiser@example.org", DEMO_PASSWORD)
    form = organiser.get(f"/programme/organiser/sessions/{session_id}").get_data(as_text=True)
    assert "A speaker declined to take part" in form and name in form


def test_demo_speaker1_can_try_the_speaker_page(demo: Flask) -> None:
    user = db.session.scalar(sa.select(User).where(User.email == "speaker1@example.org"))
    person = db.session.scalar(sa.select(Person).where(Person.user_id == user.id))
    links = db.session.scalars(sa.select(SessionSpeaker).where(SessionSpeaker.person_id == person.id)).all()
    assert any(link.participation is Participation.PENDING for link in links)
    version = db.session.scalar(sa.select(sa.func.max(ScheduleVersion.id)))
    published = db.session.scalars(sa.select(PublishedSession).where(
        PublishedSession.version_id == version, PublishedSession.session_id.in_([link.session_id for link in links]),
        PublishedSession.status != SessionStatus.CANCELLED)).all()
    assert published
    assert count(PersonAvailability, PersonAvailability.person_id == person.id) >= 1
    title = published[0].title
    db.session.rollback()
    client = demo.test_client()
    log_in(client, "speaker1@example.org", DEMO_PASSWORD)
    page = client.get("/speaker/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert title in html and "Not answered yet" in html and "I take part" in html
    assert "When you can speak" in html and 'class="speaker-photo"' in html


def test_demo_side_events_cancelled_whole_and_one_date(demo: Flask) -> None:
    cancelled = db.session.scalars(sa.select(SideEvent).where(SideEvent.cancelled_at.is_not(None))).all()
    assert len(cancelled) == 1
    event = cancelled[0]
    assert event.cancellation_reason and event.sequence >= 1 and event.state is EventState.APPROVED
    assert event.cancelled_at.year == 2022 and event.updated_at == event.cancelled_at
    dates = db.session.scalars(sa.select(SideEventOccurrenceCancellation)).all()
    assert len(dates) == 1
    series = db.session.get(SideEvent, dates[0].event_id)
    assert series.sequence >= 1 and series.cancelled_at is None and dates[0].reason
    assert dates[0].local_day in set(db.session.scalars(sa.select(SideEventOccurrence.local_day).where(
        SideEventOccurrence.event_id == series.id)))
    assert dates[0].cancelled_by_id in set(db.session.scalars(sa.select(PartnerMembership.user_id).where(
        PartnerMembership.organisation_id == series.organisation_id)))
    whole_id, series_id = event.id, series.id
    db.session.rollback()
    feed = parse_with_icalendar(demo.test_client().get("/feeds/side-events.ics").data)
    by_uid: dict[str, list] = defaultdict(list)
    for vevent in feed.walk("VEVENT"):
        by_uid[str(vevent["UID"]).split("@")[0]].append(vevent)
    assert [str(v["STATUS"]) for v in by_uid[f"side-event-{whole_id}"]] == ["CANCELLED"]
    override = [v for v in by_uid[f"side-event-{series_id}"] if "RECURRENCE-ID" in v]
    assert len(override) == 1 and str(override[0]["STATUS"]) == "CANCELLED"


def test_demo_data_small_sizes_load_quickly(app: Flask) -> None:
    """The sizes the tests use load in about a second (the full size: docs/PERFORMANCE.md)."""
    started = time.perf_counter()
    assert run_demo(app).exit_code == 0
    assert time.perf_counter() - started < 10
