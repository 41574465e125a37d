"""The public speaker pages: the speakers of the latest published version (name and affiliation
as published; bio and photo live from the speaker's profile), searchable, alphabetical, with
their published sessions; sessions link their speakers; a fixed number of queries."""
from __future__ import annotations

import pytest
from flask import Flask

from esof.extensions import db
from esof.programme import services
from esof.programme.models import SessionStatus
from tests.programme.factories import PersonFactory, SessionFactory, SlotFactory, add_speaker, at, publish_now
from tests.speakers.factories import publish_presenters
from tests.support import IsolatedClient
from tests.venues.factories import RoomFactory, VenueFactory


@pytest.fixture(autouse=True)
def isolated_requests(app: Flask) -> None:
    app.test_client_class = IsolatedClient


@pytest.fixture
def speakers(app):
    room = RoomFactory(name="Lorentzzaal", venue=VenueFactory(name="Kamerlingh Onnes Gebouw"))
    ada = PersonFactory(name="Ada Lovelace", affiliation="Analytical Engines", bio="Poet of numbers.",
                        photo_url="https://images.example.org/ada.jpg")
    hendrik = PersonFactory(name="Hendrik Lorentz", affiliation="Leiden University")
    emmy = PersonFactory(name="Émilie du Châtelet", affiliation="Académie")
    gone = PersonFactory(name="Cancelled Speaker", affiliation="Nowhere")
    draft_only = PersonFactory(name="Draft Only", affiliation="Unpublished")
    panel = SessionFactory(title="Light and matter", title_nl="Licht en materie")
    add_speaker(panel, ada, 0)
    add_speaker(panel, hendrik, 1)
    SlotFactory(session=panel, room=room, starts_at=at(13, "10:00"), ends_at=at(13, "11:00"))
    talk = SessionFactory(title="Engines of thought")
    add_speaker(talk, ada)
    SlotFactory(session=talk, room=room, starts_at=at(14, "09:00"), ends_at=at(14, "10:00"))
    energy = SessionFactory(title="Energy")
    add_speaker(energy, emmy)
    SlotFactory(session=energy, room=room, starts_at=at(15, "09:00"), ends_at=at(15, "10:00"))
    dropped = SessionFactory(title="Dropped session")
    add_speaker(dropped, gone)
    SlotFactory(session=dropped, room=room, starts_at=at(16, "09:00"), ends_at=at(16, "10:00"))
    db.session.commit()
    publish_now()
    services.set_session_status(item=dropped, status=SessionStatus.CANCELLED)
    db.session.commit()
    publish_now()  # version 2 keeps the dropped session, cancelled
    unpublished = SessionFactory(title="Not yet")
    add_speaker(unpublished, draft_only)
    SlotFactory(session=unpublished, room=room, starts_at=at(16, "11:00"), ends_at=at(16, "12:00"))
    db.session.commit()
    return {"ada": ada, "hendrik": hendrik, "emmy": emmy, "gone": gone, "draft_only": draft_only,
            "panel": panel, "talk": talk}


def page(client, url: str, status: int = 200, **headers: str) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def test_the_index_lists_published_speakers_alphabetically_with_affiliations(client, speakers) -> None:
    html = page(client, "/programme/speakers/")
    positions = [html.index(name) for name in ("Ada Lovelace", "Hendrik Lorentz", "Émilie du Châtelet")]
    assert positions == sorted(positions)
    assert f'<a href="/programme/speakers/{speakers["ada"].id}">Ada Lovelace</a><span class="note">, ' \
           "Analytical Engines</span>" in html
    assert "(3 speakers)" in html
    assert '<h3 id="letter-1">A</h3>' in html and '<h3 id="letter-3">É</h3>' in html
    assert "Draft Only" not in html  # only in the draft
    assert "Cancelled Speaker" not in html  # their only session is cancelled


@pytest.mark.parametrize(("q", "expected"), [
    ("lovelace", ["Ada Lovelace"]), ("LEIDEN", ["Hendrik Lorentz"]), ("acad", ["Émilie du Châtelet"]),
    ("nobody", []), ("unpublished", []),
])
def test_the_index_searches_name_and_affiliation(client, speakers, q: str, expected: list[str]) -> None:
    html = page(client, f"/programme/speakers/?q={q}")
    found = [name for name in ("Ada Lovelace", "Hendrik Lorentz", "Émilie du Châtelet", "Draft Only")
             if f">{name}</a>" in html]
    assert found == expected
    if not expected:
        assert "No speakers match this search." in html


def test_the_index_before_any_publication(client, app) -> None:
    html = page(client, "/programme/speakers/")
    assert "The programme has not been published yet." in html


def test_the_detail_shows_published_name_live_bio_and_photo_and_sessions(client, speakers) -> None:
    html = page(client, f"/programme/speakers/{speakers['ada'].id}")
    assert "<h1>Ada Lovelace</h1>" in html
    assert '<p class="speaker-affiliation">Analytical Engines</p>' in html
    assert "<p>Poet of numbers.</p>" in html
    assert 'src="https://images.example.org/ada.jpg"' in html
    assert html.index("Light and matter") < html.index("Engines of thought")  # by start time
    assert "Wednesday 13 July 2022" in html and "Thursday 14 July 2022" in html


def test_the_detail_shows_session_titles_in_the_visitors_language(client, speakers) -> None:
    html = page(client, f"/programme/speakers/{speakers['ada'].id}", **{"Accept-Language": "nl"})
    assert "Licht en materie" in html
    assert "woensdag 13 juli 2022" in html


def test_an_unpublished_change_of_name_or_affiliation_does_not_show_but_bio_and_photo_are_live(
    client, speakers
) -> None:
    ada = speakers["ada"]
    services.save_person(person=ada, name="Augusta Ada King", affiliation="Royal Society", bio="Countess.")
    ada.photo_url = "https://images.example.org/ada-2.jpg"
    db.session.commit()

    html = page(client, f"/programme/speakers/{ada.id}")
    assert "<h1>Ada Lovelace</h1>" in html and "Analytical Engines" in html
    assert "Augusta" not in html and "Royal Society" not in html
    assert "<p>Countess.</p>" in html and "ada-2.jpg" in html
    assert "Royal Society" not in page(client, "/programme/speakers/?q=royal")

    publish_now()
    html = page(client, f"/programme/speakers/{ada.id}")
    assert "<h1>Augusta Ada King</h1>" in html and "Royal Society" in html


@pytest.mark.parametrize("who", ["draft_only", "gone"])
def test_a_person_without_a_published_session_that_is_not_cancelled_has_no_page(client, speakers, who) -> None:
    page(client, f"/programme/speakers/{speakers[who].id}", status=404)


def test_an_unknown_speaker_is_not_found(client, speakers) -> None:
    page(client, "/programme/speakers/999999", status=404)


def test_sessions_link_their_speakers(client, speakers) -> None:
    ada, hendrik, panel = speakers["ada"], speakers["hendrik"], speakers["panel"]
    detail = page(client, f"/programme/sessions/{panel.id}")
    assert f'<a href="/programme/speakers/{ada.id}">Ada Lovelace</a>' in detail
    assert f'<a href="/programme/speakers/{hendrik.id}">Hendrik Lorentz</a>' in detail
    listing = page(client, "/programme/?day=2022-07-13")
    assert (f'<a href="/programme/speakers/{ada.id}">Ada Lovelace</a>, '
            f'<a href="/programme/speakers/{hendrik.id}">Hendrik Lorentz</a>') in listing


def test_a_cancelled_sessions_speakers_are_not_linked(client, speakers) -> None:
    html = page(client, "/programme/?day=2022-07-16")
    assert "Cancelled Speaker" in html
    assert f'/programme/speakers/{speakers["gone"].id}"' not in html


def test_the_public_navigation_links_the_speakers(client, speakers) -> None:
    assert '<a href="/programme/speakers/">Speakers</a>' in page(client, "/programme/")
    assert '<a href="/programme/speakers/" aria-current="page">Speakers</a>' in page(client, "/programme/speakers/")


def queries_for(client, count_queries, url: str) -> int:
    client.get(url)  # warm: the first request loads what every request shares
    count_queries.reset()
    assert client.get(url).status_code == 200
    return count_queries.count


def test_the_speakers_index_costs_the_same_queries_for_30_and_300_speakers(app, count_queries) -> None:
    client = app.test_client()
    publish_presenters(30)
    few = queries_for(client, count_queries, "/programme/speakers/")
    publish_presenters(270, first=30)
    many = queries_for(client, count_queries, "/programme/speakers/")
    html = client.get("/programme/speakers/?page=3").get_data(as_text=True)
    assert "Page 3 of 3" in html and "Presenter 299" in html
    assert many == few == 3  # version, count, speakers
