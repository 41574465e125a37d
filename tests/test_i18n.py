"""Every UI string has Dutch, and a Dutch visitor gets Dutch words and Dutch dates."""
from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from esof import i18n_catalogues
from esof.extensions import db
from tests.factories import UserFactory
from tests.support import IsolatedClient, log_in


@pytest.fixture(autouse=True)
def isolated_requests(app: Flask) -> None:
    """Each request in its own context, so one request's locale is not cached for the next."""
    app.test_client_class = IsolatedClient


AREAS = i18n_catalogues.all_areas()


@pytest.mark.parametrize("area", AREAS, ids=[area or "core" for area in AREAS])
def test_every_string_has_dutch(area: str | None) -> None:
    assert i18n_catalogues.missing(area) == []


def test_every_source_file_belongs_to_one_catalogue() -> None:
    """No template or module escapes the check above: each is extracted for exactly one
    catalogue (the core or one area), whatever its kind (.html, .txt mail, .atom feed)."""
    package = i18n_catalogues.PACKAGE
    owners: dict[str, list[str]] = {}
    for area in AREAS:
        for path, _method in i18n_catalogues.sources(area):
            owners.setdefault(str(path.relative_to(package)), []).append(area or "core")
    files = list(package.rglob("*.py")) + [p for p in i18n_catalogues.TEMPLATES.rglob("*") if p.is_file()]
    expected = {str(p.relative_to(package)) for p in files if "__pycache__" not in p.parts}

    assert {name: found for name, found in owners.items() if len(found) != 1} == {}
    assert sorted(expected - set(owners)) == []


def test_home_page_in_dutch_for_dutch_browser(client: FlaskClient) -> None:
    html = client.get("/", headers={"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.5"}).get_data(as_text=True)

    assert '<html lang="nl">' in html
    assert "<title>Start · ESOF 2022</title>" in html
    assert "ESOF is de grootste interdisciplinaire wetenschapsconferentie van Europa." in html
    assert '<time datetime="2022-07-13T07:00:00+00:00">woensdag 13 juli 2022, 09:00 CEST</time>' in html
    assert '<time datetime="2022-07-16T15:00:00+00:00">zaterdag 16 juli 2022, 17:00 CEST</time>' in html
    assert "Alle conferentietijden zijn lokale tijden in Leiden (Europe/Amsterdam (CEST))." in html


def test_home_page_in_english_by_default(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)

    assert '<html lang="en">' in html
    assert '<time datetime="2022-07-13T07:00:00+00:00">Wednesday 13 July 2022, 09:00 CEST</time>' in html


def test_unsupported_browser_language_falls_back_to_english(client: FlaskClient) -> None:
    html = client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(as_text=True)

    assert '<html lang="en">' in html


def test_users_language_wins_over_browser(app: Flask) -> None:
    UserFactory(email="piet@example.org", language="nl")
    db.session.commit()
    client = app.test_client()
    log_in(client, "piet@example.org")

    html = client.get("/account/", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert '<html lang="nl">' in html
    assert "<h1>Je account</h1>" in html


def test_account_messages_in_dutch(client: FlaskClient) -> None:
    html = client.get("/account/login", headers={"Accept-Language": "nl"}).get_data(as_text=True)

    assert "<h1>Inloggen</h1>" in html
    assert '<label for="email">E-mailadres</label>' in html
    assert '<label for="remember">Ingelogd blijven op dit apparaat</label>' in html
    assert "Wachtwoord vergeten?" in html


def test_every_text_has_one_dutch_translation_across_the_catalogues() -> None:
    """Flask-Babel merges all catalogues into one, the last one winning: a msgid translated
    differently by two areas would change the words on pages of the other area."""
    translations: dict[str, dict[str, str]] = {}
    for area in AREAS:
        for message in i18n_catalogues.read_catalogue(area):
            if isinstance(message.id, str) and message.id and message.string:
                translations.setdefault(message.id, {})[area or "core"] = message.string

    disagreements = {msgid: by_area for msgid, by_area in translations.items() if len(set(by_area.values())) > 1}
    assert disagreements == {}


def test_dutch_addresses_the_reader_as_je_everywhere() -> None:
    """One voice: the site says "je", never the formal "u", on every page and in every mail."""
    formal = re.compile(r"\b(u|uw|U|Uw)\b")
    found = [
        (area or "core", message.id) for area in AREAS for message in i18n_catalogues.read_catalogue(area)
        if message.id and any(formal.search(text) for text in (
            [message.string] if isinstance(message.string, str) else list(message.string or ())))
    ]
    assert found == []
