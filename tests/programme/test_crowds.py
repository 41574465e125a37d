"""The conflict report learns the crowd: a warning where many delegates who starred or booked
two consecutive sessions cannot walk between their venues in the gap."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from esof.accounts.models import Role
from esof.extensions import db
from esof.programme import services
from esof.programme.scheduling import (
    IssueCode,
    PlacedSession,
    Severity,
    consecutive_pairs,
    crowd_walking_issues,
    find_conflicts,
)
from tests.factories import UserFactory
from tests.programme.factories import SessionFactory, SlotFactory, at
from tests.programme.solver_data import CENTRE, SCIENCE_PARK
from tests.support import log_in
from tests.venues.factories import RoomFactory, VenueFactory


def placed(sid: int, start: str, minutes: int = 60, venue: int = 1) -> PlacedSession:
    starts = at(13, start)
    return PlacedSession(sid, f"S{sid}", starts, starts + timedelta(minutes=minutes), room_id=venue, room_name="R",
                         venue_id=venue, venue_name=f"V{venue}", location=SCIENCE_PARK if venue == 2 else CENTRE)


# (case, sessions, interests per delegate, expected (pair, delegates) warnings with a threshold of 2)
CASES = [
    ("back to back across town", [placed(1, "10:00"), placed(2, "11:00", venue=2)], {u: {1, 2} for u in range(3)},
     [((1, 2), 3)]),
    ("enough time to walk (38 minutes)", [placed(1, "10:00"), placed(2, "11:40", venue=2)],
     {u: {1, 2} for u in range(3)}, []),
    ("same venue needs no walk", [placed(1, "10:00"), placed(2, "11:00")], {u: {1, 2} for u in range(3)}, []),
    ("too few delegates", [placed(1, "10:00"), placed(2, "11:00", venue=2)], {0: {1, 2}}, []),
    ("overlapping sessions are a choice, not a walk", [placed(1, "10:00"), placed(2, "10:30", venue=2)],
     {u: {1, 2} for u in range(3)}, []),
    ("only the next session counts", [placed(1, "10:00"), placed(3, "11:00"), placed(2, "12:00", venue=2)],
     {u: {1, 2, 3} for u in range(3)}, [((3, 2), 3)]),
]


@pytest.mark.parametrize(("case", "sessions", "interests", "expected"), CASES, ids=[c[0] for c in CASES])
def test_crowd_walking_rule(case, sessions, interests, expected) -> None:
    issues = crowd_walking_issues(sessions, consecutive_pairs(sessions, interests), 2)

    assert [(i.session_ids, i.detail["delegates"]) for i in issues] == expected
    assert all(i.code is IssueCode.CROWD_WALKING_TIME and i.severity is Severity.WARNING for i in issues)


def test_find_conflicts_adds_crowd_warnings_only_when_asked() -> None:
    sessions = [placed(1, "10:00"), placed(2, "11:00", venue=2)]

    assert find_conflicts(sessions) == []
    issues = find_conflicts(sessions, interests={u: [1, 2] for u in range(20)}, crowd_min=20)
    assert [(i.code, dict(i.detail)) for i in issues] == [(IssueCode.CROWD_WALKING_TIME, {
        "delegates": 20, "from_venue": "V1", "to_venue": "V2", "gap_minutes": 0, "needed_minutes": 38})]


def star(user_id: int, session_id: int) -> None:
    db.session.execute(sa.text("INSERT INTO star (user_id, session_id, created_at) VALUES (:u, :s, :t)"),
                       {"u": user_id, "s": session_id, "t": datetime(2022, 6, 1)})


def two_venues():
    centre = RoomFactory(venue=VenueFactory(latitude=CENTRE[0], longitude=CENTRE[1]))
    park = RoomFactory(venue=VenueFactory(latitude=SCIENCE_PARK[0], longitude=SCIENCE_PARK[1]))
    first = SlotFactory(room=centre, session=SessionFactory(title="Morning"), starts_at=at(13, "10:00"),
                        ends_at=at(13, "11:00"))
    second = SlotFactory(room=park, session=SessionFactory(title="Late morning"), starts_at=at(13, "11:15"),
                         ends_at=at(13, "12:15"))
    return first, second


@pytest.mark.parametrize(("delegates", "warned"), [(19, False), (20, True)])
def test_conflict_report_warns_about_a_crowd_of_twenty(app, delegates: int, warned: bool) -> None:
    first, second = two_venues()
    for n in range(delegates):
        user = UserFactory()
        star(user.id, first.session_id)
        if n % 2:  # a booking counts as much as a star
            db.session.execute(sa.text(
                "INSERT INTO booking (user_id, session_id, status, created_at, updated_at) "
                "VALUES (:u, :s, 'confirmed', :t, :t)"),
                {"u": user.id, "s": second.session_id, "t": datetime(2022, 6, 1)})
        else:
            star(user.id, second.session_id)
    db.session.commit()

    report = services.build_conflict_report()

    crowd = [i for i in report.warnings if i.code is IssueCode.CROWD_WALKING_TIME]
    assert report.hard == []
    assert [i.session_ids for i in crowd] == ([(first.session_id, second.session_id)] if warned else [])
    if warned:
        assert services.describe_issue(crowd[0], report.titles) == (
            "20 delegates chose “Morning” / “Late morning” one after the other: 15 minutes to walk from "
            f"{first.room.venue.name} to {second.room.venue.name}, which takes 38")


def test_conflict_report_reads_the_crowd_in_a_constant_number_of_queries(app, count_queries) -> None:
    first, second = two_venues()

    def queries_with(delegates: int) -> int:
        for _ in range(delegates):
            user = UserFactory()
            star(user.id, first.session_id)
            star(user.id, second.session_id)
        db.session.commit()
        count_queries.reset()
        services.build_conflict_report()
        return count_queries.count

    assert queries_with(5) == queries_with(40)


def test_conflict_report_page_shows_the_crowd_warning(app, client) -> None:
    first, second = two_venues()
    for _ in range(20):
        user = UserFactory()
        star(user.id, first.session_id)
        star(user.id, second.session_id)
    organiser = UserFactory(roles=[Role.ORGANISER])
    db.session.commit()
    log_in(client, organiser.email)

    html = client.get("/programme/organiser/conflicts").get_data(as_text=True)

    assert "20 delegates chose" in html and "Warnings (1)" in html
