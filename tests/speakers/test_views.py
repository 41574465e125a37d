"""/speaker/: the role is required, each speaker sees and changes only their own rows (another's
id is a 404), and organisers see the answers on the session form and in the session list."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from esof.accounts.models import Role
from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.programme.models import Participation, Person, PersonAvailability, SessionSpeaker
from tests.factories import UserFactory
from tests.programme.factories import at, publish_now
from tests.speakers.factories import placed_session, speaker_account
from tests.support import IsolatedClient, csrf_token_from, log_in
from tests.venues.factories import RoomFactory, VenueFactory


@pytest.fixture(autouse=True)
def isolated_requests(app: Flask) -> None:
    app.test_client_class = IsolatedClient


@pytest.fixture
def world(app):
    ada_user, ada = speaker_account("speaker1@example.org", "Ada Lovelace")
    _grace_user, grace = speaker_account("speaker2@example.org", "Grace Hopper")
    room = RoomFactory(name="Lorentzzaal", venue=VenueFactory(name="Kamerlingh Onnes Gebouw"))
    ours = placed_session(ada, title="Computing for everyone", title_nl="Rekenen voor iedereen", room=room)
    theirs = placed_session(grace, title="Compilers", hhmm="14:00")
    window = PersonAvailability(person=grace, starts_at=at(13, "13:00"), ends_at=at(13, "18:00"))
    db.session.add(window)
    UserFactory(email="organiser@example.org", roles=[Role.ORGANISER])
    db.session.commit()
    return {"ada": ada, "grace": grace, "ours": ours, "theirs": theirs, "window": window, "ada_user": ada_user}


def speaker_client(app: Flask, email: str = "speaker1@example.org"):
    client = app.test_client()
    log_in(client, email)
    return client


def post(client, url: str, data: dict, page: str = "/speaker/"):
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def test_anonymous_visitors_are_sent_to_log_in(app, world) -> None:
    response = app.test_client().get("/speaker/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")


def test_a_delegate_without_the_role_or_a_profile_is_refused(app, world) -> None:
    UserFactory(email="delegate@example.org")
    db.session.commit()
    assert speaker_client(app, "delegate@example.org").get("/speaker/").status_code == 403


def test_an_account_linked_to_a_person_is_a_speaker_without_the_role(app, world) -> None:
    user = UserFactory(email="linked@example.org")
    db.session.add(Person(name="Linked Person", user_id=user.id))
    db.session.commit()
    response = speaker_client(app, "linked@example.org").get("/speaker/")
    assert response.status_code == 200
    assert "You are not a speaker of any session yet." in response.get_data(as_text=True)


def test_a_speaker_role_without_a_profile_gets_an_explanation(app, world) -> None:
    UserFactory(email="new-speaker@example.org", roles=[Role.SPEAKER])
    db.session.commit()
    html = speaker_client(app, "new-speaker@example.org").get("/speaker/").get_data(as_text=True)
    assert "Your account is not linked to a speaker profile yet." in html


def test_before_publication_a_session_is_not_scheduled_yet(app, world) -> None:
    html = speaker_client(app).get("/speaker/").get_data(as_text=True)
    assert "Computing for everyone" in html
    assert "Not scheduled yet" in html
    assert "Compilers" not in html  # Grace's session
    assert "Lorentzzaal" not in html  # the draft room is not shown before publication
    assert "Not answered yet" in html


def test_after_publication_the_session_shows_room_and_time_in_the_speakers_language(app, world) -> None:
    publish_now()
    client = speaker_client(app)
    html = client.get("/speaker/").get_data(as_text=True)
    assert "Wednesday 13 July 2022, 10:00 CEST</time>–<time" in html
    assert "Lorentzzaal, Kamerlingh Onnes Gebouw" in html
    assert "Not scheduled yet" not in html
    assert f'href="/programme/speakers/{world["ada"].id}"' in html

    dutch = client.get("/speaker/", headers={"Accept-Language": "nl"})  # the account's language wins: en
    assert "Computing for everyone" in dutch.get_data(as_text=True)


def test_confirming_participation_stores_it(app, world) -> None:
    client = speaker_client(app)
    response = post(client, f"/speaker/sessions/{world['ours'].id}/participation", {"answer": "confirmed"})
    assert response.status_code == 302
    link = db.session.get(SessionSpeaker, (world["ours"].id, world["ada"].id))
    assert link.participation == Participation.CONFIRMED
    assert "You take part" in client.get("/speaker/").get_data(as_text=True)


def test_declining_mails_the_organisers_and_shows_on_their_pages(app, world) -> None:
    response = post(speaker_client(app), f"/speaker/sessions/{world['ours'].id}/participation",
                    {"answer": "declined"})
    assert response.status_code == 302
    assert db.session.scalars(sa.select(OutboxMessage.to_address)).all() == ["organiser@example.org"]

    organiser = speaker_client(app, "organiser@example.org")
    form = organiser.get(f"/programme/organiser/sessions/{world['ours'].id}").get_data(as_text=True)
    assert "A speaker declined to take part: Ada Lovelace." in form
    assert '<strong class="badge badge-danger">declined</strong>' in form
    listing = organiser.get("/programme/organiser/sessions").get_data(as_text=True)
    assert '<strong class="badge badge-danger">1 declined</strong>' in listing
    assert '<span class="badge badge-warn">1 not answered</span>' in listing  # Grace's session


def test_answering_for_another_speakers_session_is_not_found(app, world) -> None:
    response = post(speaker_client(app), f"/speaker/sessions/{world['theirs'].id}/participation",
                    {"answer": "declined"})
    assert response.status_code == 404
    link = db.session.get(SessionSpeaker, (world["theirs"].id, world["grace"].id))
    assert link.participation == Participation.PENDING
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_an_answer_without_a_valid_value_is_a_bad_request(app, world) -> None:
    response = post(speaker_client(app), f"/speaker/sessions/{world['ours'].id}/participation", {"answer": "maybe"})
    assert response.status_code == 400


def test_profile_is_saved_and_the_photo_must_be_https(app, world) -> None:
    client = speaker_client(app)
    ada_id = world["ada"].id
    refused = post(client, f"/speaker/profile/{ada_id}", {"affiliation": "Royal Society", "bio": "Hi",
                                                          "photo_url": "http://example.org/ada.jpg"})
    assert refused.status_code == 422
    assert "Enter a photo address starting with https://" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert (db.session.get(Person, ada_id).affiliation, db.session.get(Person, ada_id).photo_url) == (
        "Leiden University", "")

    saved = post(client, f"/speaker/profile/{ada_id}", {"affiliation": "Royal Society", "bio": "Hi",
                                                        "photo_url": "https://example.org/ada.jpg"})
    assert saved.status_code == 302
    db.session.expire_all()
    ada = db.session.get(Person, ada_id)
    assert (ada.affiliation, ada.bio, ada.photo_url, ada.name) == (
        "Royal Society", "Hi", "https://example.org/ada.jpg", "Ada Lovelace")


def test_editing_another_speakers_profile_is_not_found(app, world) -> None:
    grace_id = world["grace"].id
    response = post(speaker_client(app), f"/speaker/profile/{grace_id}", {"affiliation": "Hacked"})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Person, grace_id).affiliation == "Leiden University"


def test_availability_is_added_and_removed_from_the_speaker_page(app, world) -> None:
    client = speaker_client(app)
    ada_id = world["ada"].id
    response = post(client, f"/speaker/profile/{ada_id}/availability",
                    {"window-day": "2022-07-15", "window-starts": "09:30", "window-ends": "12:00"})
    assert response.status_code == 302
    (window,) = db.session.scalars(sa.select(PersonAvailability).where(PersonAvailability.person_id == ada_id))
    assert (window.starts_at, window.ends_at) == (at(15, "09:30"), at(15, "12:00"))
    assert "15 Jul 2022, 09:30 CEST" in client.get("/speaker/").get_data(as_text=True)

    assert post(client, f"/speaker/availability/{window.id}/delete", {}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(PersonAvailability.id))
                             .where(PersonAvailability.person_id == ada_id)) == 0


def test_availability_that_ends_before_it_starts_is_shown_as_an_error(app, world) -> None:
    response = post(speaker_client(app), f"/speaker/profile/{world['ada'].id}/availability",
                    {"window-day": "2022-07-15", "window-starts": "12:00", "window-ends": "09:00"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(PersonAvailability.id))) == 1  # Grace's only


def test_removing_another_speakers_availability_is_not_found(app, world) -> None:
    response = post(speaker_client(app), f"/speaker/availability/{world['window'].id}/delete", {})
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(PersonAvailability.id))) == 1


def test_adding_availability_for_another_person_is_not_found(app, world) -> None:
    response = post(speaker_client(app), f"/speaker/profile/{world['grace'].id}/availability",
                    {"window-day": "2022-07-15", "window-starts": "09:30", "window-ends": "12:00"})
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(PersonAvailability.id))) == 1


def test_the_speaker_page_in_dutch(app, world) -> None:
    UserFactory(email="piet@example.org", language="nl", roles=[Role.SPEAKER])
    db.session.commit()
    html = speaker_client(app, "piet@example.org").get("/speaker/").get_data(as_text=True)
    assert "<h1>Je sprekerspagina</h1>" in html
