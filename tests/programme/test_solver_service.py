"""The schedule solver against the database: proposing, applying, repairing, the CLI, and a
property: any applied proposal passes the conflict sweep without a hard conflict."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from esof.accounts.models import Role
from esof.extensions import db
from esof.programme import services
from esof.programme.conflicts import build_conflict_report
from esof.programme.models import PersonAvailability, ProgrammeSession, ScheduleSlot, SessionStatus
from esof.programme.scheduling import IssueCode
from esof.programme.solver import DraftChanged, apply_proposal, propose_schedule
from esof.venues.models import Room
from tests.factories import UserFactory
from tests.programme.factories import AMS, PersonFactory, SessionFactory, add_speaker, at
from tests.programme.solver_data import clear_programme, draft_state, open_venue, slots, small_programme
from tests.venues.factories import RoomFactory, VenueFactory

# What the solver keeps as hard rules beyond the report's hard conflicts.
SOLVER_HARD = {IssueCode.ROOM_DOUBLE_BOOKED, IssueCode.SPEAKER_DOUBLE_BOOKED, IssueCode.SPEAKER_UNAVAILABLE,
               IssueCode.AUDIENCE_ABOVE_CAPACITY, IssueCode.BOOKINGS_ABOVE_CAPACITY, IssueCode.OUTSIDE_OPENING_HOURS,
               IssueCode.STEP_FREE_MISSING, IssueCode.WALKING_TIME}


@pytest.fixture
def app_config() -> dict:
    return {"SCHEDULE_SOLVER_TIME_LIMIT": 5}


def placed_from_scratch() -> dict:
    data = small_programme()
    db.session.commit()
    result = propose_schedule(mode="from-scratch", time_limit=5)
    apply_proposal(result)
    db.session.commit()
    return data


def test_from_scratch_places_everything_and_changes_nothing(app) -> None:
    small_programme()
    db.session.commit()
    before = draft_state()

    result = propose_schedule(mode="from-scratch", time_limit=5)

    assert draft_state() == before
    assert (result["placed"], result["unplaced"], result["hard_conflicts"], result["moved"]) == (8, [], 0, [])
    assert len(result["added"]) == 8
    assert result["status"] in ("OPTIMAL", "FEASIBLE")
    assert result["objective"] == result["soft"]["total"]


def test_applied_proposal_is_the_draft_and_clean(app) -> None:
    placed_from_scratch()

    report = build_conflict_report()

    assert len(slots()) == 8
    assert [i for i in report.issues if i.code in SOLVER_HARD] == []
    again = propose_schedule(mode="minimal-change", time_limit=3)
    assert (again["moved"], again["added"], again["unplaced"]) == ([], [], [])


def test_apply_refuses_a_proposal_for_another_draft(app) -> None:
    data = small_programme()
    db.session.commit()
    result = propose_schedule(mode="from-scratch", time_limit=3)
    services.schedule_session(item=data["sessions"][0], room_id=data["rooms"][0].id,
                              starts_at=at(13, "09:00"), ends_at=at(13, "10:00"))
    db.session.commit()

    with pytest.raises(DraftChanged):
        apply_proposal(result)
    assert len(slots()) == 1


def test_repair_after_a_room_shrinks_moves_only_its_large_sessions(app) -> None:
    data = placed_from_scratch()
    room = data["rooms"][2]  # 120 seats in the Science Park; the 200-seat room in the centre has space
    in_room = db.session.scalars(sa.select(ScheduleSlot).where(ScheduleSlot.room_id == room.id))
    affected = {slot.session_id for slot in in_room if slot.session.expected_audience > 80}
    room.capacity = 80
    db.session.commit()
    assert affected

    result = propose_schedule(mode="minimal-change", time_limit=5)

    moved = {m["session_id"]: m["reason"]["code"] for m in result["moved"]}
    assert set(moved) >= affected and len(set(moved) - affected) <= 2
    assert {moved[sid] for sid in affected} <= {"room-too-small"}
    assert result["hard_conflicts"] == 0 and result["unplaced"] == []


def test_repair_after_a_speakers_new_availability(app) -> None:
    data = placed_from_scratch()
    person = data["people"][0]
    mine = [s for s in data["sessions"] if person in s.speakers]
    day = mine[0].slot.starts_at.astimezone(AMS).date()
    db.session.add(PersonAvailability(person=person, starts_at=datetime.combine(day, at(13, "09:00").timetz()),
                                      ends_at=datetime.combine(day, at(13, "18:00").timetz())))
    db.session.commit()
    affected = {s.id for s in mine if s.slot.starts_at.astimezone(AMS).date() != day}
    assert affected  # day balance spread the speaker's two sessions over both days

    result = propose_schedule(mode="minimal-change", time_limit=5)

    moved = {m["session_id"]: m["reason"]["code"] for m in result["moved"]}
    assert set(moved) == affected
    assert set(moved.values()) <= {"speaker-unavailable"}
    assert all(m["to"]["day"] == day.isoformat() for m in result["moved"])


def test_repair_places_an_added_session_and_ignores_a_cancelled_one(app) -> None:
    data = placed_from_scratch()
    data["sessions"][1].status = SessionStatus.CANCELLED
    new = SessionFactory(title="Late addition", expected_audience=100)
    add_speaker(new, data["people"][2])
    db.session.commit()

    result = propose_schedule(mode="minimal-change", time_limit=5)

    assert [a["session_id"] for a in result["added"]] == [new.id]
    assert result["moved"] == []
    assert data["sessions"][1].id not in {p["session_id"] for p in result["placements"]}


def test_repair_from_the_published_version_moves_a_draft_edit_back(app) -> None:
    data = placed_from_scratch()
    services.publish_schedule(actor=UserFactory(roles=[Role.ORGANISER]))
    db.session.commit()
    item = data["sessions"][0]
    published = (item.slot.room_id, item.slot.starts_at)
    length = item.slot.ends_at - item.slot.starts_at
    for day, start in [(d, f"{h}:{m}") for d in (13, 14) for h in range(9, 17) for m in ("00", "30")]:
        # a move in the draft to a place that keeps every rule
        services.schedule_session(item=item, room_id=data["rooms"][0].id, starts_at=at(day, start),
                                  ends_at=at(day, start) + length)
        if (item.slot.room_id, item.slot.starts_at) != published and at(day, start) + length <= at(day, "18:00") \
                and not [i for i in build_conflict_report().issues if i.code in SOLVER_HARD]:
            break
    db.session.commit()

    kept = propose_schedule(mode="minimal-change", time_limit=3)
    back = propose_schedule(mode="minimal-change", baseline="published", time_limit=3)

    assert kept["moved"] == []
    assert [(m["session_id"], m["reason"]) for m in back["moved"]] == [(item.id, {"code": "published"})]
    assert (back["moved"][0]["to"]["room_id"], datetime.fromisoformat(back["moved"][0]["to"]["starts_at"])) == published


def test_pinned_session_stays_even_in_a_plan_from_scratch(app) -> None:
    data = small_programme()
    keynote = data["sessions"][0]
    keynote.pinned = True
    services.schedule_session(item=keynote, room_id=data["rooms"][0].id, starts_at=at(14, "16:45"),
                              ends_at=at(14, "17:45"))
    db.session.commit()

    result = propose_schedule(mode="from-scratch", time_limit=3)

    mine = next(p for p in result["placements"] if p["session_id"] == keynote.id)
    assert (mine["room_id"], datetime.fromisoformat(mine["starts_at"])) == (data["rooms"][0].id, at(14, "16:45"))
    assert keynote.id not in {m["session_id"] for m in result["moved"]}


def test_unplaceable_session_is_listed_with_its_reason(app) -> None:
    small_programme()
    huge = SessionFactory(title="Too big", expected_audience=5000)
    db.session.commit()

    result = propose_schedule(mode="from-scratch", time_limit=3)

    assert [(u["session_id"], u["reason"]["code"]) for u in result["unplaced"]] == [(huge.id, "no-room")]


# --------------------------------------------------------------------------- the command line


def test_cli_json_last_line_and_no_change_without_apply(app, runner) -> None:
    small_programme()
    db.session.commit()
    before = draft_state()

    outcome = runner.invoke(args=["schedule", "propose", "--from-scratch", "--time-limit", "3", "--json"])

    assert outcome.exit_code == 0, outcome.output
    last = json.loads(outcome.output.strip().splitlines()[-1])
    assert {"placed", "unplaced", "hard_conflicts", "moved", "objective", "seconds", "status"} <= set(last)
    assert (last["placed"], last["hard_conflicts"], last["applied"]) == (8, 0, False)
    assert "Nothing changed" in outcome.output
    assert draft_state() == before


def test_cli_apply_writes_the_draft_only(app, runner) -> None:
    small_programme()
    db.session.commit()
    fingerprint, _slots, jobs, versions = draft_state()

    outcome = runner.invoke(args=["schedule", "propose", "--from-scratch", "--time-limit", "3", "--apply", "--json"])

    assert outcome.exit_code == 0, outcome.output
    db.session.expire_all()
    after = draft_state()
    assert after[0] != fingerprint and after[1:] == (8, jobs, versions)  # no job row, nothing published
    assert json.loads(outcome.output.strip().splitlines()[-1])["applied"] is True
    assert [i for i in build_conflict_report().issues if i.code in SOLVER_HARD] == []


def test_cli_minimal_change_lists_moves_with_reasons(app, runner) -> None:
    data = placed_from_scratch()
    db.session.get_one(Room, data["rooms"][0].id).capacity = 20
    db.session.commit()

    outcome = runner.invoke(args=["schedule", "propose", "--time-limit", "3"])

    assert outcome.exit_code == 0, outcome.output
    assert "moved" in outcome.output and "its room is now smaller than the expected audience" in outcome.output


# --------------------------------------------------------------------------- the property


session_shapes = st.lists(st.tuples(
    st.sampled_from([0, 20, 45, 90, 130]),  # audience
    st.sampled_from([45, 60, 90]),  # minutes
    st.sets(st.integers(0, 3), max_size=2),  # speakers
    st.booleans(),  # needs step-free
    st.integers(0, 2),  # track
), min_size=1, max_size=9)
room_shapes = st.lists(st.tuples(st.sampled_from([30, 60, 150]), st.booleans(), st.integers(0, 1)),
                       min_size=1, max_size=4)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sessions=session_shapes, rooms=room_shapes, limited=st.sets(st.integers(0, 3), max_size=2))
def test_any_applied_proposal_has_no_hard_conflict(app, sessions, rooms, limited) -> None:
    clear_programme()
    venues = [VenueFactory(latitude=52.1572, longitude=4.4874), VenueFactory(latitude=52.1692, longitude=4.4574)]
    for venue in venues:
        open_venue(venue)
    for capacity, step_free, venue in rooms:
        RoomFactory(venue=venues[venue], capacity=capacity, step_free=step_free)
    people = [PersonFactory() for _ in range(4)]
    for n in limited:  # available on the first day's afternoon only
        db.session.add(PersonAvailability(person=people[n], starts_at=at(13, "13:00"), ends_at=at(13, "18:00")))
    for audience, minutes, speakers, step_free, _track in sessions:
        item = SessionFactory(expected_audience=audience, needs_step_free=step_free)
        for position, n in enumerate(sorted(speakers)):
            add_speaker(item, people[n], position)
        # Half of them start in the draft at one (clashing) place; the rest are unscheduled.
        if audience % 2 == 0 and minutes != 45:
            first_room = db.session.scalars(sa.select(Room.id)).first()
            db.session.add(ScheduleSlot(session=item, room_id=first_room, starts_at=at(13, "10:00"),
                                        ends_at=at(13, "10:00") + timedelta(minutes=minutes)))
    db.session.commit()

    result = propose_schedule(mode="minimal-change", time_limit=3)
    apply_proposal(result)
    db.session.commit()

    report = build_conflict_report()
    assert report.hard == []
    assert [i for i in report.issues if i.code in SOLVER_HARD] == []
    assert result["hard_conflicts"] == 0
    scheduled = set(db.session.scalars(sa.select(ScheduleSlot.session_id)))
    assert scheduled == {p["session_id"] for p in result["placements"]}
    assert len(scheduled) + len(result["unplaced"]) == db.session.scalar(sa.select(sa.func.count(ProgrammeSession.id)))
