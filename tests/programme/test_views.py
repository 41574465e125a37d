"""Programme pages: public (latest published version only) and organiser flows."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from esof.accounts.models import Role
from esof.extensions import db
from esof.programme import services
from esof.programme.models import ProgrammeSession, ScheduleSlot, ScheduleVersion, SessionStatus
from tests.factories import UserFactory
from tests.programme.bench import build_realistic_programme
from tests.programme.factories import PersonFactory, SessionFactory, SlotFactory, TrackFactory, add_speaker, at
from tests.support import log_in, submit_form
from tests.venues.factories import RoomFactory


def publish_now(role: Role = Role.ORGANISER) -> ScheduleVersion:
    version = services.publish_schedule(actor=UserFactory(roles=[role]), override=role is Role.ADMIN)
    db.session.commit()
    return version


def test_programme_index_endpoint_name(app) -> None:
    from flask import url_for

    with app.test_request_context():
        assert url_for("programme.programme_index") == "/programme/"
        assert url_for("programme.session_detail", session_id=3) == "/programme/sessions/3"
        assert url_for("programme.changes_index") == "/programme/changes"


def test_programme_before_publishing_says_so(client) -> None:
    SlotFactory(session=SessionFactory(title="Draft only"))
    db.session.commit()
    page = client.get("/programme/")
    assert page.status_code == 200
    assert "has not been published yet" in page.get_data(as_text=True)
    assert "Draft only" not in page.get_data(as_text=True)
    assert client.get("/programme/sessions/1").status_code == 404


def test_public_pages_show_only_the_published_version(client) -> None:
    slot = SlotFactory(session=SessionFactory(title="Opening ceremony"),
                       starts_at=at(13, "10:00"), ends_at=at(13, "11:00"))
    db.session.commit()
    publish_now()
    slot.session.title = "Renamed in the draft"
    slot.starts_at, slot.ends_at = at(13, "15:00"), at(13, "16:00")
    SlotFactory(session=SessionFactory(title="Unpublished extra"))
    db.session.commit()

    html = client.get("/programme/?day=2022-07-13").get_data(as_text=True)
    assert "Opening ceremony" in html and "Renamed in the draft" not in html and "Unpublished extra" not in html
    detail = client.get(f"/programme/sessions/{slot.session_id}").get_data(as_text=True)
    # 10:00 wall-clock in Amsterdam with the zone named, never 08:00 UTC or 23:30.
    assert "10:00" in detail and "Europe/Amsterdam (CEST)" in detail and "15:00" not in detail


def test_session_page_shows_speakers_venue_map_and_action_hook(client) -> None:
    room = RoomFactory(name="Lorentzzaal", venue__name="Kamerlingh Onnes Gebouw", venue__latitude=52.1567,
                       venue__longitude=4.4847)
    item = SessionFactory(title="Crossing borders", needs_booking=True)
    add_speaker(item, PersonFactory(name="Marie Curie", affiliation="Sorbonne"))
    SlotFactory(session=item, room=room)
    db.session.commit()
    publish_now()
    html = client.get(f"/programme/sessions/{item.id}").get_data(as_text=True)
    assert "Marie Curie" in html and "Sorbonne" in html
    assert f'Lorentzzaal, <a href="/venues/{room.venue.slug}">Kamerlingh Onnes Gebouw</a>' in html
    assert "https://www.openstreetmap.org/?mlat=52.1567&amp;mlon=4.4847" in html
    assert "Booking required: 0 of 100 seats booked." in html


def test_programme_filters_and_search(client) -> None:
    track = TrackFactory(slug="health", name="Health")
    a = SessionFactory(title="Vaccines for all", track=track, language="nl")
    add_speaker(a, PersonFactory(name="Grace Hopper"))
    SlotFactory(session=a, starts_at=at(14, "10:00"), ends_at=at(14, "11:00"))
    SlotFactory(session=SessionFactory(title="Quantum computing"), starts_at=at(14, "10:00"), ends_at=at(14, "11:00"))
    db.session.commit()
    publish_now()

    def titles(url: str) -> list[str]:
        return re.findall(r'<h3 class="title"><a href="[^"]+">([^<]+)</a>', client.get(url).get_data(as_text=True))

    assert titles("/programme/?day=2022-07-14") == ["Quantum computing", "Vaccines for all"]
    assert titles("/programme/?day=2022-07-13") == []
    assert titles("/programme/?day=2022-07-14&track=health") == ["Vaccines for all"]
    assert titles("/programme/?day=2022-07-14&language=nl") == ["Vaccines for all"]
    assert titles("/programme/?day=2022-07-14&format=keynote") == []
    assert titles("/programme/?q=hopper") == ["Vaccines for all"]
    assert titles("/programme/?q=QUANTUM") == ["Quantum computing"]


def test_changes_page_and_atom_feed_list_version_changes(client) -> None:
    slot = SlotFactory(session=SessionFactory(title="Keynote"), starts_at=at(13, "10:00"), ends_at=at(13, "11:00"))
    db.session.commit()
    publish_now()
    slot.starts_at, slot.ends_at = at(13, "11:00"), at(13, "12:00")
    db.session.commit()
    publish_now()
    html = client.get("/programme/changes").get_data(as_text=True)
    assert "Version 2" in html and "moved in time" in html and "Version 1" in html
    feed = client.get("/programme/changes.atom")
    assert feed.mimetype == "application/atom+xml"
    body = feed.get_data(as_text=True)
    assert body.count("<entry>") == 2 and "Keynote: moved in time" in body


def test_public_grid_places_sessions_in_room_columns(client) -> None:
    room = RoomFactory(name="Cleveringazaal")
    SlotFactory(session=SessionFactory(title="Grid item"), room=room,
                starts_at=at(15, "10:00"), ends_at=at(15, "11:30"))
    db.session.commit()
    publish_now()
    html = client.get("/programme/grid?day=2022-07-15").get_data(as_text=True)
    assert "Cleveringazaal" in html
    assert re.search(r'<td rowspan="6" class="grid-block">\s*'
                     r'<p class="grid-session"><a href="/programme/sessions/\d+">Grid item', html)


@pytest.mark.parametrize("url", ["/programme/?day=2022-07-13", "/programme/grid?day=2022-07-13",
                                 "/programme/?q=crossing", "/programme/changes"])
def test_public_page_query_count_does_not_grow_with_sessions(client, count_queries, url) -> None:
    def measure() -> int:
        publish_now(Role.ADMIN)  # the generated programme has clashes; an admin overrides
        db.session.expire_all()
        count_queries.reset()
        assert client.get(url).status_code == 200
        return count_queries.count

    build_realistic_programme(sessions=30, speakers=50, rooms=5, seed=1)
    db.session.commit()
    small = measure()
    build_realistic_programme(sessions=270, speakers=450, rooms=20, seed=2)
    db.session.commit()
    large = measure()
    assert db.session.scalar(sa.select(sa.func.count(ScheduleSlot.id))) == 300
    assert small == large
    assert large <= 8


def test_session_detail_query_count_is_constant(client, count_queries) -> None:
    build_realistic_programme(sessions=300, speakers=500, rooms=25)
    db.session.commit()
    publish_now(Role.ADMIN)
    db.session.expire_all()
    count_queries.reset()
    assert client.get("/programme/sessions/1").status_code == 200
    assert count_queries.count <= 5


# ------------------------------------------------------------------ organiser pages


ORGANISER_GETS = ["/programme/organiser/", "/programme/organiser/schedule", "/programme/organiser/sessions",
                  "/programme/organiser/people", "/programme/organiser/tracks", "/programme/organiser/conflicts",
                  "/programme/organiser/conflicts.json", "/programme/organiser/publish", "/organiser/venues/"]


@pytest.mark.parametrize("url", ORGANISER_GETS)
def test_organiser_pages_refuse_delegates(client, url) -> None:
    user = UserFactory(roles=[Role.DELEGATE])
    db.session.commit()
    assert client.get(url).status_code == 302  # anonymous: to the log-in page
    log_in(client, user.email)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", ["/programme/organiser/schedule/place", "/programme/organiser/publish",
                                 "/programme/organiser/sessions/new", "/organiser/venues/new",
                                 "/programme/organiser/tracks"])
def test_organiser_posts_refuse_delegates(client, url) -> None:
    user = UserFactory(roles=[Role.DELEGATE])
    db.session.commit()
    log_in(client, user.email)
    response = submit_form(client, url, {"title": "x", "name": "x"}, page="/account/")
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(ScheduleVersion.id))) == 0


@pytest.mark.parametrize("url", ORGANISER_GETS)
def test_organiser_pages_render(organiser_client, url) -> None:
    SlotFactory()
    SessionFactory(title="Waiting for a slot")
    db.session.commit()
    assert organiser_client.get(url).status_code == 200


def test_session_create_and_edit_flow(organiser_client) -> None:
    track, person = TrackFactory(name="Climate"), PersonFactory(name="Greta")
    db.session.commit()
    response = submit_form(organiser_client, "/programme/organiser/sessions/new", {
        "title": "Resilient societies", "abstract": "About resilience.", "format": "debate", "language": "en",
        "track": str(track.id), "speakers": [str(person.id)], "expected_audience": "120",
    })
    assert response.status_code == 302
    item = db.session.scalars(sa.select(ProgrammeSession)).one()
    assert (item.title, item.format, item.track_id, [p.name for p in item.speakers], item.expected_audience) == (
        "Resilient societies", "debate", track.id, ["Greta"], 120)


def test_grid_place_move_and_unschedule_without_javascript(organiser_client) -> None:
    item, room = SessionFactory(title="Movable"), RoomFactory()
    db.session.commit()
    grid = "/programme/organiser/schedule?day=2022-07-14"
    response = submit_form(organiser_client, "/programme/organiser/schedule/place", {
        "session_id": item.id, "room": room.id, "day": "2022-07-14", "starts": "10:00", "ends": "11:30",
        "back": grid}, page=grid)
    assert response.status_code == 302 and response.location == grid
    slot = db.session.scalars(sa.select(ScheduleSlot)).one()
    assert (slot.room_id, slot.starts_at, slot.ends_at) == (room.id, at(14, "10:00"), at(14, "11:30"))
    html = organiser_client.get(grid).get_data(as_text=True)
    assert f'id="card-{item.id}"' in html and 'rowspan="6"' in html
    card = html[html.index(f'id="card-{item.id}"'):]
    assert f'<option value="{room.id}" selected>' in card[:card.index("</article>")]

    response = submit_form(organiser_client, f"/programme/organiser/schedule/{item.id}/unschedule", {"back": grid},
                           page=grid)
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(ScheduleSlot.id))) == 0


@pytest.mark.parametrize(("fields", "message"), [
    ({"starts": "11:00", "ends": "10:00"}, "The end must be after the start."),
    ({"day": "2022-07-20"}, "conference days only"),
    ({"room": "99999"}, "This room does not exist."),
    ({"room": ""}, "Choose a room."),
])
def test_grid_place_bad_input_is_refused(organiser_client, fields, message) -> None:
    item, room = SessionFactory(), RoomFactory()
    db.session.commit()
    data = {"session_id": item.id, "room": room.id, "day": "2022-07-14", "starts": "10:00", "ends": "11:00", **fields}
    response = submit_form(organiser_client, "/programme/organiser/schedule/place", data,
                           page="/programme/organiser/schedule")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ScheduleSlot.id))) == 0


def test_grid_place_answers_json_for_the_script(organiser_client) -> None:
    item, room = SessionFactory(title="Dragged"), RoomFactory()
    db.session.commit()
    data = {"session_id": item.id, "room": room.id, "day": "2022-07-13", "starts": "09:00", "ends": "10:00"}
    response = submit_form(organiser_client, "/programme/organiser/schedule/place", data,
                           page="/programme/organiser/schedule", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "message": "“Dragged” placed.", "issues": 0}


def test_grid_shows_conflict_on_both_cards(organiser_client) -> None:
    a = SlotFactory(session=SessionFactory(title="First"), starts_at=at(13, "10:00"), ends_at=at(13, "11:00"))
    b = SlotFactory(session=SessionFactory(title="Second"), room=a.room,
                    starts_at=at(13, "10:30"), ends_at=at(13, "11:30"))
    db.session.commit()
    html = organiser_client.get("/programme/organiser/schedule?day=2022-07-13").get_data(as_text=True)
    for sid in (a.session_id, b.session_id):
        card = html[html.index(f'id="card-{sid}"'):]
        card = card[:card.index("</article>")]
        assert "Conflict:" in card and "is used twice at once" in card
    assert 'src="/static/js/schedule.js"' in html and "<script>" not in html


def test_conflicts_json(organiser_client) -> None:
    a = SlotFactory(starts_at=at(13, "10:00"), ends_at=at(13, "11:00"))
    b = SlotFactory(room=a.room, starts_at=at(13, "10:59"), ends_at=at(13, "12:00"))
    SlotFactory(room=a.room, starts_at=at(13, "12:00"), ends_at=at(13, "13:00"))  # back to back: fine
    db.session.commit()
    body = organiser_client.get("/programme/organiser/conflicts.json").get_json()
    assert (body["hard"], body["warnings"]) == (1, 0)
    assert body["issues"][0]["code"] == "room-double-booked"
    assert body["issues"][0]["session_ids"] == [a.session_id, b.session_id]


def test_publish_page_refuses_with_the_list_of_conflicts(organiser_client) -> None:
    a = SlotFactory(session=SessionFactory(title="Alpha"))
    SlotFactory(session=SessionFactory(title="Beta"), room=a.room)
    db.session.commit()
    response = submit_form(organiser_client, "/programme/organiser/publish", {"note": "v1", "override": "y"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Not published: the schedule has hard conflicts" in html and "“Alpha” / “Beta”" in html
    assert db.session.scalar(sa.select(sa.func.count(ScheduleVersion.id))) == 0


def test_publish_page_publishes_version(organiser_client) -> None:
    SlotFactory(session=SessionFactory(title="Alpha"))
    db.session.commit()
    response = submit_form(organiser_client, "/programme/organiser/publish", {"note": "First programme"})
    assert response.status_code == 302 and response.location == "/programme/changes"
    version = db.session.scalars(sa.select(ScheduleVersion)).one()
    changes = [e["changes"] for e in version.changelog]
    assert (version.number, version.note, changes) == (1, "First programme", [["new"]])


def test_admin_can_override_hard_conflicts(client) -> None:
    admin = UserFactory(roles=[Role.ADMIN])
    a = SlotFactory()
    SlotFactory(room=a.room)
    db.session.commit()
    log_in(client, admin.email)
    response = submit_form(client, "/programme/organiser/publish", {"note": "", "override": "y"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(ScheduleVersion.number)) == 1


def test_cancel_session_is_published_as_cancelled(organiser_client) -> None:
    slot = SlotFactory(session=SessionFactory(title="Called off"))
    db.session.commit()
    publish_now()
    page = f"/programme/organiser/sessions/{slot.session_id}"
    response = submit_form(organiser_client, f"{page}/status", {"status": "cancelled"}, page=page)
    assert response.status_code == 302
    assert db.session.get(ProgrammeSession, slot.session_id).status is SessionStatus.CANCELLED
    publish_now()
    html = organiser_client.get(f"/programme/sessions/{slot.session_id}").get_data(as_text=True)
    assert "This session is cancelled." in html
