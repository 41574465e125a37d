"""/api/v1/speakers: the speakers of the latest published version, as documented (the schemas
of esof/api/openapi.py), searchable, paged like every list, in a fixed number of queries."""
from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from esof.extensions import db
from esof.programme import services as programme_services
from tests.api.factories import Programme
from tests.api.test_openapi import assert_valid, response_schema
from tests.speakers.factories import publish_presenters


def get_json(client: FlaskClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/json"
    return response.get_json()


def ids(programme: Programme) -> tuple[int, int]:
    ada, hendrik = (link.person_id for link in programme.panel.speaker_links)
    return ada, hendrik


def test_the_list_has_each_published_speaker_with_their_sessions(client: FlaskClient, programme: Programme) -> None:
    ada, hendrik = ids(programme)
    body = get_json(client, "/api/v1/speakers")
    assert (body["total"], body["next"]) == (2, None)
    assert body["items"] == [
        {"id": ada, "name": "Ada Lovelace", "affiliation": "Analytical Engine Society", "bio": "", "photo_url": None,
         "sessions": [programme.panel.id], "url": f"http://esof.test/programme/speakers/{ada}"},
        {"id": hendrik, "name": "Hendrik Lorentz", "affiliation": "Leiden University", "bio": "", "photo_url": None,
         "sessions": [programme.panel.id], "url": f"http://esof.test/programme/speakers/{hendrik}"},
    ]


def test_bio_and_photo_are_live_and_name_and_affiliation_as_published(client: FlaskClient,
                                                                      programme: Programme) -> None:
    ada_id, _hendrik = ids(programme)
    ada = programme.panel.speaker_links[0].person
    programme_services.save_person(person=ada, name="Augusta Ada King", affiliation=ada.affiliation,
                                   bio="Countess of Lovelace.")
    ada.photo_url = "https://images.example.org/ada.jpg"
    db.session.commit()

    item = get_json(client, f"/api/v1/speakers/{ada_id}")
    assert (item["name"], item["bio"], item["photo_url"]) == (
        "Ada Lovelace", "Countess of Lovelace.", "https://images.example.org/ada.jpg")


@pytest.mark.parametrize(("q", "names"), [
    ("lorentz", ["Hendrik Lorentz"]), ("ENGINE", ["Ada Lovelace"]), ("university", ["Hendrik Lorentz"]),
    ("nobody", []), ("", ["Ada Lovelace", "Hendrik Lorentz"]),
])
def test_q_matches_name_or_affiliation(client: FlaskClient, programme: Programme, q: str, names: list[str]) -> None:
    body = get_json(client, f"/api/v1/speakers?q={q}")
    assert [item["name"] for item in body["items"]] == names
    assert body["total"] == len(names)


def test_pages_follow_with_next_keeping_the_search(client: FlaskClient, programme: Programme) -> None:
    first = get_json(client, "/api/v1/speakers?q=e&per_page=1")
    assert [item["name"] for item in first["items"]] == ["Ada Lovelace"]
    assert first["next"] == "http://esof.test/api/v1/speakers?q=e&page=2&per_page=1"
    second = get_json(client, first["next"].removeprefix("http://esof.test"))
    assert ([item["name"] for item in second["items"]], second["next"]) == (["Hendrik Lorentz"], None)


@pytest.mark.parametrize("url", ["/api/v1/speakers?page=0", "/api/v1/speakers?per_page=101",
                                 "/api/v1/speakers?q=" + "x" * 201, "/api/v1/speakers?q=a%00b",
                                 "/api/v1/speakers?q=a&q=b"])
def test_bad_parameters_are_refused_with_a_reason(client: FlaskClient, programme: Programme, url: str) -> None:
    body = get_json(client, url, status=400)
    assert body["status"] == 400 and body["reason"]


def test_a_speaker_without_a_published_session_is_not_found(client: FlaskClient, programme: Programme) -> None:
    unpublished = programme_services.save_person(name="Not Yet Published").id
    db.session.commit()
    body = get_json(client, f"/api/v1/speakers/{unpublished}", status=404)
    assert body["reason"] == "This speaker is not in the published programme."
    get_json(client, "/api/v1/speakers/999999", status=404)


def test_before_any_publication_the_list_is_empty(client: FlaskClient, app) -> None:
    assert get_json(client, "/api/v1/speakers") == {"items": [], "total": 0, "next": None}


def test_responses_validate_against_the_documented_schemas(client: FlaskClient, programme: Programme) -> None:
    ada, _hendrik = ids(programme)
    for path, url, status in [
        ("/speakers", "/api/v1/speakers", "200"),
        ("/speakers", "/api/v1/speakers?per_page=1&q=a", "200"),
        ("/speakers", "/api/v1/speakers?page=x", "400"),
        ("/speakers/{speaker_id}", f"/api/v1/speakers/{ada}", "200"),
        ("/speakers/{speaker_id}", "/api/v1/speakers/999", "404"),
    ]:
        response = client.get(url)
        assert str(response.status_code) == status, url
        assert_valid(response.get_json(), response_schema(path, status))


def count_for(client: FlaskClient, count_queries, url: str) -> int:
    client.get(url)
    count_queries.reset()
    body = client.get(url).get_json()
    assert body["items"]
    return count_queries.count


def test_the_list_costs_the_same_queries_for_30_and_300_speakers(app, client: FlaskClient, count_queries) -> None:
    publish_presenters(30)
    few = count_for(client, count_queries, "/api/v1/speakers?per_page=100")
    publish_presenters(270, first=30)
    many = count_for(client, count_queries, "/api/v1/speakers?per_page=100")
    body = client.get("/api/v1/speakers?per_page=100&page=3").get_json()
    assert (body["total"], len(body["items"]), body["items"][-1]["name"], body["next"]) == (
        300, 100, "Presenter 299", None)
    assert many == few == 4  # version, count, speakers, their sessions
