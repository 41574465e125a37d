"""The demo's publication and deliberate conflicts: the clean draft goes out as version 1
(``publish_schedule`` refuses hard conflicts), and only then are room and speaker double
bookings put into the draft, for the organisers' conflict report to find.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa

from esof.accounts.models import User
from esof.demo.context import DemoContext
from esof.demo.people import DemoSpeakers
from esof.demo.programme import DemoSession
from esof.errors import DomainError
from esof.extensions import db
from esof.programme.models import ScheduleSlot, SessionFormat, SessionSpeaker
from esof.programme.services import publish_schedule


def publish_clean_schedule(ctx: DemoContext, *, admin_id: int) -> None:
    admin = db.session.get_one(User, admin_id)
    try:
        with db.session.begin_nested():
            version = publish_schedule(actor=admin, note="First public programme (demo data).")
    except DomainError as exc:  # a refusal leaves the draft unpublished, which is still a demo
        ctx.summary.publish_note = f"publishing refused: {exc}"
        return
    ctx.summary.published_version = version.number


def add_deliberate_conflicts(ctx: DemoContext, sessions: list[DemoSession], speakers: DemoSpeakers) -> None:
    """Room and speaker double bookings in the draft, after version 1 went out clean."""
    rng = ctx.rng
    k = ctx.sizes.deliberate_conflicts
    movable = [s for s in sessions
               if s.room is not None and not s.room.allows_parallel and not s.needs_booking and not s.cancelled
               and s.format in (SessionFormat.PANEL, SessionFormat.SEMINAR, SessionFormat.DEBATE)]
    by_time: dict[datetime, list[DemoSession]] = defaultdict(list)
    for s in movable:
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
            mover, host = pick_room_pair(group, speakers.step_free)
            if mover is not None:
                db.session.execute(sa.update(ScheduleSlot).where(ScheduleSlot.session_id == mover.id)
                                   .values(room_id=host.room.id))
                mover.room = host.room
                touched.update((mover.id, host.id))
                rooms_done += 1
                ctx.summary.conflicts.append(
                    f"room double-booked: {host.room.name} ({host.room.venue}), sessions {host.id} and {mover.id}")
                continue
        if speakers_done < k:
            first, second = group[0], group[1]
            guests = [p for p, role in first.speakers if role == "speaker"
                      and p not in {q for q, _r in second.speakers}
                      and (second.room.step_free or not speakers.step_free[p])]
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
                   people_step_free: list[bool]) -> tuple[DemoSession | None, DemoSession | None]:
    """Two sessions at the same time; the mover fits the host's room (size, step-free)."""
    for mover in group:
        for host in group:
            if host is not mover and host.room.capacity >= mover.expected_audience \
                    and (host.room.step_free or not mover.wants_step_free(people_step_free)):
                return mover, host
    return None, None
