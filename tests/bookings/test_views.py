"""Booking flows over HTTP: the session page's buttons, book, cancel, star, agenda, busy."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from esof.bookings.models import Booking, BookingStatus, SessionSeats, Star
from esof.extensions import db
from tests.bookings.factories import at, bookable_session, confirmed_delegate, publish
from tests.factories import UserFactory
from tests.support import csrf_token_from, log_in, submit_form
from tests.venues.factories import RoomFactory, VenueFactory


def live_bookings() -> list[tuple[int, str, int | None]]:
    return [(u, str(s), p) for u, s, p in db.session.execute(
        sa.select(Booking.user_id, Booking.status, Booking.position)
        .where(Booking.status != BookingStatus.CANCELLED).order_by(Booking.id))]


def post_action(client, session_id: int, action: str, data: dict | None = None, **kwargs):
    return submit_form(client, f"/programme/sessions/{session_id}/{action}", data or {},
                       page=f"/programme/sessions/{session_id}", **kwargs)


@pytest.fixture
def delegate(app):
    user = confirmed_delegate(email="ada@example.org")
    db.session.commit()
    return user


def test_session_page_offers_booking_and_star_to_a_confirmed_delegate(client, delegate) -> None:
    item = bookable_session(capacity=12)
    publish()
    log_in(client, "ada@example.org")
    html = client.get(f"/programme/sessions/{item.id}").get_data(as_text=True)
    assert "0 of 12 seats booked, 0 on the waiting list." in html and "12 free." in html
    assert f'action="/programme/sessions/{item.id}/book"' in html and ">Book a seat</button>" in html
    assert f'action="/programme/sessions/{item.id}/star"' in html and "Star this session" in html
    assert 'href="/programme/agenda"' in html


def test_session_page_asks_visitors_to_log_in(client) -> None:
    item = bookable_session()
    publish()
    html = client.get(f"/programme/sessions/{item.id}").get_data(as_text=True)
    assert "Log in to star this session or book a seat." in html
    assert f"/programme/sessions/{item.id}/book" not in html


def test_session_page_tells_unconfirmed_users_why_there_is_no_button(client) -> None:
    UserFactory(email="new@example.org")
    item = bookable_session()
    publish()
    log_in(client, "new@example.org")
    html = client.get(f"/programme/sessions/{item.id}").get_data(as_text=True)
    assert "Once your registration is confirmed you can star sessions and book seats." in html
    assert f"/programme/sessions/{item.id}/book" not in html


def test_book_then_cancel_flow(client, delegate) -> None:
    item = bookable_session(capacity=1)
    publish()
    log_in(client, "ada@example.org")
    response = post_action(client, item.id, "book")
    assert response.status_code == 302 and response.location == f"/programme/sessions/{item.id}"
    assert live_bookings() == [(delegate.id, "confirmed", None)]
    html = client.get(response.location).get_data(as_text=True)
    assert "Your seat is booked." in html and "You have a seat in this session." in html
    assert "Cancel my booking" in html and "Full" in html
    response = post_action(client, item.id, "cancel-booking")
    assert response.status_code == 302
    assert live_bookings() == []
    assert "Your booking is cancelled." in client.get(response.location).get_data(as_text=True)


def test_full_session_puts_delegate_on_waiting_list_and_leaving_works(client, delegate) -> None:
    item = bookable_session(capacity=1)
    publish()
    holder = confirmed_delegate()
    db.session.commit()
    from esof.bookings import services

    services.book_seat(item=item, delegate=holder)
    db.session.commit()
    log_in(client, "ada@example.org")
    html = client.get(f"/programme/sessions/{item.id}").get_data(as_text=True)
    assert ">Join the waiting list</button>" in html
    response = post_action(client, item.id, "book")
    assert live_bookings() == [(holder.id, "confirmed", None), (delegate.id, "waitlisted", 1)]
    html = client.get(response.location).get_data(as_text=True)
    assert "You are number 1 on the waiting list." in html and "Leave the waiting list" in html
    post_action(client, item.id, "cancel-booking")
    assert live_bookings() == [(holder.id, "confirmed", None)]
    assert db.session.get(SessionSeats, item.id).waitlist_count == 0


def test_clash_refusal_names_the_other_session(client, delegate) -> None:
    first = bookable_session(title="Quantum futures", starts=at(13, "10:00"))
    second = bookable_session(title="Open science", starts=at(13, "10:30"))
    publish()
    log_in(client, "ada@example.org")
    post_action(client, first.id, "book")
    response = post_action(client, second.id, "book")
    assert response.status_code == 302
    html = client.get(response.location).get_data(as_text=True)
    assert "You already have a seat in “Quantum futures” at the same time." in html
    assert live_bookings() == [(delegate.id, "confirmed", None)]


def test_json_clients_get_json_answers(client, delegate) -> None:
    item = bookable_session(capacity=1)
    publish()
    log_in(client, "ada@example.org")
    headers = {"Accept": "application/json"}
    response = post_action(client, item.id, "book", headers=headers)
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "message": "Your seat is booked.", "status_after": "confirmed",
                                   "position": None}
    again = post_action(client, item.id, "book", headers=headers)
    assert again.status_code == 409
    assert again.get_json()["error"] == "AlreadyBooked"


def test_actions_need_login_and_csrf(client, delegate) -> None:
    item = bookable_session()
    publish()
    response = client.post(f"/programme/sessions/{item.id}/book")
    assert response.status_code == 400  # no CSRF token
    token = csrf_token_from(client.get("/account/login").get_data(as_text=True))
    response = client.post(f"/programme/sessions/{item.id}/book", data={"csrf_token": token})
    assert response.status_code == 302 and response.location.startswith("/account/login")
    assert live_bookings() == []


def test_unconfirmed_user_is_refused_with_a_message(client) -> None:
    UserFactory(email="new@example.org")
    item = bookable_session()
    publish()
    log_in(client, "new@example.org")
    response = post_action(client, item.id, "book")
    html = client.get(response.location).get_data(as_text=True)
    assert "Only delegates with a confirmed registration can star and book sessions." in html
    assert live_bookings() == []


def test_unknown_session_is_404(client, delegate) -> None:
    bookable_session()
    publish()
    log_in(client, "ada@example.org")
    response = submit_form(client, "/programme/sessions/999999/book", {}, page="/programme/")
    assert response.status_code == 404


def test_star_and_unstar(client, delegate) -> None:
    item = bookable_session(needs_booking=False)
    publish()
    log_in(client, "ada@example.org")
    post_action(client, item.id, "star", {"starred": "1"})
    assert db.session.scalars(sa.select(Star.session_id)).all() == [item.id]
    html = client.get(f"/programme/sessions/{item.id}").get_data(as_text=True)
    assert "Starred — remove the star" in html and 'aria-pressed="true"' in html
    post_action(client, item.id, "star", {"starred": "0"})
    assert db.session.scalars(sa.select(Star.session_id)).all() == []


def test_agenda_lists_booked_and_starred_sessions_by_day_with_notes(client, delegate) -> None:
    near = VenueFactory(name="Pieterskerk", latitude=52.1579, longitude=4.4890)
    distant = VenueFactory(name="Science Park", latitude=52.1675, longitude=4.4590)
    booked = bookable_session(title="Opening", starts=at(13, "09:00"), room=RoomFactory(venue=near))
    clash = bookable_session(title="Parallel panel", starts=at(13, "09:30"), needs_booking=False,
                             room=RoomFactory(venue=near))
    far = bookable_session(title="Far away", starts=at(13, "10:35"), needs_booking=False,
                           room=RoomFactory(venue=distant))
    publish()
    log_in(client, "ada@example.org")
    post_action(client, booked.id, "book")
    post_action(client, clash.id, "star")
    post_action(client, far.id, "star")
    html = client.get("/programme/agenda").get_data(as_text=True)
    assert "Wednesday 13 July 2022" in html and "Thursday" not in html
    assert html.index("Opening") < html.index("Parallel panel") < html.index("Far away")
    assert "Seat booked" in html and "★ Starred" in html
    assert "at the same time as “Parallel panel”." in html
    assert "5 minutes after “Parallel panel” at Pieterskerk, but the walk to Science Park takes about" in html
    assert "Europe/Amsterdam" in html


def test_agenda_needs_login(client) -> None:
    response = client.get("/programme/agenda")
    assert response.status_code == 302 and "/account/login" in response.location


def test_agenda_query_count_does_not_grow(client, delegate, count_queries) -> None:
    from esof.bookings import services

    items = [bookable_session(needs_booking=n % 2 == 0, starts=at(13 + n % 4, f"{8 + n}:00"),
                              room=RoomFactory(capacity=10)) for n in range(12)]
    publish()
    for item in items[:3]:
        services.star_session(item=item, delegate=delegate)
    db.session.commit()
    log_in(client, "ada@example.org")

    def measure() -> int:
        db.session.expire_all()
        count_queries.reset()
        assert client.get("/programme/agenda").status_code == 200
        return count_queries.count

    small = measure()
    for item in items[3:]:
        if item.needs_booking:
            services.book_seat(item=item, delegate=delegate)
        else:
            services.star_session(item=item, delegate=delegate)
    db.session.commit()
    assert measure() == small


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict:
    if "busy" in request.node.name:  # a short busy timeout so the test does not wait 30 s
        return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "connect_args": {"timeout": 0.2}}}
    return {}


def test_busy_database_answers_503_with_a_message_not_an_error_page(client, delegate) -> None:
    item = bookable_session()
    publish()
    db.session.execute(sa.insert(SessionSeats).values(session_id=item.id, confirmed_count=0, waitlist_count=0,
                                                      waitlist_seq=0))
    db.session.commit()
    log_in(client, "ada@example.org")
    page = client.get(f"/programme/sessions/{item.id}").get_data(as_text=True)
    holding, release = threading.Event(), threading.Event()
    application = client.application

    def hold_the_write_lock() -> None:
        with application.app_context():
            db.session.execute(sa.update(SessionSeats).values(waitlist_seq=SessionSeats.waitlist_seq))
            holding.set()
            release.wait(10)
            db.session.rollback()

    thread = threading.Thread(target=hold_the_write_lock)
    thread.start()
    assert holding.wait(10)
    try:
        response = client.post(f"/programme/sessions/{item.id}/book", data={"csrf_token": csrf_token_from(page)})
    finally:
        release.set()
        thread.join()
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    assert "<h1>Busy, please try again</h1>" in html
    assert "The system is busy, please try again in a moment." in html and "Error code" not in html
    assert live_bookings() == []


def test_moving_a_booked_session_to_a_smaller_room_warns_before_saving(app, client) -> None:
    from esof.accounts.models import Role
    from esof.programme.models import ScheduleSlot
    from esof.venues import services as venues

    item = bookable_session(capacity=3, title="Soil lab")
    publish()
    from esof.bookings import services as bookings

    for n in range(3):
        bookings.book_seat(item=item, delegate=confirmed_delegate(email=f"w{n}@example.org"))
    small = venues.save_room(venue=item.slot.room.venue, name="Small lab", capacity=1)
    UserFactory(email="org@example.org", roles=[Role.ORGANISER])
    db.session.commit()
    log_in(client, "org@example.org")
    move = {"session_id": str(item.id), "room": str(small.id), "day": "2022-07-13", "starts": "10:00",
            "ends": "11:00", "back": "/programme/organiser/schedule"}
    warned = submit_form(client, "/programme/organiser/schedule/place", move, page="/programme/organiser/schedule")
    assert warned.status_code == 409
    html = warned.get_data(as_text=True)
    assert "Small lab holds 1, but “Soil lab” has 3 confirmed bookings" in html
    assert "the 2 most recent bookings move back to the waiting list" in html
    db.session.expire_all()
    assert db.session.scalar(sa.select(ScheduleSlot.room_id).where(ScheduleSlot.session_id == item.id)) != small.id
    moved = submit_form(client, "/programme/organiser/schedule/place", {**move, "accept_fewer_seats": "yes"},
                        page="/programme/organiser/schedule")
    assert moved.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(ScheduleSlot.room_id).where(ScheduleSlot.session_id == item.id)) == small.id


def organiser_logged_in(client) -> None:
    from esof.accounts.models import Role

    UserFactory(email="org@example.org", roles=[Role.ORGANISER])
    db.session.commit()
    log_in(client, "org@example.org")


def seat_rows(session_id: int) -> tuple[int, int]:
    confirmed, waiting = db.session.execute(sa.select(SessionSeats.confirmed_count, SessionSeats.waitlist_count)
                                            .where(SessionSeats.session_id == session_id)).one()
    return confirmed, waiting


def test_lowering_a_room_capacity_below_the_bookings_warns_before_saving(app, client) -> None:
    from esof.bookings import services as bookings
    from esof.venues.models import Room

    item = bookable_session(capacity=4, title="Soil lab")
    room = item.slot.room
    publish()
    for n in range(4):
        bookings.book_seat(item=item, delegate=confirmed_delegate(email=f"r{n}@example.org"))
    organiser_logged_in(client)
    url = f"/organiser/venues/rooms/{room.id}/edit"
    fields = {"name": room.name, "capacity": "1", "layout": "theatre", "step_free": "y"}
    warned = submit_form(client, url, fields)
    assert warned.status_code == 409
    html = warned.get_data(as_text=True)
    assert "“Soil lab” has 4 confirmed bookings; 1 seats remain." in html
    assert 'name="accept_fewer_seats" value="yes"' in html and 'value="1"' in html  # the form comes back filled in
    db.session.expire_all()
    assert (db.session.get(Room, room.id).capacity, seat_rows(item.id)) == (4, (4, 0))
    saved = submit_form(client, url, {**fields, "accept_fewer_seats": "yes"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert (db.session.get(Room, room.id).capacity, seat_rows(item.id)) == (1, (1, 3))
    # Raising it again brings the three back in order, without a warning.
    assert submit_form(client, url, {**fields, "capacity": "10"}).status_code == 302
    db.session.expire_all()
    assert seat_rows(item.id) == (4, 0)


def test_lowering_a_seat_limit_below_the_bookings_warns_before_saving(app, client) -> None:
    from esof.bookings import services as bookings
    from esof.programme.models import ProgrammeSession

    item = bookable_session(capacity=10, title="Soil lab")
    publish()
    for n in range(3):
        bookings.book_seat(item=item, delegate=confirmed_delegate(email=f"s{n}@example.org"))
    organiser_logged_in(client)
    url = f"/programme/organiser/sessions/{item.id}"
    fields = {"title": "Soil lab", "format": str(item.format), "language": "en", "track": "0",
              "expected_audience": "10", "needs_booking": "y", "booking_cap": "2"}
    warned = submit_form(client, url, fields)
    assert warned.status_code == 409
    html = warned.get_data(as_text=True)
    assert "offers 2 seats, but “Soil lab” has 3 confirmed bookings" in html
    assert "the 1 most recent bookings move back to the head of the waiting list" in html
    db.session.expire_all()
    assert (db.session.get(ProgrammeSession, item.id).booking_cap, seat_rows(item.id)) == (None, (3, 0))
    saved = submit_form(client, url, {**fields, "accept_fewer_seats": "yes"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert (db.session.get(ProgrammeSession, item.id).booking_cap, seat_rows(item.id)) == (2, (2, 1))
