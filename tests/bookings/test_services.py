"""Booking rules without HTTP: capacity, waiting lists, clashes, capacity changes, agenda."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from esof.bookings import services
from esof.bookings.models import Booking, BookingStatus, SessionSeats, Star
from esof.errors import Busy
from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.programme import services as programme_services
from esof.programme.models import SessionStatus
from esof.registration import services as registration_services
from esof.registration.models import RegistrationStatus
from esof.venues import services as venue_services
from esof.venues.signals import BookingsBeyondCapacity
from tests.bookings.factories import at, bookable_session, confirmed_delegate, move_session, publish
from tests.factories import UserFactory
from tests.venues.factories import RoomFactory, VenueFactory


def seats(session_id: int) -> tuple[int, int]:
    row = db.session.execute(sa.select(SessionSeats.confirmed_count, SessionSeats.waitlist_count)
                             .where(SessionSeats.session_id == session_id)).one()
    return row[0], row[1]


def waiting(session_id: int) -> list[tuple[int, int]]:
    """(user_id, position) of the waiting list, in order."""
    return [tuple(r) for r in db.session.execute(
        sa.select(Booking.user_id, Booking.position)
        .where(Booking.session_id == session_id, Booking.status == BookingStatus.WAITLISTED)
        .order_by(Booking.position))]


def confirmed_users(session_id: int) -> set[int]:
    return set(db.session.scalars(sa.select(Booking.user_id).where(
        Booking.session_id == session_id, Booking.status == BookingStatus.CONFIRMED)))


def book(item, user):
    result = services.book_seat(item=item, delegate=user)
    db.session.commit()
    return result


def outbox() -> list[tuple[str, str]]:
    return [(m.to_address, m.subject) for m in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))]


# ------------------------------------------------------------------ capacity


def test_session_capacity_is_room_or_lower_cap() -> None:
    assert services.session_capacity(60, None) == 60
    assert services.session_capacity(60, 20) == 20
    assert services.session_capacity(30, 50) == 30
    assert services.session_capacity(None, 10) == 0


def test_book_seat_confirms_while_seats_are_free(any_app) -> None:
    item = bookable_session(capacity=2)
    publish()
    user = confirmed_delegate()
    result = book(item, user)
    assert result.outcome is services.Outcome.CONFIRMED
    assert result.message == "Your seat is booked."
    assert (result.booking.status, result.booking.position) == (BookingStatus.CONFIRMED, None)
    assert result.booking.confirmed_at is not None
    assert seats(item.id) == (1, 0)


def test_book_seat_waitlists_in_order_when_full(any_app) -> None:
    item = bookable_session(capacity=1)
    publish()
    users = [confirmed_delegate() for _ in range(4)]
    outcomes = [book(item, u).outcome for u in users]
    assert outcomes == [services.Outcome.CONFIRMED] + [services.Outcome.WAITLISTED] * 3
    assert waiting(item.id) == [(users[1].id, 1), (users[2].id, 2), (users[3].id, 3)]
    assert seats(item.id) == (1, 3)
    assert services.seat_counts([item.id])[item.id] == services.SeatCounts(
        capacity=1, booked=1, waitlisted=3, needs_booking=True, bookable=True)


def test_book_seat_uses_the_lower_booking_cap(app) -> None:
    item = bookable_session(capacity=100, cap=2)
    publish()
    outcomes = [book(item, confirmed_delegate()).outcome for _ in range(3)]
    assert outcomes == [services.Outcome.CONFIRMED, services.Outcome.CONFIRMED, services.Outcome.WAITLISTED]
    assert seats(item.id) == (2, 1)


@pytest.mark.parametrize("status", [None, RegistrationStatus.WAITLISTED, RegistrationStatus.PENDING_VERIFICATION])
def test_book_seat_refuses_delegates_without_confirmed_registration(app, status) -> None:
    item = bookable_session()
    publish()
    user = UserFactory() if status is None else confirmed_delegate(status=status)
    with pytest.raises(services.DelegatesOnly) as refused:
        services.book_seat(item=item, delegate=user)
    assert refused.value.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Booking.id))) == 0


def test_book_seat_refuses_sessions_not_open_for_booking(app) -> None:
    no_booking = bookable_session(needs_booking=False)
    cancelled = bookable_session(starts=at(14, "10:00"))
    publish()
    programme_services.set_session_status(item=cancelled, status=SessionStatus.CANCELLED)
    db.session.commit()
    publish()
    unpublished = bookable_session(starts=at(15, "10:00"))
    user = confirmed_delegate()
    with pytest.raises(services.NotBookable):
        services.book_seat(item=no_booking, delegate=user)
    with pytest.raises(services.NotBookable, match="This session is cancelled."):
        services.book_seat(item=cancelled, delegate=user)
    with pytest.raises(services.NotPublished):
        services.book_seat(item=unpublished, delegate=user)
    assert db.session.scalar(sa.select(sa.func.count(Booking.id))) == 0


def test_booking_follows_the_published_version_not_the_draft(app) -> None:
    """The public page shows what was published; booking answers the same until the next version."""
    cancelled_in_draft = bookable_session(starts=at(14, "10:00"))
    booking_in_draft_only = bookable_session(needs_booking=False, starts=at(15, "10:00"))
    publish()
    programme_services.set_session_status(item=cancelled_in_draft, status=SessionStatus.CANCELLED)
    booking_in_draft_only.needs_booking = True
    db.session.commit()
    user = confirmed_delegate()
    assert book(cancelled_in_draft, user).outcome is services.Outcome.CONFIRMED
    with pytest.raises(services.NotBookable):
        services.book_seat(item=booking_in_draft_only, delegate=user)
    publish()
    assert book(booking_in_draft_only, user).outcome is services.Outcome.CONFIRMED
    with pytest.raises(services.NotBookable, match="This session is cancelled."):
        services.book_seat(item=cancelled_in_draft, delegate=confirmed_delegate())


def test_book_seat_refuses_a_second_booking_of_the_same_session(app) -> None:
    item = bookable_session(capacity=1)
    publish()
    first, second = confirmed_delegate(), confirmed_delegate()
    book(item, first)
    book(item, second)
    with pytest.raises(services.AlreadyBooked, match="You already have a booking for this session."):
        services.book_seat(item=item, delegate=first)
    db.session.rollback()
    with pytest.raises(services.AlreadyBooked, match="You are already number 1 on the waiting list."):
        services.book_seat(item=item, delegate=second)
    db.session.rollback()
    assert seats(item.id) == (1, 1)


def test_book_seat_refuses_an_overlapping_session_and_names_it(any_app) -> None:
    morning = bookable_session(title="Quantum futures", starts=at(13, "10:00"), minutes=90)
    overlapping = bookable_session(title="Open science", starts=at(13, "11:00"))
    back_to_back = bookable_session(title="After lunch", starts=at(13, "11:30"))
    publish()
    user = confirmed_delegate()
    book(morning, user)
    with pytest.raises(services.BookingClash) as refused:
        services.book_seat(item=overlapping, delegate=user)
    assert refused.value.message == (
        "You already have a seat in “Quantum futures” at the same time. Cancel that booking first.")
    db.session.rollback()
    assert book(back_to_back, user).outcome is services.Outcome.CONFIRMED
    assert confirmed_users(overlapping.id) == set()


# ------------------------------------------------------------------ cancelling, promotion


def test_cancel_confirmed_booking_promotes_next_in_order_and_mails(any_app) -> None:
    item = bookable_session(capacity=1, title="Citizen science lab")
    publish()
    holder, first, second = (confirmed_delegate(email=f"d{i}@example.org") for i in range(3))
    for user in (holder, first, second):
        book(item, user)
    result = services.cancel_booking(item=item, delegate=holder)
    db.session.commit()
    assert result.was is BookingStatus.CONFIRMED
    assert [b.user_id for b in result.promoted] == [first.id]
    assert confirmed_users(item.id) == {first.id}
    assert waiting(item.id) == [(second.id, 1)]
    assert seats(item.id) == (1, 1)
    assert outbox() == [("d1@example.org", "A seat in “Citizen science lab” is yours")]
    body = db.session.scalar(sa.select(OutboxMessage.body_text))
    assert "13 July 2022" in body and "10:00" in body and f"http://esof.test/programme/sessions/{item.id}" in body


def test_leaving_the_waiting_list_closes_the_gap(any_app) -> None:
    item = bookable_session(capacity=1)
    publish()
    users = [confirmed_delegate() for _ in range(4)]
    for user in users:
        book(item, user)
    result = services.cancel_booking(item=item, delegate=users[2])
    db.session.commit()
    assert (result.was, result.promoted) == (BookingStatus.WAITLISTED, [])
    assert result.message == "You have left the waiting list."
    assert waiting(item.id) == [(users[1].id, 1), (users[3].id, 2)]
    assert seats(item.id) == (1, 2)
    assert outbox() == []


def test_cancel_without_a_booking_is_refused(app) -> None:
    item = bookable_session()
    publish()
    with pytest.raises(services.NoBooking):
        services.cancel_booking(item=item, delegate=confirmed_delegate())


def test_rebooking_after_cancelling_keeps_one_live_booking(app) -> None:
    item = bookable_session(capacity=5)
    publish()
    user = confirmed_delegate()
    book(item, user)
    services.cancel_booking(item=item, delegate=user)
    db.session.commit()
    book(item, user)
    statuses = sorted(str(s) for s in db.session.scalars(sa.select(Booking.status).where(Booking.user_id == user.id)))
    assert statuses == ["cancelled", "confirmed"]
    assert seats(item.id) == (1, 0)


def test_promotion_passes_over_someone_holding_an_overlapping_seat(app) -> None:
    full = bookable_session(capacity=1, starts=at(13, "10:00"))
    other = bookable_session(capacity=5, starts=at(13, "10:30"), title="Overlapping talk")
    publish()
    holder, clashing, next_free = confirmed_delegate(), confirmed_delegate(), confirmed_delegate()
    book(full, holder)
    book(full, clashing)  # waiting for `full` ...
    book(other, clashing)  # ... and meanwhile holds a seat at the same time
    book(full, next_free)
    result = services.cancel_booking(item=full, delegate=holder)
    db.session.commit()
    assert [b.user_id for b in result.promoted] == [next_free.id]
    assert waiting(full.id) == [(clashing.id, 1)]
    assert seats(full.id) == (1, 1)


# ------------------------------------------------------------------ capacity changes


def test_seats_over_capacity_warns_before_a_move(app) -> None:
    item = bookable_session(capacity=10, cap=8)
    publish()
    for _ in range(6):
        book(item, confirmed_delegate())
    assert services.seats_over_capacity(item, RoomFactory(capacity=4)) == 2
    assert services.seats_over_capacity(item, RoomFactory(capacity=6)) == 0
    assert services.seats_over_capacity(session=item, new_room=RoomFactory(capacity=50)) == 0


def test_publishing_a_smaller_room_moves_latest_bookings_to_head_of_waiting_list(any_app) -> None:
    item = bookable_session(capacity=3, title="Data rights")
    publish()
    users = [confirmed_delegate(email=f"u{i}@example.org") for i in range(5)]
    for user in users:
        book(item, user)  # u0..u2 seated, u3, u4 waiting
    move_session(item, RoomFactory(capacity=1))
    db.session.commit()
    assert confirmed_users(item.id) == {users[0].id, users[1].id, users[2].id}  # not before publishing
    publish()
    assert confirmed_users(item.id) == {users[0].id}
    assert waiting(item.id) == [(users[1].id, 1), (users[2].id, 2), (users[3].id, 3), (users[4].id, 4)]
    assert seats(item.id) == (1, 4)
    subject = "Your seat in “Data rights”: back on the waiting list"
    assert outbox() == [("u1@example.org", subject), ("u2@example.org", subject)]


def test_publishing_a_larger_room_promotes_in_order(any_app) -> None:
    item = bookable_session(capacity=1)
    publish()
    users = [confirmed_delegate() for _ in range(4)]
    for user in users:
        book(item, user)
    move_session(item, RoomFactory(capacity=3))
    db.session.commit()
    publish()
    assert confirmed_users(item.id) == {users[0].id, users[1].id, users[2].id}
    assert waiting(item.id) == [(users[3].id, 1)]
    assert seats(item.id) == (3, 1)
    assert len(outbox()) == 2


def save_cap(item, cap: int | None) -> None:
    programme_services.save_session(item=item, title=item.title, format=item.format, needs_booking=True,
                                    booking_cap=cap)
    db.session.commit()


def test_a_lower_seat_limit_moves_the_latest_bookings_back_at_once(any_app) -> None:
    item = bookable_session(capacity=10, title="Soil lab")
    publish()
    users = [confirmed_delegate(email=f"c{i}@example.org") for i in range(4)]
    for user in users:
        book(item, user)
    assert programme_services.cap_shortfall(item=item, needs_booking=True, booking_cap=2) == (
        programme_services.SeatShortfall(4, 2, item.slot.room.name))
    assert programme_services.cap_shortfall(item=item, needs_booking=True, booking_cap=4) is None
    save_cap(item, 2)  # the limit is read live: no publication needed
    assert confirmed_users(item.id) == {users[0].id, users[1].id}
    assert waiting(item.id) == [(users[2].id, 1), (users[3].id, 2)]
    assert seats(item.id) == (2, 2)
    subject = "Your seat in “Soil lab”: back on the waiting list"
    assert outbox()[-2:] == [("c2@example.org", subject), ("c3@example.org", subject)]


def test_a_higher_seat_limit_promotes_the_waiting_at_once(any_app) -> None:
    item = bookable_session(capacity=10, cap=1)
    publish()
    users = [confirmed_delegate() for _ in range(4)]
    for user in users:
        book(item, user)
    mails_before = len(outbox())
    save_cap(item, 3)
    assert confirmed_users(item.id) == {users[0].id, users[1].id, users[2].id}
    assert waiting(item.id) == [(users[3].id, 1)]
    assert len(outbox()) == mails_before + 2
    # A newcomer now waits behind the one still waiting instead of passing them.
    assert book(item, confirmed_delegate()).position == 2
    assert seats(item.id) == (3, 2)


def test_a_larger_room_capacity_promotes_the_waiting_at_once(any_app) -> None:
    item = bookable_session(capacity=2)
    publish()
    users = [confirmed_delegate() for _ in range(5)]
    for user in users:
        book(item, user)
    room = item.slot.room
    venue_services.save_room(room=room, venue=room.venue, name=room.name, capacity=4)
    db.session.commit()
    assert confirmed_users(item.id) == {u.id for u in users[:4]}
    assert waiting(item.id) == [(users[4].id, 1)]
    assert seats(item.id) == (4, 1)


def test_a_smaller_room_capacity_is_warned_about_then_moves_latest_bookings_back(any_app) -> None:
    room = RoomFactory(capacity=6)
    early = bookable_session(room=room, title="Morning lab", starts=at(13, "09:00"))
    late = bookable_session(room=room, title="Evening lab", cap=5, starts=at(13, "18:00"))
    quiet = bookable_session(room=room, title="Quiet lab", starts=at(14, "09:00"))
    publish()
    morning = [confirmed_delegate() for _ in range(6)]
    for user in morning:
        book(early, user)
    for _ in range(4):
        book(late, confirmed_delegate())
    book(quiet, confirmed_delegate())
    assert venue_services.bookings_beyond(room=room, capacity=3) == [
        BookingsBeyondCapacity("Morning lab", 6, 3), BookingsBeyondCapacity("Evening lab", 4, 3)]
    assert venue_services.bookings_beyond(room=room, capacity=6) == []
    assert seats(early.id) == (6, 0)  # asking changes nothing
    venue_services.save_room(room=room, venue=room.venue, name=room.name, capacity=3)
    db.session.commit()
    assert confirmed_users(early.id) == {u.id for u in morning[:3]}
    assert waiting(early.id) == [(morning[3].id, 1), (morning[4].id, 2), (morning[5].id, 3)]
    assert [seats(s.id) for s in (early, late, quiet)] == [(3, 3), (3, 1), (1, 0)]


# ------------------------------------------------------------------ counts, stars, agenda


def test_seat_counts_reads_many_sessions_in_one_query(app, count_queries) -> None:
    items = [bookable_session(capacity=5 + n, starts=at(13, f"{9 + n}:00")) for n in range(6)]
    plain = bookable_session(needs_booking=False, starts=at(14, "10:00"))
    publish()
    book(items[0], confirmed_delegate())
    ids = [i.id for i in items] + [plain.id, 999_999]
    count_queries.reset()
    counts = services.seat_counts(ids)
    assert count_queries.count == 1
    assert counts[items[0].id] == services.SeatCounts(5, 1, 0, True, True)
    assert counts[items[5].id] == services.SeatCounts(10, 0, 0, True, True)
    assert counts[plain.id] == services.SeatCounts(40, 0, 0, False, False)
    assert 999_999 not in counts


def test_star_and_unstar_are_idempotent(any_app) -> None:
    item = bookable_session(needs_booking=False)
    publish()
    user = confirmed_delegate()
    services.star_session(item=item, delegate=user)
    services.star_session(item=item, delegate=user)
    db.session.commit()
    assert db.session.scalars(sa.select(Star.session_id).where(Star.user_id == user.id)).all() == [item.id]
    services.unstar_session(item=item, delegate=user)
    services.unstar_session(item=item, delegate=user)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Star)) == 0


def test_star_refuses_unconfirmed_and_unpublished(app) -> None:
    published = bookable_session()
    publish()
    draft_only = bookable_session(starts=at(14, "10:00"))
    with pytest.raises(services.DelegatesOnly):
        services.star_session(item=published, delegate=UserFactory())
    with pytest.raises(services.NotPublished):
        services.star_session(item=draft_only, delegate=confirmed_delegate())


def test_agenda_groups_by_day_and_points_out_clashes_and_short_walks(app) -> None:
    near = VenueFactory(name="Pieterskerk", latitude=52.1579, longitude=4.4890)
    far = VenueFactory(name="Hortus botanicus", latitude=52.1554, longitude=4.4863)
    distant = VenueFactory(name="Science Park", latitude=52.1675, longitude=4.4590)
    booked = bookable_session(title="Opening", starts=at(13, "09:00"), room=RoomFactory(venue=near))
    starred_clash = bookable_session(title="Parallel panel", starts=at(13, "09:30"), needs_booking=False,
                                     room=RoomFactory(venue=far))
    walk = bookable_session(title="Far away", starts=at(13, "10:35"), needs_booking=False,
                            room=RoomFactory(venue=distant))
    next_day = bookable_session(title="Day two", starts=at(14, "11:00"), room=RoomFactory(venue=near))
    publish()
    user = confirmed_delegate()
    book(booked, user)
    book(next_day, user)
    for item in (starred_clash, walk):
        services.star_session(item=item, delegate=user)
    db.session.commit()
    days = services.build_agenda(user)
    assert [d.day.isoformat() for d in days] == ["2022-07-13", "2022-07-14"]
    first = {e.item.title: e for e in days[0].entries}
    assert [e.item.title for e in days[0].entries] == ["Opening", "Parallel panel", "Far away"]
    assert [(n.kind, n.other_title) for n in first["Opening"].notes] == [("clash", "Parallel panel")]
    assert [(n.kind, n.other_title) for n in first["Parallel panel"].notes] == [("clash", "Opening")]
    walk_note = first["Far away"].notes[0]
    assert (walk_note.kind, walk_note.other_title, walk_note.gap_minutes) == ("walk", "Parallel panel", 5)
    assert (walk_note.from_venue, walk_note.to_venue) == ("Hortus botanicus", "Science Park")
    assert walk_note.needed_minutes > 5
    assert first["Opening"].booking.status is BookingStatus.CONFIRMED and not first["Opening"].starred
    assert first["Far away"].starred and first["Far away"].booking is None
    assert days[1].entries[0].notes == []


# ------------------------------------------------------------------ other areas


def test_erasing_an_account_releases_its_seat_to_the_next_in_line(app) -> None:
    item = bookable_session(capacity=1)
    publish()
    leaving, waiting_user = confirmed_delegate(), confirmed_delegate(email="next@example.org")
    book(item, leaving)
    book(item, waiting_user)
    services.star_session(item=item, delegate=leaving)
    db.session.commit()
    registration_services.erase_account(user=leaving)
    db.session.commit()
    assert confirmed_users(item.id) == {waiting_user.id}
    assert seats(item.id) == (1, 0)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Star)) == 0
    assert ("next@example.org", f"A seat in “{item.title}” is yours") in outbox()


def test_personal_data_export_lists_bookings_and_stars(app) -> None:
    item = bookable_session(capacity=1, title="Ocean futures")
    publish()
    user = confirmed_delegate()
    book(item, user)
    services.star_session(item=item, delegate=user)
    data = registration_services.export_personal_data(user)["bookings"]
    assert [(b["title"], b["status"], b["waiting_position"]) for b in data["bookings"]] == [
        ("Ocean futures", "confirmed", None)]
    assert [s["title"] for s in data["starred_sessions"]] == ["Ocean futures"]


# ------------------------------------------------------------------ lock waits


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict:
    """Short lock waits for the lock-wait test: 200 ms on PostgreSQL, a 0.2 s busy timeout on SQLite."""
    if "lock_wait" not in request.node.name:
        return {}
    if "postgresql" in request.node.name:
        return {"BOOKING_LOCK_TIMEOUT_MS": 200}
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "connect_args": {"timeout": 0.2}}}


def test_lock_wait_that_times_out_answers_busy(any_app) -> None:
    item = bookable_session(capacity=5)
    publish()
    user = confirmed_delegate()
    db.session.commit()
    holding, release = threading.Event(), threading.Event()

    def hold_the_row() -> None:
        with any_app.app_context():
            if db.engine.dialect.name == "postgresql":
                db.session.execute(sa.select(SessionSeats).where(SessionSeats.session_id == item.id).with_for_update())
                db.session.execute(sa.update(SessionSeats).where(SessionSeats.session_id == item.id)
                                   .values(waitlist_seq=SessionSeats.waitlist_seq))
            else:
                db.session.execute(sa.update(SessionSeats).where(SessionSeats.session_id == item.id)
                                   .values(waitlist_seq=SessionSeats.waitlist_seq))
            holding.set()
            release.wait(10)
            db.session.rollback()

    with any_app.app_context():  # the counter row exists before someone holds it
        services.seats_over_capacity(item, item.slot.room)
        db.session.execute(sa.insert(SessionSeats).values(session_id=item.id, confirmed_count=0,
                                                          waitlist_count=0, waitlist_seq=0))
        db.session.commit()
    thread = threading.Thread(target=hold_the_row)
    thread.start()
    assert holding.wait(10)
    try:
        with pytest.raises(Busy) as busy:
            services.book_seat(item=item, delegate=user)
        assert busy.value.status_code == 503
        assert busy.value.message == "The system is busy, please try again in a moment."
    finally:
        db.session.rollback()
        release.set()
        thread.join()
    assert db.session.scalar(sa.select(sa.func.count(Booking.id))) == 0
    assert book(item, user).outcome is services.Outcome.CONFIRMED


def test_cancelling_the_registration_releases_seats_to_the_next_in_line(any_app) -> None:
    from esof.registration import services as registration
    from esof.registration.models import Registration

    item = bookable_session(capacity=1, title="Citizen science lab")
    publish()
    holder, next_in_line = (confirmed_delegate(email=f"r{i}@example.org") for i in range(2))
    book(item, holder)
    book(item, next_in_line)
    own = db.session.scalar(sa.select(Registration).where(Registration.user_id == holder.id))
    registration.cancel_registration(registration=own, actor=holder, notify=False)
    db.session.commit()
    assert confirmed_users(item.id) == {next_in_line.id}
    assert waiting(item.id) == []
    assert seats(item.id) == (1, 0)
