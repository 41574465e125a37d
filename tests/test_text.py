"""Slugs for URLs and filters (esof/text.py): one slugify, one unique_slug for every area."""
from __future__ import annotations

import pytest
from flask import Flask

from esof.extensions import db
from esof.text import MAX_SLUG_LENGTH, slugify, unique_slug
from esof.venues.models import Venue
from tests.venues.factories import VenueFactory


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Société Française de Physique", "societe-francaise-de-physique"),
        ("Universität Leiden — Hortus", "universitat-leiden-hortus"),
        ("  Rijksmuseum Boerhaave!  ", "rijksmuseum-boerhaave"),
        ("Café 't Keerpunt", "cafe-t-keerpunt"),
        ("ESOF 2022", "esof-2022"),
    ],
)
def test_slugify_folds_accents_and_joins_words_with_one_hyphen(text: str, slug: str) -> None:
    assert slugify(text) == slug


@pytest.mark.parametrize("text", ["", "   ", "!!!", "日本語"])
def test_slugify_without_ascii_letters_gives_the_fallback(text: str) -> None:
    assert slugify(text) == "item"
    assert slugify(text, fallback="partner") == "partner"


def test_slugify_caps_the_length() -> None:
    assert slugify("a" * 200) == "a" * MAX_SLUG_LENGTH
    assert len(slugify("Société Française de Physique " * 10)) == MAX_SLUG_LENGTH


def test_slugify_cut_at_a_word_break_leaves_no_trailing_hyphen() -> None:
    assert slugify("b" * (MAX_SLUG_LENGTH - 1) + " c") == "b" * (MAX_SLUG_LENGTH - 1)


def test_unique_slug_suffix_after_a_cut_has_one_hyphen(app: Flask) -> None:
    name = "b" * (MAX_SLUG_LENGTH - 3) + " cc"  # the suffix's cut falls on the hyphen before "cc"
    VenueFactory(name=name, slug=slugify(name))
    assert unique_slug(Venue.slug, name) == "b" * (MAX_SLUG_LENGTH - 3) + "-2"


def test_unique_slug_of_a_free_name_is_its_slug(app: Flask) -> None:
    assert unique_slug(Venue.slug, "Hortus botanicus") == "hortus-botanicus"


def test_unique_slug_adds_the_next_free_suffix(app: Flask) -> None:
    VenueFactory(name="Hortus", slug="hortus")
    assert unique_slug(Venue.slug, "Hortus") == "hortus-2"
    VenueFactory(name="Hortus 2", slug="hortus-2")
    assert unique_slug(Venue.slug, "Hortus") == "hortus-3"


def test_unique_slug_falls_back_and_numbers_the_fallback(app: Flask) -> None:
    VenueFactory(name="Zaal", slug="venue")
    assert unique_slug(Venue.slug, "???", fallback="venue") == "venue-2"


def test_unique_slug_with_suffix_stays_within_the_length_cap(app: Flask) -> None:
    long_name = "x" * 200
    VenueFactory(name="Long", slug="x" * MAX_SLUG_LENGTH)
    slug = unique_slug(Venue.slug, long_name)
    assert slug == "x" * (MAX_SLUG_LENGTH - 2) + "-2"
    assert len(slug) == MAX_SLUG_LENGTH


def test_unique_slug_other_than_lets_a_row_keep_its_own_slug(app: Flask) -> None:
    venue = VenueFactory(name="Hortus", slug="hortus")
    db.session.flush()
    assert unique_slug(Venue.slug, "Hortus", other_than=Venue.id != venue.id) == "hortus"
    other = VenueFactory(name="Pieterskerk", slug="pieterskerk")
    db.session.flush()
    assert unique_slug(Venue.slug, "Hortus", other_than=Venue.id != other.id) == "hortus-2"
