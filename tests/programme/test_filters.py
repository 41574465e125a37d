"""One reading of the programme's filters, one policy for a value that cannot be used: the API
and the feed answer 400 with the reason, the page shows the reason and drops that filter."""
from __future__ import annotations

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from esof.extensions import db
from esof.programme.filters import InvalidFilter, ProgrammeFilters
from tests.programme.factories import SessionFactory, SlotFactory, TrackFactory, at, publish_now
from tests.venues.factories import RoomFactory, VenueFactory


@pytest.fixture
def programme(app):
    track = TrackFactory(slug="health", name="Health")
    room = RoomFactory(venue=VenueFactory(slug="pieterskerk", name="Pieterskerk"))
    SlotFactory(session=SessionFactory(title="On health", track=track), room=room,
                starts_at=at(14, "10:00"), ends_at=at(14, "11:00"))
    db.session.commit()
    publish_now()


@pytest.mark.parametrize(("args", "expected"), [
    ({}, ProgrammeFilters()),
    ({"day": "2022-07-14", "track": "health", "venue": "pieterskerk", "format": "panel", "language": "nl",
      "q": " lovelace "}, ProgrammeFilters(date(2022, 7, 14), "health", "pieterskerk", "panel", "nl", "lovelace")),
    ({"day": "", "format": "", "track": ""}, ProgrammeFilters()),  # an empty select is no filter
])
def test_filters_read_from_a_query_string(programme, args, expected) -> None:
    assert ProgrammeFilters.from_args(MultiDict(args)) == expected


@pytest.mark.parametrize(("args", "name", "reason"), [
    ({"day": "14-07-2022"}, "day", "day must be a date like 2022-07-13."),
    ({"day": "2022-07-17"}, "day", "day must be one of the conference days, 2022-07-13 to 2022-07-16."),
    ({"track": "astrology"}, "track", "There is no track “astrology” in the programme."),
    ({"venue": "nowhere"}, "venue", "There is no venue “nowhere” in the programme."),
    ({"format": "lecture"}, "format", "format must be one of: ceremony, debate, keynote, open-podium, panel, "
                                      "plenary, poster, seminar, social, workshop."),
    ({"language": "de"}, "language", "language must be one of: en, nl."),
    ({"q": "x" * 201}, "q", "q may be at most 200 characters long."),
    ({"q": "a\x00b"}, "q", "q may not contain a NUL character."),
    ({"track": ["health", "health"]}, "track", "The parameter track may be given only once."),
])
def test_a_value_that_cannot_be_used_names_the_parameter(programme, args, name, reason) -> None:
    with pytest.raises(InvalidFilter) as refused:
        ProgrammeFilters.from_args(MultiDict(args))
    assert (refused.value.name, refused.value.message) == (name, reason)


def test_the_page_shows_the_reason_and_lists_without_that_filter(client, programme) -> None:
    response = client.get("/programme/?day=2022-07-14&track=astrology")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is no track “astrology” in the programme." in html
    assert "shown without that filter" in html and "On health" in html  # the day filter still holds
    assert client.get("/programme/?day=2022-07-14&track=health").status_code == 200


def test_page_feed_and_api_give_the_same_reason(client, programme) -> None:
    reason = "day must be one of the conference days, 2022-07-13 to 2022-07-16."
    page = client.get("/programme/?day=2022-08-01")
    feed = client.get("/feeds/programme.ics?day=2022-08-01")
    api = client.get("/api/v1/sessions?day=2022-08-01")
    assert (page.status_code, feed.status_code, api.status_code) == (400, 400, 400)
    assert reason in page.get_data(as_text=True) and reason in feed.get_data(as_text=True)
    assert api.get_json()["reason"] == reason


def test_the_grid_shows_the_reason_for_a_bad_day(client, programme) -> None:
    response = client.get("/programme/grid?day=someday")
    assert response.status_code == 400
    assert "day must be a date like 2022-07-13." in response.get_data(as_text=True)
