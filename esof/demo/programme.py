"""Demo venues and programme: the real venues and rooms with their opening hours, the tracks,
the sessions (formats, titles, abstracts, rooms and times), their slots and seat counters.

The draft is built without conflicts: each session takes a free place in the slot grid.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from esof.bookings.models import SessionSeats
from esof.conference import conference_days
from esof.demo import data
from esof.demo.context import DemoContext, DemoSizes, insert_plain, insert_rows
from esof.programme.models import ProgrammeSession, ScheduleSlot, SessionFormat, SessionStatus, Track
from esof.venues.models import Room, Venue, VenueOpeningHours


@dataclass
class DemoRoom:
    id: int
    name: str
    capacity: int
    use: str
    step_free: bool  # room and venue
    allows_parallel: bool
    venue: str


@dataclass
class DemoSession:
    id: int
    format: SessionFormat
    title: str
    expected_audience: int
    needs_booking: bool
    needs_step_free: bool
    room: DemoRoom | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    speakers: list[tuple[int, str]] = field(default_factory=list)  # (person index, role)
    cancelled: bool = False
    booking_cap: int | None = None

    @property
    def seats(self) -> int:
        """Seats that can be booked: the room's capacity, or the session's lower cap."""
        capacity = self.room.capacity if self.room is not None else 0
        return min(capacity, self.booking_cap) if self.booking_cap is not None else capacity

    def wants_step_free(self, people_step_free: list[bool]) -> bool:
        return self.needs_step_free or any(people_step_free[p] for p, _role in self.speakers)


@dataclass
class DemoVenues:
    ids: dict[str, int]  # by venue name
    rooms: list[DemoRoom]


def build_venues(ctx: DemoContext) -> DemoVenues:
    venue_ids = insert_rows(Venue, [
        {"name": v.name, "slug": v.slug, "address": v.address, "city": "Leiden", "latitude": v.latitude,
         "longitude": v.longitude, "step_free": v.step_free, "description": v.description}
        for v in data.VENUES
    ])
    hours = []
    for venue, venue_id in zip(data.VENUES, venue_ids, strict=True):
        for day in conference_days():
            hours.append({"venue_id": venue_id, "day": day, "opens": venue.opens, "closes": venue.closes})
    insert_plain(VenueOpeningHours, hours)
    room_specs = [(venue, venue_id, room) for venue, venue_id in zip(data.VENUES, venue_ids, strict=True)
                  for room in venue.rooms]
    room_ids = insert_rows(Room, [
        {"venue_id": venue_id, "name": room.name, "capacity": room.capacity, "layout": room.layout,
         "streaming": room.streaming, "step_free": room.step_free, "allows_parallel": room.allows_parallel}
        for venue, venue_id, room in room_specs
    ])
    rooms = [
        DemoRoom(room_id, room.name, room.capacity, room.use, room.step_free and venue.step_free,
                 room.allows_parallel, venue.name)
        for (venue, _vid, room), room_id in zip(room_specs, room_ids, strict=True)
    ]
    ctx.count("venues", len(venue_ids))
    ctx.count("rooms", len(room_ids))
    return DemoVenues(dict(zip((v.name for v in data.VENUES), venue_ids, strict=True)), rooms)


def build_tracks(ctx: DemoContext) -> list[int]:
    ids = insert_rows(Track, [
        {"slug": t.slug, "name": t.name, "name_nl": t.name_nl, "colour": t.colour} for t in data.TRACKS
    ])
    ctx.count("tracks", len(ids))
    return ids


def session_formats(sizes: DemoSizes) -> list[SessionFormat]:
    n = sizes.sessions
    formats = [SessionFormat.CEREMONY, SessionFormat.CEREMONY, SessionFormat.SOCIAL]
    formats += [SessionFormat.KEYNOTE] * min(4, 1 + n // 60)
    formats += [SessionFormat.PLENARY] * (n // 50)
    rest = n - len(formats)
    weights = [(SessionFormat.WORKSHOP, 22), (SessionFormat.PANEL, 30), (SessionFormat.SEMINAR, 22),
               (SessionFormat.DEBATE, 8), (SessionFormat.POSTER, 4), (SessionFormat.OPEN_PODIUM, 4)]
    total = sum(w for _f, w in weights)
    shares = [(f, rest * w / total) for f, w in weights]
    counts = {f: int(s) for f, s in shares}
    # Largest remainders take the rest; every workshop demo needs at least one workshop.
    for f, _s in sorted(shares, key=lambda fs: fs[1] - int(fs[1]), reverse=True)[: rest - sum(counts.values())]:
        counts[f] += 1
    if counts[SessionFormat.WORKSHOP] == 0 and rest > 0:
        counts[SessionFormat.WORKSHOP] = 1
        counts[SessionFormat.PANEL] -= 1
    for f, _w in weights:
        formats += [f] * max(0, counts[f])
    return formats[:n]


def slot_times() -> list[tuple[date, time, time]]:
    d13, d14, d15, d16 = conference_days()
    grid = [(d13, time(10, 30), time(12, 0)), (d13, time(13, 0), time(14, 30)), (d13, time(17, 0), time(18, 30))]
    for day in (d14, d15):
        grid += [(day, time(10, 30), time(12, 0)), (day, time(13, 30), time(15, 0)),
                 (day, time(15, 30), time(17, 0)), (day, time(17, 30), time(18, 30))]
    grid += [(d16, time(10, 30), time(12, 0)), (d16, time(13, 30), time(15, 0)), (d16, time(15, 30), time(17, 0))]
    return grid


def build_sessions(ctx: DemoContext, rooms: list[DemoRoom], track_ids: list[int]) -> list[DemoSession]:
    """Every session with its room and time (not yet in slots), a few of them cancelled."""
    rng = ctx.rng
    formats = session_formats(ctx.sizes)
    rooms_by_use: dict[str, list[DemoRoom]] = defaultdict(list)
    for room in rooms:
        rooms_by_use[room.use].append(room)
    room_named = {(r.venue, r.name): r for r in rooms}

    # Free (room, day, start, end) places per room use, shuffled once.
    free: dict[str, list[tuple[DemoRoom, datetime, datetime]]] = defaultdict(list)
    for day, start, end in slot_times():
        for room_use in ("plenary", "large", "medium", "small"):
            for room in rooms_by_use[room_use]:
                free[room_use].append((room, ctx.local(day, start), ctx.local(day, end)))
    for places in free.values():
        rng.shuffle(places)
    fallbacks = {"plenary": ("plenary", "large"), "large": ("large", "medium", "plenary"),
                 "medium": ("medium", "large", "small"), "small": ("small", "medium")}

    def take(use: str, step_free: bool) -> tuple[DemoRoom, datetime, datetime] | None:
        for candidate in fallbacks[use]:
            places = free[candidate]
            for index, place in enumerate(places):
                if place[0].step_free or not step_free:
                    return places.pop(index)
        return None

    d13, d14, d15, d16 = conference_days()
    keynote_days = [d14, d15, d16, d13]
    poster_days = [d14, d15, d16]
    sessions: list[DemoSession] = []
    titles_used: set[str] = set()
    rows: list[dict[str, Any]] = []
    keynotes = posters = ceremonies = 0
    for fmt in formats:
        track_index = rng.randrange(len(data.TRACKS))
        track = data.TRACKS[track_index]
        topic = rng.choice(track.topics)
        needs_step_free = rng.random() < 0.03
        needs_booking = False
        booking_cap = None
        place: tuple[DemoRoom, datetime, datetime] | None = None
        if fmt is SessionFormat.CEREMONY:
            if ceremonies == 0:
                title = "Opening ceremony of ESOF 2022"
                place = (room_named[("Pieterskerk", "Main nave")], ctx.local(d13, time(15, 0)),
                         ctx.local(d13, time(16, 30)))
            else:
                title = "Closing ceremony and hand-over to ESOF 2024"
                place = (room_named[("Stadsgehoorzaal", "Grote Zaal")], ctx.local(d16, time(17, 30)),
                         ctx.local(d16, time(18, 30)))
            ceremonies += 1
            track_id = None
        elif fmt is SessionFormat.SOCIAL:
            title = "Delegate party in the Hortus botanicus"
            place = (room_named[("Hortus botanicus", "Garden")], ctx.local(d15, time(19, 30)),
                     ctx.local(d15, time(23, 0)))
            track_id = None
        else:
            track_id = track_ids[track_index]
            title = unique_title(ctx, fmt, topic, titles_used)
            if fmt is SessionFormat.KEYNOTE:
                day = keynote_days[keynotes % 4]
                hall = ("Stadsgehoorzaal", "Grote Zaal") if keynotes < 4 else ("Pieterskerk", "Main nave")
                place = (room_named[hall], ctx.local(day, time(9, 0)), ctx.local(day, time(10, 0)))
                keynotes += 1
            elif fmt is SessionFormat.POSTER:
                day = poster_days[posters % 3]
                place = (room_named[("Pieterskerk", "Exhibition floor")], ctx.local(day, time(12, 0)),
                         ctx.local(day, time(13, 30)))
                posters += 1
            else:
                use = {SessionFormat.PLENARY: "plenary", SessionFormat.WORKSHOP: "small",
                       SessionFormat.OPEN_PODIUM: "medium"}.get(fmt)
                if use is None:
                    use = "large" if rng.random() < (0.35 if fmt in (SessionFormat.PANEL, SessionFormat.DEBATE)
                                                     else 0.15) else "medium"
                elif fmt is SessionFormat.WORKSHOP and rng.random() < 0.15:
                    use = "medium"
                place = take(use, needs_step_free)
                if fmt is SessionFormat.WORKSHOP:
                    needs_booking = True
                    if place is not None and place[0].capacity > 30 and rng.random() < 0.4:
                        booking_cap = rng.choice((20, 24, 25, 30))
        capacity = place[0].capacity if place else 100
        if fmt is SessionFormat.SOCIAL:
            audience = 1200
        elif fmt is SessionFormat.POSTER:
            audience = rng.randint(80, 300)
        else:
            audience = max(10, int(capacity * rng.uniform(0.45, 0.95)))
        if booking_cap is not None:
            audience = min(audience, booking_cap)
        language = "nl" if fmt is SessionFormat.OPEN_PODIUM or rng.random() < 0.04 else "en"
        created = ctx.moment_between(date(2022, 1, 15), date(2022, 5, 31))
        rows.append({
            "title": title, "abstract": abstract(ctx, topic), "format": fmt, "language": language,
            "track_id": track_id, "expected_audience": audience, "needs_booking": needs_booking,
            "booking_cap": booking_cap, "needs_step_free": needs_step_free,
            "status": SessionStatus.CONFIRMED, "created_at": created,
            "updated_at": created + timedelta(days=rng.randint(0, 30)),
        })
        item = DemoSession(0, fmt, title, audience, needs_booking, needs_step_free, booking_cap=booking_cap)
        if place is not None:
            item.room, item.starts_at, item.ends_at = place
        sessions.append(item)

    # A few cancellations, the way a real programme has them.
    seminars = [i for i, s in enumerate(sessions) if s.format is SessionFormat.SEMINAR and s.room]
    for i in rng.sample(seminars, min(len(seminars), ctx.sizes.sessions // 150)):
        rows[i]["status"] = SessionStatus.CANCELLED
        sessions[i].cancelled = True
    ids = insert_rows(ProgrammeSession, rows)
    for item, sid in zip(sessions, ids, strict=True):
        item.id = sid
    ctx.count("programme sessions", len(ids))
    ctx.count("needs-booking sessions", sum(1 for s in sessions if s.needs_booking))
    return sessions


def schedule_sessions(ctx: DemoContext, sessions: list[DemoSession]) -> None:
    """The draft's slots for every session with a place, and a seat counter per booking session."""
    slots = [{"session_id": s.id, "room_id": s.room.id, "starts_at": s.starts_at, "ends_at": s.ends_at}
             for s in sessions if s.room is not None]
    insert_plain(ScheduleSlot, slots)
    ctx.count("scheduled sessions", len(slots))
    ctx.count("unscheduled sessions", len(sessions) - len(slots))
    insert_plain(SessionSeats, [{"session_id": s.id, "confirmed_count": 0, "waitlist_count": 0, "waitlist_seq": 0}
                                for s in sessions if s.needs_booking])


def unique_title(ctx: DemoContext, fmt: SessionFormat, topic: str, used: set[str], *,
                 extra: tuple[str, ...] = ()) -> str:
    """A title of the format's patterns (and `extra` ones) that `used` does not hold yet."""
    patterns = data.SESSION_PATTERNS.get(fmt.value, data.SESSION_PATTERNS["seminar"]) + extra
    for attempt in range(12):
        pattern = ctx.rng.choice(patterns)
        title = pattern.format(topic=topic, Topic=topic[0].upper() + topic[1:])
        if attempt >= 6:
            title = f"{title} ({attempt - 5})"
        if title not in used:
            used.add(title)
            return title
    title = f"{topic[0].upper() + topic[1:]} — session {len(used) + 1}"
    used.add(title)
    return title


def abstract(ctx: DemoContext, topic: str) -> str:
    sentences = ctx.rng.sample(data.ABSTRACT_SENTENCES, 3)
    return " ".join(s.format(topic=topic) for s in [data.ABSTRACT_SENTENCES[0], *sentences[1:]])
