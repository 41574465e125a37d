"""Feeds over HTTP: content, filters, caching headers, changes after publishing, agendas."""
from __future__ import annotations

import gzip

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from esof.bookings.models import Star
from esof.extensions import db
from esof.feeds import services as feeds
from esof.programme import services as programme
from esof.programme.models import SessionStatus
from tests.factories import UserFactory
from tests.feeds.conftest import Programme, at
from tests.feeds.parsers import parse_with_icaljs


def events_by_title(body: bytes) -> dict[str, dict]:
    return {event["summary"]: event for event in parse_with_icaljs(body)["events"]}


def test_programme_feed_lists_published_sessions_in_amsterdam_time(client: FlaskClient, published: Programme) -> None:
    response = client.get("/feeds/programme.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    events = events_by_title(response.data)
    assert set(events) == {"Opening ceremony", "Vaccines, trust & society", "Science communication workshop"}
    opening = events["Opening ceremony"]
    assert opening["start"] == "2022-07-13T07:00:00.000Z"  # 09:00 CEST
    assert opening["tzid"] == "Europe/Amsterdam"
    assert opening["uid"] == f"session-{published.opening.id}@esof2022.leiden"
    assert opening["location"] == "Nave, Pieterskerk, Kloksteeg 16, Leiden"
    assert opening["url"] == f"http://esof.test/programme/sessions/{published.opening.id}"
    assert "Welcome to ESOF, Leiden; 2022" in opening["description"]
    assert "<b>" not in opening["description"]
    panel = events["Vaccines, trust & society"]
    assert "Speakers: Ada Lovelace, Countess; of Lovelace" in panel["description"]
    assert panel["categories"] == ["Health", "Panel"]
    assert b"GEO:52.1565;4.4877" in response.data


def test_programme_feed_filters_and_names_itself(client: FlaskClient, published: Programme) -> None:
    track = client.get("/feeds/programme.ics?track=health")
    parsed = parse_with_icaljs(track.data)
    assert parsed["calendar"]["name"] == "ESOF 2022 — Health track"
    assert {e["summary"] for e in parsed["events"]} == {"Vaccines, trust & society", "Science communication workshop"}
    venue = parse_with_icaljs(client.get("/feeds/programme.ics?venue=pieterskerk").data)
    assert [e["summary"] for e in venue["events"]] == ["Opening ceremony"]
    assert venue["calendar"]["name"] == "ESOF 2022 — Pieterskerk"
    day = parse_with_icaljs(client.get("/feeds/programme.ics?day=2022-07-14").data)
    assert [e["summary"] for e in day["events"]] == ["Science communication workshop"]
    assert day["calendar"]["name"] == "ESOF 2022 — Thursday 14 July 2022"
    dutch = parse_with_icaljs(client.get("/feeds/programme.ics?day=2022-07-14&lang=nl").data)
    assert dutch["calendar"]["name"] == "ESOF 2022 — donderdag 14 juli 2022"


def test_programme_feed_rejects_unknown_and_malformed_filters(client: FlaskClient, published: Programme) -> None:
    # One policy with the API: 400 and a reason that names the value.
    unknown_track = client.get("/feeds/programme.ics?track=astrology")
    assert (unknown_track.status_code, "astrology" in unknown_track.get_data(as_text=True)) == (400, True)
    unknown_venue = client.get("/feeds/programme.ics?venue=nowhere")
    assert (unknown_venue.status_code, "nowhere" in unknown_venue.get_data(as_text=True)) == (400, True)
    bad_day = client.get("/feeds/programme.ics?day=13-07-2022")
    assert bad_day.status_code == 400
    assert "2022-07-13" in bad_day.get_data(as_text=True)
    assert client.get("/feeds/programme.ics?day=2022-07-20").status_code == 400  # not a conference day


def test_feed_answers_304_to_etag_and_last_modified_and_supports_head(client: FlaskClient,
                                                                      published: Programme) -> None:
    first = client.get("/feeds/programme.ics")
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    assert "max-age=300" in first.headers["Cache-Control"]
    again = client.get("/feeds/programme.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    since = client.get("/feeds/programme.ics", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    head = client.head("/feeds/programme.ics")
    assert head.status_code == 200
    assert head.headers["ETag"] == etag
    assert head.data == b""


def test_publish_that_moves_and_cancels_raises_sequence_and_keeps_cancelled(client: FlaskClient,
                                                                            published: Programme) -> None:
    first = client.get("/feeds/programme.ics")
    programme.schedule_session(item=published.health_panel, room_id=published.rooms["lorentz"],
                               starts_at=at(13, 14), ends_at=at(13, 15))
    programme.set_session_status(item=published.workshop, status=SessionStatus.CANCELLED)
    programme.publish_schedule(actor=published.organiser, note="Changes")
    db.session.commit()
    second = client.get("/feeds/programme.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    events = events_by_title(second.data)
    assert events["Vaccines, trust & society"]["sequence"] == 1
    assert events["Vaccines, trust & society"]["start"] == "2022-07-13T12:00:00.000Z"
    assert events["Science communication workshop"]["status"] == "CANCELLED"
    assert events["Science communication workshop"]["sequence"] == 1
    assert events["Opening ceremony"]["sequence"] == 0
    assert events["Opening ceremony"]["status"] == "CONFIRMED"


def test_single_session_is_a_download_not_a_subscription(client: FlaskClient, published: Programme) -> None:
    response = client.get(f"/programme/sessions/{published.opening.id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    [event] = parse_with_icaljs(response.data)["events"]
    assert event["summary"] == "Opening ceremony"
    assert client.get("/programme/sessions/999999.ics").status_code == 404


def test_agenda_feed_has_starred_sessions_and_unknown_or_revoked_tokens_are_404(
    app: Flask, client: FlaskClient, published: Programme
) -> None:
    delegate = UserFactory(email="delegate@example.org")
    db.session.add(Star(user_id=delegate.id, session_id=published.health_panel.id))
    token = feeds.agenda_token(delegate)
    db.session.commit()
    response = client.get(f"/feeds/agenda/{token}.ics")
    assert response.status_code == 200
    assert "private" in response.headers["Cache-Control"]
    assert [e["summary"] for e in parse_with_icaljs(response.data)["events"]] == ["Vaccines, trust & society"]
    assert client.get("/feeds/agenda/not-a-real-token.ics").status_code == 404
    new_token = feeds.regenerate_agenda_token(delegate)
    db.session.commit()
    assert new_token != token
    assert client.get(f"/feeds/agenda/{token}.ics").status_code == 404
    assert client.get(f"/feeds/agenda/{new_token}.ics").status_code == 200
    stored = db.session.scalars(sa.text("SELECT token_hash FROM feed_token")).all()
    assert token not in stored and new_token not in stored


def test_agenda_token_is_shown_again_unchanged(app: Flask, published: Programme) -> None:
    delegate = UserFactory()
    first = feeds.agenda_token(delegate)
    db.session.commit()
    assert feeds.agenda_token(delegate) == first


def test_feed_query_count_does_not_grow_with_sessions(client: FlaskClient, published: Programme, count_queries) -> None:
    client.get("/feeds/programme.ics?lang=en&track=health")  # warm the app, not the cache key below
    count_queries.reset()
    client.get("/feeds/programme.ics?lang=en")
    small = count_queries.count
    from esof.venues import services as venues
    from esof.venues.models import Venue

    floor = venues.save_room(venue=db.session.scalars(sa.select(Venue)).first(), name="Exhibition floor",
                             capacity=2000, allows_parallel=True)
    for n in range(30):
        item = programme.save_session(title=f"Poster {n}", format="poster")
        programme.schedule_session(item=item, room_id=floor.id, starts_at=at(15, 10), ends_at=at(15, 11))
    programme.publish_schedule(actor=published.organiser)
    db.session.commit()
    count_queries.reset()
    body = client.get("/feeds/programme.ics?lang=en").data
    assert body.count(b"BEGIN:VEVENT") == 33
    assert count_queries.count <= small


def test_cached_feed_is_served_without_rendering_again(client: FlaskClient, published: Programme,
                                                       count_queries) -> None:
    client.get("/feeds/programme.ics")
    count_queries.reset()
    client.get("/feeds/programme.ics")
    # The change token comes from a file (tests run without Redis): nothing from the database.
    assert count_queries.count == 0


def test_feeds_are_gzipped_for_clients_that_accept_it(client: FlaskClient, published: Programme) -> None:
    plain = client.get("/feeds/programme.ics")
    packed = client.get("/feeds/programme.ics", headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert plain.headers["Vary"] == packed.headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 2
    assert packed.headers["ETag"] != plain.headers["ETag"]  # two representations, two strong tags
    for etag in (plain.headers["ETag"], packed.headers["ETag"]):
        again = client.get("/feeds/programme.ics", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
