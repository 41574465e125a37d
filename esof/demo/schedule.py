"""The demo's publications and deliberate conflicts: the clean draft goes out as version 1
(``publish_schedule`` refuses hard conflicts); after the bookings, organisers cancel three
sessions and move two, and version 2 goes out through the same service (its changelog and
SEQUENCE are the real ones); only then are room and speaker double bookings put into the
draft, for the organisers' conflict report to find.

Both versions are dated as they were published in 2022 (1 June and 8 July), with the
sessions' last-modified times and the audit entries that go with them.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from esof.accounts.models import AuditLog, User
from esof.demo.bookings import DemoBookings
from esof.demo.context import DemoContext
from esof.demo.people import SPEAKER_BUFFER, DemoSpeakers
from esof.demo.programme import DemoRoom, DemoSession, slot_times
from esof.errors import DomainError
from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.programme.models import (
    ProgrammeSession,
    PublishedSession,
    ScheduleSlot,
    ScheduleVersion,
    SessionFormat,
    SessionSpeaker,
    SessionStatus,
)
from esof.programme.services import publish_schedule, schedule_session, set_session_status

FIRST_PUBLISHED = (date(2022, 6, 1), time(10, 0))
MAIL_DELIVERED = timedelta(minutes=2)
SECOND_PUBLISHED = (date(2022, 7, 8), time(16, 0))
CHANGEABLE = (SessionFormat.PANEL, SessionFormat.SEMINAR, SessionFormat.DEBATE)


def publish_clean_schedule(ctx: DemoContext, *, admin_id: int) -> None:
    admin = db.session.get_one(User, admin_id)
    try:
        with db.session.begin_nested():
            version = publish_schedule(actor=admin, note="First public programme (demo data).")
    except DomainError as exc:  # a refusal leaves the draft unpublished, which is still a demo
        ctx.summary.publish_note = f"publishing refused: {exc}"
        return
    date_publication(version, ctx.local(*FIRST_PUBLISHED))
    ctx.summary.published_version = version.number


def date_publication(version: ScheduleVersion, when: datetime) -> None:
    """Give a version the moment it went out in 2022 (the service stamps the clock): the
    version, the sessions it changed, its audit entry, and the mails it queued (to speakers
    and delegates about their changed sessions), which went out then."""
    stamped = version.published_at
    db.session.execute(sa.update(OutboxMessage)
                       .where(OutboxMessage.created_at >= stamped, OutboxMessage.sent_at.is_(None))
                       .values(created_at=when, next_attempt_at=when, sent_at=when + MAIL_DELIVERED, attempts=1)
                       .execution_options(synchronize_session=False))
    db.session.execute(sa.update(PublishedSession)
                       .where(PublishedSession.version_id == version.id, PublishedSession.last_modified == stamped)
                       .values(last_modified=when).execution_options(synchronize_session=False))
    db.session.execute(sa.update(AuditLog)
                       .where(AuditLog.action == "schedule.publish", AuditLog.target_id == version.id)
                       .values(created_at=when).execution_options(synchronize_session=False))
    version.published_at = when
    db.session.flush()


def publish_changes(ctx: DemoContext, sessions: list[DemoSession], speakers: DemoSpeakers, seats: DemoBookings,
                    *, admin_id: int) -> None:
    """Version 2: a booked workshop and two other sessions cancelled, one session moved to
    another time and one to another room, published with the real service."""
    if ctx.summary.published_version is None:
        return
    rng = ctx.rng
    booking = sorted(s.id for s in sessions if s.needs_booking and s.room is not None and not s.cancelled)
    # The first bookable session stays (the browser tests book it); a full one keeps its queue.
    workshops = [s for s in sessions if s.needs_booking and s.room is not None and not s.cancelled
                 and s.id != booking[0] and s.id not in seats.full and seats.confirmed.get(s.id)]
    others = [s for s in sessions if s.room is not None and not s.cancelled and not s.needs_booking
              and s.format in CHANGEABLE]
    rng.shuffle(workshops)
    rng.shuffle(others)
    cancel = workshops[:1] + others[:2]
    movable = others[2:]
    for item in cancel:
        set_session_status(item=db.session.get_one(ProgrammeSession, item.id), status=SessionStatus.CANCELLED)
        item.cancelled = True
    moved = _move_in_time(ctx, sessions, movable, speakers)
    moved += _move_to_room(ctx, sessions, [s for s in movable if s not in moved], speakers)
    # The organisers' edits were made that morning (the ORM stamped them with the clock).
    db.session.execute(sa.update(ProgrammeSession).where(ProgrammeSession.id.in_([s.id for s in cancel]))
                       .values(updated_at=ctx.local(SECOND_PUBLISHED[0], time(11, 0)))
                       .execution_options(synchronize_session=False))
    admin = db.session.get_one(User, admin_id)
    try:
        with db.session.begin_nested():
            version = publish_schedule(actor=admin, note="Cancellations and moves in the last week (demo data).")
    except DomainError as exc:
        ctx.summary.publish_note = f"publishing version 2 refused: {exc}"
        return
    date_publication(version, ctx.local(*SECOND_PUBLISHED))
    ctx.summary.published_version = version.number
    ctx.count("sessions cancelled in version 2", len(cancel))
    ctx.count("sessions moved in version 2", len(moved))


def _room_free(sessions: list[DemoSession], room: DemoRoom, starts: datetime, ends: datetime) -> bool:
    """Nothing else in the room overlaps [starts, ends) in the draft (cancelled sessions included)."""
    return all(not (s.starts_at < ends and starts < s.ends_at) for s in sessions
               if s.room is not None and s.room.id == room.id and s.starts_at is not None and s.ends_at is not None)


def _speakers_free(item: DemoSession, sessions: list[DemoSession], starts: datetime, ends: datetime) -> bool:
    """No speaker of the session has another one within the walking buffer of the new time."""
    people = {p for p, _role in item.speakers}
    for other in sessions:
        if other is item or other.starts_at is None or other.ends_at is None or other.cancelled:
            continue
        if people & {p for p, _role in other.speakers} and \
                other.starts_at - SPEAKER_BUFFER < ends and starts < other.ends_at + SPEAKER_BUFFER:
            return False
    return True


def _step_free_ok(item: DemoSession, room: DemoRoom, speakers: DemoSpeakers) -> bool:
    return room.step_free or not item.wants_step_free(speakers.step_free)


def _move(ctx: DemoContext, item: DemoSession, room: DemoRoom, starts: datetime, ends: datetime) -> None:
    schedule_session(item=db.session.get_one(ProgrammeSession, item.id), room_id=room.id, starts_at=starts,
                     ends_at=ends)
    item.room, item.starts_at, item.ends_at = room, starts, ends


def _move_in_time(ctx: DemoContext, sessions: list[DemoSession], movable: list[DemoSession],
                  speakers: DemoSpeakers) -> list[DemoSession]:
    """One session to another slot of the same day in its own room (speakers' days stay theirs)."""
    for item in movable:
        assert item.room is not None and item.starts_at is not None
        day = item.starts_at.astimezone(ctx.zone).date()
        for slot_day, start, end in slot_times():
            starts, ends = ctx.local(slot_day, start), ctx.local(slot_day, end)
            if slot_day != day or starts == item.starts_at or not _room_free(sessions, item.room, starts, ends):
                continue
            if _speakers_free(item, sessions, starts, ends):
                _move(ctx, item, item.room, starts, ends)
                return [item]
    return []


def _move_to_room(ctx: DemoContext, sessions: list[DemoSession], movable: list[DemoSession],
                  speakers: DemoSpeakers) -> list[DemoSession]:
    """One session to another free room of the same kind at the same time."""
    rooms = sorted({s.room.id: s.room for s in sessions if s.room is not None}.values(), key=lambda r: r.id)
    for item in movable:
        assert item.room is not None and item.starts_at is not None and item.ends_at is not None
        for room in rooms:
            if room.id == item.room.id or room.allows_parallel or room.use != item.room.use \
                    or room.capacity < item.expected_audience \
                    or not _room_free(sessions, room, item.starts_at, item.ends_at) \
                    or not _step_free_ok(item, room, speakers):
                continue
            _move(ctx, item, room, item.starts_at, item.ends_at)
            return [item]
    return []


def add_deliberate_conflicts(ctx: DemoContext, sessions: list[DemoSession], speakers: DemoSpeakers) -> None:
    """Room and speaker double bookings in the draft, after version 1 went out clean."""
    rng = ctx.rng
    k = ctx.sizes.deliberate_conflicts
    movable = [s for s in sessions
               if s.room is not None and not s.room.allows_parallel and not s.needs_booking and not s.cancelled
               and s.format in (SessionFormat.PANEL, SessionFormat.SEMINAR, SessionFormat.DEBATE)]
    by_time: dict[datetime, list[DemoSession]] = defaultdict(list)
    for s in movable:
        if s.starts_at is not None:  # always: a session with a room has its times
            by_time[s.starts_at].append(s)
    touched: set[int] = set()
    rooms_done = speakers_done = 0
    starts = sorted(by_time)
    rng.shuffle(starts)
    for start in starts:
        group = [s for s in by_time[start] if s.id not in touched]
        if len(group) < 2:
            continue
        if rooms_done < k:
            pair = pick_room_pair(group, speakers.step_free)
            if pair is not None:
                mover, host = pair
                room = _room(host)
                db.session.execute(sa.update(ScheduleSlot).where(ScheduleSlot.session_id == mover.id)
                                   .values(room_id=room.id))
                mover.room = room
                touched.update((mover.id, host.id))
                rooms_done += 1
                ctx.summary.conflicts.append(
                    f"room double-booked: {room.name} ({room.venue}), sessions {host.id} and {mover.id}")
                continue
        if speakers_done < k:
            first, second = group[0], group[1]
            guests = [p for p, role in first.speakers if role == "speaker"
                      and p not in {q for q, _r in second.speakers}
                      and (_room(second).step_free or not speakers.step_free[p])]
            if not guests:
                continue
            person = guests[0]
            db.session.execute(sa.insert(SessionSpeaker).values(
                session_id=second.id, person_id=speakers.ids[person], role="speaker",
                position=len(second.speakers)))
            second.speakers.append((person, "speaker"))
            touched.update((first.id, second.id))
            speakers_done += 1
            ctx.summary.conflicts.append(
                f"speaker double-booked: {speakers.names[person]} in sessions {first.id} and {second.id}")
        if rooms_done >= k and speakers_done >= k:
            break


def pick_room_pair(group: list[DemoSession],
                   people_step_free: list[bool]) -> tuple[DemoSession, DemoSession] | None:
    """Two sessions at the same time; the mover fits the host's room (size, step-free)."""
    for mover in group:
        for host in group:
            if host is not mover and _room(host).capacity >= mover.expected_audience \
                    and (_room(host).step_free or not mover.wants_step_free(people_step_free)):
                return mover, host
    return None


def _room(session: DemoSession) -> DemoRoom:
    """The room of a session chosen as movable, which every one of them has."""
    assert session.room is not None
    return session.room
