"""The organisers' draft schedule: placing sessions in rooms and times, seat shortfalls, the grid.

Times arrive as aware datetimes; the views convert the wall-clock times organisers type
(Europe/Amsterdam) at the edge.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from esof.conference import conference_days, conference_zone, to_local
from esof.db import rows_matched
from esof.errors import ValidationFailed
from esof.extensions import db
from esof.programme import scheduling
from esof.programme.conflicts import ConflictReport, build_conflict_report
from esof.programme.models import ProgrammeSession, PublishedSession, ScheduleSlot, SessionSpeaker, SessionStatus
from esof.programme.queries import latest_version_id, seats_booked, seats_booked_by_session
from esof.venues.models import Room, Venue


class InvalidTimes(ValidationFailed):
    default_message = _l("The end must be after the start.")


class OutsideConferenceDays(ValidationFailed):
    default_message = _l("Sessions take place on the conference days only (13–16 July 2022).")


class UnknownRoom(ValidationFailed):
    default_message = _l("This room does not exist.")


def check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise InvalidTimes()
    days = conference_days()
    local_start, local_last = to_local(starts_at), to_local(ends_at - timedelta(microseconds=1))
    if local_start.date() not in days or local_last.date() != local_start.date():
        raise OutsideConferenceDays(
            _("Sessions take place on the conference days only (%(first)s to %(last)s) and end on the day they start.",
              first=days[0].isoformat(), last=days[-1].isoformat())
        )


def local_moment(day: date, at: time) -> datetime:
    """A wall-clock time on a day in the conference zone, as an aware datetime."""
    return datetime.combine(day, at, tzinfo=conference_zone())


def schedule_session(*, item: ProgrammeSession, room_id: int, starts_at: datetime, ends_at: datetime) -> ScheduleSlot:
    """Place (or move) a session in the draft. Clashes are reported, not refused: organisers
    often move two sessions through a clash; publishing refuses hard conflicts."""
    check_times(starts_at, ends_at)
    if db.session.get(Room, room_id) is None:
        raise UnknownRoom()
    slot = item.slot
    if slot is None:
        slot = ScheduleSlot(session=item)
        db.session.add(slot)
    slot.room_id, slot.starts_at, slot.ends_at = room_id, starts_at, ends_at
    db.session.flush()
    return slot


@dataclass(frozen=True)
class SeatShortfall:
    booked: int
    capacity: int
    room_name: str

    @property
    def beyond(self) -> int:
        return self.booked - self.capacity

    def move_warning(self, title: str) -> str:
        """The question put to an organiser before a booked session moves into a smaller room."""
        return _(
            "%(room)s holds %(capacity)d, but “%(title)s” has %(booked)d confirmed bookings. If you go "
            "ahead, at the next publication the %(beyond)d most recent bookings move back to the waiting "
            "list and those delegates are mailed.",
            room=self.room_name, capacity=self.capacity, title=title, booked=self.booked, beyond=self.beyond)


def seat_shortfall(*, item: ProgrammeSession, room_id: int) -> SeatShortfall | None:
    """Confirmed bookings that the room would not hold; asked before a move is saved.

    Going ahead is allowed: at the next publication the most recent bookings beyond the
    capacity move back to the head of the waiting list and those delegates are mailed.
    """
    room = db.session.get(Room, room_id)
    if room is None or not item.needs_booking:
        return None
    return _shortfall(item, room, item.booking_cap)


def cap_shortfall(*, item: ProgrammeSession, needs_booking: bool, booking_cap: int | None) -> SeatShortfall | None:
    """Confirmed bookings that a lower seat limit would not hold in the session's published
    room; asked before the limit is saved, which takes effect at once."""
    if item.id is None or not needs_booking or booking_cap is None:
        return None
    room = db.session.scalar(
        sa.select(Room).join(PublishedSession, PublishedSession.room_id == Room.id)
        .where(PublishedSession.session_id == item.id, PublishedSession.version_id == latest_version_id())
    )
    if room is None:
        return None
    return _shortfall(item, room, booking_cap)


def _shortfall(item: ProgrammeSession, room: Room, booking_cap: int | None) -> SeatShortfall | None:
    capacity = min(room.capacity, booking_cap) if booking_cap is not None else room.capacity
    booked = seats_booked(item.id)
    return SeatShortfall(booked, capacity, room.name) if booked > capacity else None


def unschedule_session(*, item: ProgrammeSession) -> None:
    if item.slot is not None:
        db.session.delete(item.slot)
        item.slot = None
        db.session.flush()


def sessions_placed_in(room: Room) -> int:
    return db.session.scalar(sa.select(sa.func.count(ScheduleSlot.id)).where(ScheduleSlot.room_id == room.id)) or 0


def unschedule_room(*, room: Room) -> int:
    """Take every session out of a room (so the room can be deleted); returns how many."""
    result = db.session.execute(sa.delete(ScheduleSlot).where(ScheduleSlot.room_id == room.id))
    db.session.expire_all()
    return rows_matched(result) or 0


@dataclass
class ScheduleGrid:
    day: date
    rooms: list[Room]
    layout: scheduling.GridLayout
    unscheduled: list[ProgrammeSession]
    report: ConflictReport
    # Where the published version has each session, to mark a draft place that differs.
    published: dict[int, PublishedPlace] = field(default_factory=dict)
    booked: dict[int, int] = field(default_factory=dict)  # confirmed bookings per session

    def unpublished_move(self, item: ProgrammeSession) -> PublishedPlace | None:
        """The published place of a session whose draft place differs from it (else None)."""
        place = self.published.get(item.id)
        if place is None:
            return None
        slot = item.slot
        if slot is not None and (slot.room_id, slot.starts_at, slot.ends_at) == (
                place.room_id, place.starts_at, place.ends_at):
            return None
        return place


@dataclass(frozen=True)
class PublishedPlace:
    room_id: int | None
    room_name: str
    starts_at: datetime
    ends_at: datetime


def _published_places(session_ids: list[int]) -> dict[int, PublishedPlace]:
    if not session_ids:
        return {}
    rows = db.session.execute(
        sa.select(PublishedSession.session_id, PublishedSession.room_id, Room.name,
                  PublishedSession.starts_at, PublishedSession.ends_at)
        .outerjoin(Room, Room.id == PublishedSession.room_id)
        .where(PublishedSession.version_id == latest_version_id(), PublishedSession.session_id.in_(session_ids))
    )
    return {sid: PublishedPlace(room_id, name or "", start, end) for sid, room_id, name, start, end in rows}


def build_schedule_grid(*, day: date, venue_id: int | None = None, track_id: int | None = None) -> ScheduleGrid:
    """The organisers' grid for one day: rooms × 15-minute rows, the unscheduled sessions
    beside it, and the conflict report so both cards of a conflict can show it."""
    zone = conference_zone()
    day_start = datetime.combine(day, time(0), tzinfo=zone)
    day_end = day_start + timedelta(days=1)
    rooms_stmt = sa.select(Room).join(Venue).options(joinedload(Room.venue)).order_by(Venue.name, Room.name)
    if venue_id:
        rooms_stmt = rooms_stmt.where(Room.venue_id == venue_id)
    rooms = list(db.session.scalars(rooms_stmt))
    stmt = (
        sa.select(ProgrammeSession)
        .join(ScheduleSlot)
        .where(ScheduleSlot.starts_at < day_end, ScheduleSlot.ends_at > day_start)
        .options(selectinload(ProgrammeSession.slot), joinedload(ProgrammeSession.track),
                 selectinload(ProgrammeSession.speaker_links).joinedload(SessionSpeaker.person))
    )
    if venue_id:
        stmt = stmt.where(ScheduleSlot.room_id.in_([r.id for r in rooms]))
    if track_id:
        stmt = stmt.where(ProgrammeSession.track_id == track_id)
    placed = list(db.session.scalars(stmt))
    layout = scheduling.layout_grid(
        ((s.slot.room_id, s.slot.starts_at, s.slot.ends_at, s) for s in placed if s.slot is not None),
        day=day, zone=zone)
    unscheduled_stmt = (
        sa.select(ProgrammeSession).outerjoin(ScheduleSlot)
        .where(ScheduleSlot.id.is_(None), ProgrammeSession.status != SessionStatus.CANCELLED)
        .options(joinedload(ProgrammeSession.track),
                 selectinload(ProgrammeSession.speaker_links).joinedload(SessionSpeaker.person))
        .order_by(ProgrammeSession.title)
    )
    if track_id:
        unscheduled_stmt = unscheduled_stmt.where(ProgrammeSession.track_id == track_id)
    unscheduled = list(db.session.scalars(unscheduled_stmt))
    shown = [s.id for s in placed] + [s.id for s in unscheduled]
    return ScheduleGrid(day, rooms, layout, unscheduled, build_conflict_report(),
                        published=_published_places(shown), booked=seats_booked_by_session(shown))



def list_rooms() -> list[Room]:
    return list(db.session.scalars(
        sa.select(Room).join(Venue).options(joinedload(Room.venue)).order_by(Venue.name, Room.name)))

