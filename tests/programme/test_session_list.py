"""The organisers' sessions list: 50 a page, filters by day, room, format, status and
"without a slot", and a query count that does not grow with the programme."""
from __future__ import annotations

import re

import pytest

from esof.extensions import db
from esof.programme.models import SessionFormat, SessionStatus
from tests.programme.factories import SessionFactory, SlotFactory, at
from tests.support import QueryCounter
from tests.venues.factories import RoomFactory

LIST = "/programme/organiser/sessions"


def titles(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/programme/organiser/sessions/\d+">([^<]+)</a>', html)


@pytest.fixture
def programme() -> dict[str, int]:
    hall, attic = RoomFactory(name="Hall"), RoomFactory(name="Attic")
    SlotFactory(session=SessionFactory(title="Debate on Wednesday", format=SessionFormat.DEBATE), room=hall,
                starts_at=at(13, "10:00"))
    SlotFactory(session=SessionFactory(title="Panel after midnight", format=SessionFormat.PANEL), room=attic,
                starts_at=at(15, "00:30"))  # Friday in Leiden, still Thursday in UTC
    SessionFactory(title="Panel not placed", format=SessionFormat.PANEL)
    SessionFactory(title="Called off 100%_", format=SessionFormat.DEBATE, status=SessionStatus.CANCELLED)
    db.session.commit()
    return {"hall": hall.id, "attic": attic.id}


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["Called off 100%_", "Debate on Wednesday", "Panel after midnight", "Panel not placed"]),
    ("day=2022-07-13", ["Debate on Wednesday"]),
    ("day=2022-07-14", []),
    ("day=2022-07-15", ["Panel after midnight"]),
    ("format=panel", ["Panel after midnight", "Panel not placed"]),
    ("status=cancelled", ["Called off 100%_"]),
    ("status=confirmed&format=debate", ["Debate on Wednesday"]),
    ("unscheduled=1", ["Called off 100%_", "Panel not placed"]),
    ("q=%25_", ["Called off 100%_"]),  # the wildcards are searched for as written
    ("q=panel&day=2022-07-15", ["Panel after midnight"]),
    ("day=2019-01-01&format=nonsense&status=x", ["Called off 100%_", "Debate on Wednesday", "Panel after midnight",
                                                 "Panel not placed"]),  # unknown values filter nothing
])
def test_filters(organiser_client, programme, query, expected) -> None:
    response = organiser_client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    assert titles(response.get_data(as_text=True)) == expected


def test_room_filter(organiser_client, programme) -> None:
    html = organiser_client.get(f"{LIST}?room={programme['attic']}").get_data(as_text=True)
    assert titles(html) == ["Panel after midnight"]
    assert f'<option value="{programme["attic"]}" selected>Attic' in html


def test_fifty_a_page_with_the_filters_kept_in_the_links(organiser_client) -> None:
    for n in range(120):
        SessionFactory(title=f"Seminar {n:03d}", format=SessionFormat.SEMINAR)
    db.session.commit()
    first = organiser_client.get(f"{LIST}?format=seminar").get_data(as_text=True)
    assert len(titles(first)) == 50 and "120 sessions match." in first and "Page 1 of 3" in first
    assert 'href="/programme/organiser/sessions?format=seminar&amp;page=2" rel="next"' in first
    last = organiser_client.get(f"{LIST}?format=seminar&page=3").get_data(as_text=True)
    assert titles(last) == [f"Seminar {n:03d}" for n in range(100, 120)]


def test_query_count_does_not_grow_with_the_sessions(app, organiser_client) -> None:
    def statements() -> int:
        with QueryCounter(db.engine) as counter:
            assert organiser_client.get(LIST).status_code == 200
        return counter.count

    SlotFactory()
    db.session.commit()
    few = statements()
    for _ in range(60):
        SlotFactory(room=RoomFactory())
    db.session.commit()
    assert statements() == few
