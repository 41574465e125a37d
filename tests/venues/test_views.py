"""Organiser pages for venues and rooms."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from esof.accounts.models import Role
from esof.extensions import db
from esof.programme.models import ScheduleSlot
from esof.venues.models import Room, Venue, VenueOpeningHours
from tests.factories import UserFactory
from tests.programme.factories import SlotFactory
from tests.support import log_in, submit_form
from tests.venues.factories import RoomFactory, VenueFactory


@pytest.fixture
def organiser_client(client):
    user = UserFactory(roles=[Role.ORGANISER])
    db.session.commit()
    log_in(client, user.email)
    return client


def test_venue_pages_refuse_non_organisers(client) -> None:
    venue = VenueFactory()
    user = UserFactory(roles=[Role.DELEGATE, Role.PARTNER])
    db.session.commit()
    log_in(client, user.email)
    for url in ("/organiser/venues/", f"/organiser/venues/{venue.id}", "/organiser/venues/new"):
        assert client.get(url).status_code == 403
    response = submit_form(client, "/organiser/venues/new", {"name": "Sneaky"}, page="/account/")
    assert response.status_code == 403
    response = submit_form(client, f"/organiser/venues/{venue.id}/delete", {}, page="/account/")
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Venue.id))) == 1


def test_create_venue_and_room(organiser_client) -> None:
    response = submit_form(organiser_client, "/organiser/venues/new", {
        "name": "Stadsgehoorzaal", "address": "Breestraat 60", "city": "Leiden",
        "latitude": "52.1613", "longitude": "4.4919", "step_free": "y"})
    assert response.status_code == 302
    venue = db.session.scalars(sa.select(Venue)).one()
    assert (venue.name, venue.slug, venue.latitude, venue.step_free) == (
        "Stadsgehoorzaal", "stadsgehoorzaal", 52.1613, True)
    response = submit_form(organiser_client, f"/organiser/venues/{venue.id}/rooms/new", {
        "name": "Grote Zaal", "capacity": "1200", "layout": "theatre", "streaming": "y", "step_free": "y"})
    assert response.status_code == 302
    room = db.session.scalars(sa.select(Room)).one()
    assert (room.name, room.capacity, room.streaming, room.allows_parallel) == ("Grote Zaal", 1200, True, False)
    assert "Grote Zaal" in organiser_client.get(f"/organiser/venues/{venue.id}").get_data(as_text=True)


def test_create_venue_bad_input_rerenders(organiser_client) -> None:
    response = submit_form(organiser_client, "/organiser/venues/new", {"name": "", "latitude": "200"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Venue.id))) == 0


def test_room_negative_capacity_refused(organiser_client) -> None:
    venue = VenueFactory()
    db.session.commit()
    response = submit_form(organiser_client, f"/organiser/venues/{venue.id}/rooms/new", {"name": "X", "capacity": "-5"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Room.id))) == 0


def test_opening_hours_form(organiser_client) -> None:
    venue = VenueFactory()
    db.session.commit()
    url = f"/organiser/venues/{venue.id}/hours"
    response = submit_form(organiser_client, url, {"opens_0": "09:00", "closes_0": "17:30"})
    assert response.status_code == 302
    row = db.session.scalars(sa.select(VenueOpeningHours)).one()
    assert (row.day.isoformat(), row.opens.isoformat(), row.closes.isoformat()) == (
        "2022-07-13", "09:00:00", "17:30:00")
    response = submit_form(organiser_client, url, {"opens_1": "18:00", "closes_1": "09:00"})
    assert response.status_code == 422
    assert "Closing time must be after opening time." in response.get_data(as_text=True)


def test_delete_room_with_sessions_refused_then_unscheduled_and_deleted(organiser_client) -> None:
    slot = SlotFactory()
    db.session.commit()
    room_id, venue_id = slot.room_id, slot.room.venue_id
    page = f"/organiser/venues/{venue_id}"
    response = submit_form(organiser_client, f"/organiser/venues/rooms/{room_id}/delete", {"confirmed": "yes"},
                           page=page)
    assert response.status_code == 302
    assert "This room holds scheduled sessions" in organiser_client.get(page).get_data(as_text=True)
    assert db.session.get(Room, room_id) is not None

    response = submit_form(organiser_client, f"/programme/organiser/rooms/{room_id}/unschedule",
                           {"confirmed": "yes"}, page=page)
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(ScheduleSlot.id))) == 0
    response = submit_form(organiser_client, f"/organiser/venues/rooms/{room_id}/delete", {"confirmed": "yes"},
                           page=page)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Room, room_id) is None


def test_edit_room(organiser_client) -> None:
    room = RoomFactory(name="Old", capacity=10)
    db.session.commit()
    response = submit_form(organiser_client, f"/organiser/venues/rooms/{room.id}/edit", {
        "name": "Poster hall", "capacity": "400", "layout": "open-floor", "allows_parallel": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    room = db.session.get(Room, room.id)
    assert (room.name, room.capacity, room.layout, room.allows_parallel, room.step_free) == (
        "Poster hall", 400, "open-floor", True, False)
