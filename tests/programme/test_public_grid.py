"""The public room grid as a visitor reads it: one venue by default (the most rooms in use),
all venues on request, and only the hours that hold sessions."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from esof.extensions import db
from esof.programme import services as programme
from esof.programme.models import SessionFormat
from esof.venues.models import Room
from tests.api.factories import Programme, at, build_programme


@pytest.fixture
def found(app: Flask) -> Programme:
    built = build_programme()
    # 13 July: the opening (Nave) and the panel (Lorentzzaal); a talk in the Poster hall in
    # the afternoon gives the Pieterskerk two rooms in use, the KOG one.
    talk = programme.save_session(title="Afternoon talk", format=SessionFormat.SEMINAR)
    programme.schedule_session(item=talk, room_id=hall_id(built), starts_at=at(13, 16), ends_at=at(13, 17))
    programme.publish_schedule(actor=built.organiser, note="Talk added")
    db.session.commit()
    return built


def hall_id(built: Programme) -> int:
    return db.session.scalar(sa.select(Room.id).where(Room.name == "Poster hall"))


def room_headers(html: str) -> list[str]:
    return re.findall(r'<th scope="col">([^<]+)<br>', html)


def row_times(html: str) -> list[str]:
    return re.findall(r'<th scope="row">(\d{2}:\d{2})</th>', html)


def test_the_grid_shows_the_venue_with_most_rooms_in_use_by_default(client: FlaskClient, found: Programme) -> None:
    html = client.get("/programme/grid?day=2022-07-13").get_data(as_text=True)
    assert room_headers(html) == ["Nave", "Poster hall"]
    assert '<option value="pieterskerk" selected>' in html
    assert "the venue with the most rooms in use on this day" in html
    # Another day, another default: the KOG holds both sessions of 14 July.
    assert room_headers(client.get("/programme/grid?day=2022-07-14").get_data(as_text=True)) == [
        "Cleveringazaal", "Lorentzzaal"]


def test_more_rooms_beat_more_sessions_in_one_room(client: FlaskClient, found: Programme) -> None:
    for hour in (13, 14, 15):  # three talks in the Lorentzzaal: the KOG has more sessions, one room
        talk = programme.save_session(title=f"Talk at {hour}", format=SessionFormat.SEMINAR)
        programme.schedule_session(item=talk, room_id=found.ids["lorentz"], starts_at=at(13, hour),
                                   ends_at=at(13, hour, 45))
    programme.publish_schedule(actor=found.organiser, note="Talks added")
    db.session.commit()
    assert room_headers(client.get("/programme/grid?day=2022-07-13").get_data(as_text=True)) == [
        "Nave", "Poster hall"]


def test_a_visitor_chooses_another_venue_or_all_of_them(client: FlaskClient, found: Programme) -> None:
    kog = client.get("/programme/grid?day=2022-07-13&venue=kamerlingh-onnes-gebouw").get_data(as_text=True)
    assert room_headers(kog) == ["Lorentzzaal"]
    everywhere = client.get("/programme/grid?day=2022-07-13&venue=all").get_data(as_text=True)
    assert room_headers(everywhere) == ["Lorentzzaal", "Nave", "Poster hall"]
    assert '<option value="all" selected>' in everywhere
    # The day tabs keep a venue the visitor chose.
    assert 'href="/programme/grid?day=2022-07-14&amp;venue=all"' in everywhere


def test_only_the_hours_that_hold_sessions_are_rows(client: FlaskClient, found: Programme) -> None:
    html = client.get("/programme/grid?day=2022-07-13&venue=all").get_data(as_text=True)
    # Opening 09:00–10:30, panel 11:00–12:00, talk 16:00–17:00: no 08:00, no 12:00–15:00, no evening.
    assert row_times(html) == ["09:00", "10:00", "11:00", "16:00"]
    assert html.count('<th scope="row">') == 4 * 4
