"""Programme services against the database: placing sessions, the report, publishing."""
from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from esof.accounts.models import AuditLog, Role
from esof.extensions import db
from esof.programme import services
from esof.programme.models import PublishedSession, ScheduleSlot, ScheduleVersion, SessionStatus
from esof.programme.scheduling import IssueCode
from esof.venues import services as venue_services
from esof.venues.models import Room
from tests.factories import UserFactory
from tests.programme.bench import build_realistic_programme
from tests.programme.factories import PersonFactory, SessionFactory, SlotFactory, add_speaker, at
from tests.venues.factories import RoomFactory


def test_schedule_session_places_and_moves(app) -> None:
    item, room, other = SessionFactory(), RoomFactory(), RoomFactory()
    services.schedule_session(item=item, room_id=room.id, starts_at=at(13, "10:00"), ends_at=at(13, "11:00"))
    services.schedule_session(item=item, room_id=other.id, starts_at=at(14, "09:00"), ends_at=at(14, "09:45"))
    db.session.commit()
    slot = db.session.scalars(sa.select(ScheduleSlot)).one()
    assert (slot.room_id, slot.starts_at, slot.ends_at) == (other.id, at(14, "09:00"), at(14, "09:45"))


@pytest.mark.parametrize(("starts", "ends", "error"), [
    (at(13, "11:00"), at(13, "10:00"), services.InvalidTimes),
    (at(13, "10:00"), at(13, "10:00"), services.InvalidTimes),
    (at(12, "10:00"), at(12, "11:00"), services.OutsideConferenceDays),
    (at(17, "10:00"), at(17, "11:00"), services.OutsideConferenceDays),
    (at(16, "23:00"), at(16, "23:00") + timedelta(hours=2), services.OutsideConferenceDays),
])
def test_schedule_session_refuses_bad_times(app, starts, ends, error) -> None:
    item, room = SessionFactory(), RoomFactory()
    with pytest.raises(error):
        services.schedule_session(item=item, room_id=room.id, starts_at=starts, ends_at=ends)
    assert db.session.scalar(sa.select(sa.func.count(ScheduleSlot.id))) == 0


def test_schedule_session_refuses_unknown_room(app) -> None:
    item = SessionFactory()
    with pytest.raises(services.UnknownRoom):
        services.schedule_session(item=item, room_id=9999, starts_at=at(13, "10:00"), ends_at=at(13, "11:00"))
    assert db.session.scalar(sa.select(sa.func.count(ScheduleSlot.id))) == 0


def test_delete_room_holding_sessions_is_refused_until_unscheduled(any_app) -> None:
    slot = SlotFactory()
    db.session.commit()
    room = slot.room
    with pytest.raises(venue_services.RoomInUse):
        venue_services.delete_room(room=room)
    db.session.rollback()
    assert db.session.get(Room, room.id) is not None
    assert services.unschedule_room(room=room) == 1
    venue_services.delete_room(room=db.session.get(Room, room.id))
    db.session.commit()
    assert db.session.get(Room, room.id) is None
    assert db.session.scalar(sa.select(sa.func.count(ScheduleSlot.id))) == 0


def test_conflict_report_finds_room_and_speaker_clashes(app) -> None:
    speaker = PersonFactory(name="Ada")
    a = SlotFactory(starts_at=at(13, "10:00"), ends_at=at(13, "11:00"))
    b = SlotFactory(room=a.room, starts_at=at(13, "10:30"), ends_at=at(13, "11:30"))
    c = SlotFactory(starts_at=at(13, "10:45"), ends_at=at(13, "11:15"))
    add_speaker(a.session, speaker)
    add_speaker(c.session, speaker)
    db.session.commit()
    report = services.build_conflict_report()
    assert sorted((str(i.code), i.session_ids) for i in report.hard) == [
        ("room-double-booked", (a.session_id, b.session_id)),
        ("speaker-double-booked", (a.session_id, c.session_id)),
    ]
    assert set(report.by_session) == {a.session_id, b.session_id, c.session_id}
    assert "Ada speaks in two sessions at once" in services.describe_issue(report.hard[1], report.titles)


def test_conflict_report_ignores_cancelled_sessions(app) -> None:
    a = SlotFactory()
    b = SlotFactory(room=a.room)
    b.session.status = SessionStatus.CANCELLED
    db.session.commit()
    assert services.build_conflict_report().issues == []


def test_conflict_report_warns_on_bookings_above_capacity(any_app) -> None:
    slot = SlotFactory(room=RoomFactory(capacity=10))
    db.session.execute(sa.text("INSERT INTO session_seats (session_id, confirmed_count, waitlist_count, waitlist_seq) "
                               "VALUES (:s, 12, 0, 0)"), {"s": slot.session_id})
    report = services.build_conflict_report()
    assert [(i.code, dict(i.detail)) for i in report.issues] == [
        (IssueCode.BOOKINGS_ABOVE_CAPACITY, {"booked": 12, "capacity": 10, "room": slot.room.name})]


def test_conflict_report_opening_hours_and_step_free(app) -> None:
    room = RoomFactory(step_free=False)
    venue_services.set_opening_hours(venue=room.venue, day=date(2022, 7, 13), opens=at(13, "09:00").time(),
                                     closes=at(13, "17:00").time())
    slot = SlotFactory(room=room, starts_at=at(13, "16:30"), ends_at=at(13, "17:30"))
    person = PersonFactory(needs_step_free=True)
    add_speaker(slot.session, person)
    db.session.flush()
    codes = sorted(str(i.code) for i in services.build_conflict_report().issues)
    assert codes == ["outside-opening-hours", "step-free-missing"]


def publish(user=None, **kw):
    user = user or UserFactory(roles=[Role.ORGANISER])
    version = services.publish_schedule(actor=user, **kw)
    db.session.commit()
    return version


def rows(version: ScheduleVersion) -> dict[int, PublishedSession]:
    return {r.session_id: r for r in db.session.scalars(
        sa.select(PublishedSession).where(PublishedSession.version_id == version.id))}


def test_publish_creates_versions_with_changelog_and_sequence(any_app) -> None:
    kept = SlotFactory(starts_at=at(13, "10:00"), ends_at=at(13, "11:00"))
    moved = SlotFactory(starts_at=at(13, "10:00"), ends_at=at(13, "11:00"))
    room_changed = SlotFactory(starts_at=at(13, "12:00"), ends_at=at(13, "13:00"))
    retitled = SlotFactory(starts_at=at(14, "12:00"), ends_at=at(14, "13:00"))
    cancelled = SlotFactory(starts_at=at(15, "12:00"), ends_at=at(15, "13:00"))
    dropped = SlotFactory(starts_at=at(16, "12:00"), ends_at=at(16, "13:00"))
    v1 = publish(note="first")
    assert v1.number == 1
    assert sorted(e["changes"] for e in v1.changelog) == [["new"]] * 6
    assert len(v1.snapshot["sessions"]) == 6

    moved.starts_at, moved.ends_at = at(13, "14:00"), at(13, "15:00")
    room_changed.room = RoomFactory()
    retitled.session.title = "A better title"
    cancelled.session.status = SessionStatus.CANCELLED
    services.unschedule_session(item=dropped.session)
    fresh = SlotFactory(starts_at=at(16, "09:00"), ends_at=at(16, "10:00"))
    db.session.commit()
    v2 = publish()

    changes = {e["session_id"]: e["changes"] for e in v2.changelog}
    assert changes == {
        moved.session_id: ["moved"], room_changed.session_id: ["room-changed"],
        retitled.session_id: ["retitled"], cancelled.session_id: ["cancelled"],
        dropped.session_id: ["cancelled"], fresh.session_id: ["new"],
    }
    entry = next(e for e in v2.changelog if e["session_id"] == moved.session_id)
    assert (entry["before"]["starts_at"], entry["after"]["starts_at"]) == (
        "2022-07-13T08:00:00+00:00", "2022-07-13T12:00:00+00:00")  # stored in UTC
    published = rows(v2)
    assert {sid: r.sequence for sid, r in published.items()} == {
        kept.session_id: 0, moved.session_id: 1, room_changed.session_id: 1, retitled.session_id: 1,
        cancelled.session_id: 1, dropped.session_id: 1, fresh.session_id: 0}
    assert published[dropped.session_id].status is SessionStatus.CANCELLED
    assert published[kept.session_id].last_modified == rows(v1)[kept.session_id].last_modified
    assert published[moved.session_id].last_modified == v2.published_at

    v3 = publish()  # nothing changed: sequences stay, cancelled sessions stay cancelled
    assert v3.changelog == []
    assert {sid: (r.sequence, r.status) for sid, r in rows(v3).items()} == {
        sid: (r.sequence, r.status) for sid, r in published.items()}


def test_publish_refused_with_hard_conflicts(app) -> None:
    a = SlotFactory()
    SlotFactory(room=a.room)
    db.session.commit()
    with pytest.raises(services.PublishRefused) as refused:
        services.publish_schedule(actor=UserFactory(roles=[Role.ORGANISER]), override=True)
    assert "hard conflict" in refused.value.message
    assert [i.code for i in refused.value.issues] == [IssueCode.ROOM_DOUBLE_BOOKED]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(ScheduleVersion.id))) == 0


def test_publish_admin_override_publishes_despite_conflicts(app) -> None:
    a = SlotFactory()
    SlotFactory(room=a.room)
    db.session.commit()
    version = publish(UserFactory(roles=[Role.ADMIN]), override=True)
    assert version.number == 1
    assert version.snapshot["hard_conflicts_overridden"] == 1
    audit = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "schedule.publish")).one()
    assert (audit.target_type, audit.target_id, audit.detail["hard_conflicts_overridden"]) == (
        "ScheduleVersion", version.id, 1)
    assert len(rows(version)) == 2


def test_delete_published_session_refused(app) -> None:
    slot = SlotFactory()
    db.session.commit()
    publish()
    with pytest.raises(services.SessionAlreadyPublished):
        services.delete_session(item=slot.session)


def test_conflict_report_on_realistic_programme_under_50ms(any_app) -> None:
    counts = build_realistic_programme(sessions=300, speakers=500, rooms=25)
    db.session.commit()
    assert counts == {"sessions": 300, "speakers": 500, "rooms": 25}
    timings = []
    for _ in range(7):
        db.session.expire_all()
        started = time.perf_counter()
        report = services.build_conflict_report()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    median = timings[len(timings) // 2]
    print(f"conflict report, 300 sessions / 500 speakers / 25 rooms: median {median:.1f} ms, "
          f"{len(report.hard)} hard, {len(report.warnings)} warnings")
    assert len(report.issues) > 0
    assert median < 50
