"""Build the demo data set: everything from one random.Random(seed), inserted in bulk.

Nothing here reads the clock or the global random state, so the same seed and sizes give
the same rows (password hashes aside: argon2 salts them at random). Rows go in with
ORM bulk INSERT ... RETURNING id, in parameter order, so the generator knows the ids it
links to without a query per row.

The draft schedule is built clean, published as version 1 when the programme area offers
``publish_schedule`` (which refuses hard conflicts), and only then are the deliberate
conflicts put into the draft for the organisers' conflict report to find.
"""
from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from esof.accounts.auth import hash_password
from esof.accounts.models import Role, User, UserRole
from esof.demo import data
from esof.extensions import db
from esof.programme.models import (
    Person,
    PersonAvailability,
    ProgrammeSession,
    ScheduleSlot,
    SessionFormat,
    SessionSpeaker,
    SessionStatus,
    Track,
)
from esof.registration.models import (
    Attendance,
    ConferenceSettings,
    PaymentStatus,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
)
from esof.registration.references import make_payment_reference
from esof.side_events import recurrence as rec
from esof.side_events.models import (
    Audience,
    EventCategory,
    EventState,
    PartnerMembership,
    PartnerOrganisation,
    RevisionStatus,
    SideEvent,
    SideEventOccurrence,
    SideEventRevision,
)
from esof.venues.models import Room, Venue, VenueOpeningHours

CHUNK = 2000
SETTINGS_ID = 1
ONSITE_CAP = 5000
DEFAULT_PASSWORD = "esof2022-demo"
STAFF = (("admin", Role.ADMIN, "Ada Admin"), ("organiser", Role.ORGANISER, "Olga Organiser"),
         ("checkin", Role.CHECKIN, "Chris Check-in"))
# The walk from the city centre to the Bio Science Park takes half an hour: a speaker's
# sessions are kept this far apart so the draft has only the conflicts put in on purpose.
SPEAKER_BUFFER = timedelta(minutes=45)


@dataclass(frozen=True)
class DemoSizes:
    delegates: int = 5000
    sessions: int = 300
    side_events: int = 600
    partners: int = 40

    @property
    def speakers(self) -> int:
        return max(3, round(self.sessions * 5 / 3))

    @property
    def deliberate_conflicts(self) -> int:
        """Room double bookings, and as many speaker double bookings."""
        return 3 if self.sessions >= 100 else 1


@dataclass
class DemoSummary:
    counts: dict[str, int] = field(default_factory=dict)
    published_version: int | None = None
    publish_note: str = ""
    conflicts: list[str] = field(default_factory=list)


def insert_rows(model: type[Any], rows: Sequence[dict[str, Any]]) -> list[int]:
    """Bulk-insert rows and return their new ids in the order given."""
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        ids.extend(db.session.scalars(
            sa.insert(model).returning(model.id, sort_by_parameter_order=True), chunk
        ))
    return ids


def insert_plain(model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(sa.insert(model), rows[start:start + CHUNK])


@dataclass
class _Room:
    id: int
    name: str
    capacity: int
    use: str
    step_free: bool  # room and venue
    allows_parallel: bool
    venue: str


@dataclass
class _Session:
    id: int
    format: SessionFormat
    title: str
    expected_audience: int
    needs_booking: bool
    needs_step_free: bool
    room: _Room | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    speakers: list[tuple[int, str]] = field(default_factory=list)  # (person index, role)
    cancelled: bool = False

    def wants_step_free(self, people_step_free: list[bool]) -> bool:
        return self.needs_step_free or any(people_step_free[p] for p, _role in self.speakers)


class DemoBuilder:
    def __init__(self, *, seed: int, sizes: DemoSizes, password: str) -> None:
        self.rng = random.Random(seed)
        self.sizes = sizes
        self.password = password
        self.zone = ZoneInfo(current_app.config["CONFERENCE_TIMEZONE"])
        self.summary = DemoSummary()

    # ---------------------------------------------------------------- helpers

    def local(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.zone).astimezone(UTC)

    def moment_between(self, first: date, last: date, *, earliest: int = 8, latest: int = 22) -> datetime:
        day = first + timedelta(days=self.rng.randint(0, (last - first).days))
        return self.local(day, time(self.rng.randint(earliest, latest - 1), self.rng.randrange(0, 60)))

    def nonce(self, bits: int = 64) -> str:
        return f"{self.rng.getrandbits(bits):0{bits // 4}x}"

    def person_name(self, pool: str) -> tuple[str, str]:
        firsts, lasts = data.NAMES[pool]
        return self.rng.choice(firsts), self.rng.choice(lasts)

    def affiliation(self, country: str, city: str) -> str:
        own = data.INSTITUTIONS.get(country)
        if own and self.rng.random() < 0.8:
            return self.rng.choice(own)
        return self.rng.choice(data.GENERIC_AFFILIATIONS).format(city=city)

    def count(self, name: str, n: int) -> None:
        self.summary.counts[name] = self.summary.counts.get(name, 0) + n

    # ---------------------------------------------------------------- build

    def build(self) -> DemoSummary:
        self.password_hash = hash_password(self.password)  # once; every demo account shares it
        self.build_venues()
        self.build_tracks()
        self.build_categories()
        self.build_staff()
        self.build_partners()
        self.build_delegates()
        self.build_programme()
        self.build_side_events()
        db.session.flush()
        self.publish_clean_schedule()
        self.add_deliberate_conflicts()
        db.session.flush()
        return self.summary

    def build_venues(self) -> None:
        venue_ids = insert_rows(Venue, [
            {"name": v.name, "slug": v.slug, "address": v.address, "city": "Leiden", "latitude": v.latitude,
             "longitude": v.longitude, "step_free": v.step_free, "description": v.description}
            for v in data.VENUES
        ])
        self.venue_ids = dict(zip((v.name for v in data.VENUES), venue_ids, strict=True))
        hours = []
        for venue, venue_id in zip(data.VENUES, venue_ids, strict=True):
            for day in data.CONFERENCE_DAYS:
                hours.append({"venue_id": venue_id, "day": day, "opens": venue.opens, "closes": venue.closes})
        insert_plain(VenueOpeningHours, hours)
        room_specs = [(venue, venue_id, room) for venue, venue_id in zip(data.VENUES, venue_ids, strict=True)
                      for room in venue.rooms]
        room_ids = insert_rows(Room, [
            {"venue_id": venue_id, "name": room.name, "capacity": room.capacity, "layout": room.layout,
             "streaming": room.streaming, "step_free": room.step_free, "allows_parallel": room.allows_parallel}
            for venue, venue_id, room in room_specs
        ])
        self.rooms = [
            _Room(room_id, room.name, room.capacity, room.use, room.step_free and venue.step_free,
                  room.allows_parallel, venue.name)
            for (venue, _vid, room), room_id in zip(room_specs, room_ids, strict=True)
        ]
        self.count("venues", len(venue_ids))
        self.count("rooms", len(room_ids))

    def build_tracks(self) -> None:
        ids = insert_rows(Track, [
            {"slug": t.slug, "name": t.name, "name_nl": t.name_nl, "colour": t.colour} for t in data.TRACKS
        ])
        self.track_ids = ids
        self.count("tracks", len(ids))

    def build_categories(self) -> None:
        opens = self.local(date(2021, 12, 1), time(9, 0))
        rows = []
        for order, (code, name, name_nl, fee, early, attendance, moderated, coded, capacity, _share, colour) \
                in enumerate(data.CATEGORIES):
            closes = date(2022, 7, 16) if attendance == "online" else date(2022, 7, 10)
            rows.append({
                "code": code, "name": name, "name_nl": name_nl,
                "description": f"{name} — ESOF 2022, {data.THEME}.",
                "fee_cents": fee, "early_fee_cents": early,
                "early_deadline": date(2022, 4, 30) if early is not None else None,
                "opens_at": opens, "closes_at": self.local(closes, time(23, 59)),
                "capacity": capacity, "confirmed_count": 0, "moderated": moderated,
                "access_code": f"SPEAK-{self.nonce(24).upper()}" if coded else None,
                "attendance": Attendance(attendance), "badge_colour": colour, "sort_order": order,
            })
        ids = insert_rows(RegistrationCategory, rows)
        self.categories = {row["code"]: {**row, "id": cid} for row, cid in zip(rows, ids, strict=True)}
        self.count("registration categories", len(ids))

    def add_users(self, rows: list[dict[str, Any]], roles: list[tuple[Role, ...]]) -> list[int]:
        ids = insert_rows(User, rows)
        insert_plain(UserRole, [
            {"user_id": uid, "role": role} for uid, user_roles in zip(ids, roles, strict=True) for role in user_roles
        ])
        self.count("user accounts", len(ids))
        return ids

    def user_row(self, email: str, name: str, language: str, created: datetime) -> dict[str, Any]:
        return {
            "email": email, "password_hash": self.password_hash, "display_name": name, "language": language,
            "email_verified_at": created + timedelta(minutes=self.rng.randint(2, 90)),
            "login_nonce": self.nonce(), "is_active_account": True, "created_at": created,
        }

    def build_staff(self) -> None:
        created = self.local(date(2021, 10, 1), time(9, 0))
        rows = [self.user_row(f"{login}@example.org", name, "en", created) for login, _role, name in STAFF]
        ids = self.add_users(rows, [(role,) for _login, role, _name in STAFF])
        self.staff_ids = dict(zip((login for login, _r, _n in STAFF), ids, strict=True))

    def build_partners(self) -> None:
        specs = list(data.PARTNERS[: self.sizes.partners])
        for n in range(len(specs), self.sizes.partners):
            specs.append(data.PartnerSpec(
                f"Partner organisation {n + 1}", f"partner-{n + 1}", f"https://partner{n + 1}.example.org",
                "science", f"Partner {n + 1}", "Breestraat 1, 2311 CH Leiden", "Binnenstad-Zuid",
            ))
        self.partner_specs = specs
        created = [self.moment_between(date(2021, 9, 1), date(2021, 12, 15)) for _ in specs]
        ids = insert_rows(PartnerOrganisation, [
            {"name": p.name, "slug": p.slug, "website": p.website, "contact_email": f"events@{p.slug}.example.org",
             "description": f"{p.name} takes part in Leiden European City of Science 2022.", "created_at": when}
            for p, when in zip(specs, created, strict=True)
        ])
        self.partner_ids = ids
        users = []
        for n, when in enumerate(created, start=1):
            first, last = self.person_name("dutch")
            users.append(self.user_row(f"partner{n}@example.org", f"{first} {last}", "nl", when))
        self.partner_user_ids = self.add_users(users, [(Role.PARTNER,)] * len(users))
        insert_plain(PartnerMembership, [
            {"organisation_id": org, "user_id": uid, "created_at": when}
            for org, uid, when in zip(ids, self.partner_user_ids, created, strict=True)
        ])
        self.count("partner organisations", len(ids))
        # A fixed point per partner location, near its neighbourhood's centre.
        self.partner_points = []
        for p in specs:
            lat, lon = data.NEIGHBOURHOODS[p.neighbourhood]
            self.partner_points.append((round(lat + self.rng.uniform(-0.002, 0.002), 5),
                                        round(lon + self.rng.uniform(-0.003, 0.003), 5)))

    # ---------------------------------------------------------------- delegates

    def build_delegates(self) -> None:
        n = self.sizes.delegates
        self.speaker_accounts = min(round(self.sizes.speakers * 0.3), n // 5)
        speaker_indices = set(self.rng.sample(range(n), self.speaker_accounts))
        shared = [c for c in data.CATEGORIES if c[9] > 0]
        codes = [c[0] for c in shared]
        shares = [c[9] for c in shared]
        countries = self.rng.choices(data.COUNTRIES, weights=[c[1] for c in data.COUNTRIES], k=n)
        references = self.rng.sample(range(10**8), n)
        taken: dict[str, int] = defaultdict(int)
        early_deadline = date(2022, 4, 30)

        users, roles, regs, self.speaker_delegates = [], [], [], []
        for i in range(n):
            country, _weight, pool, city = countries[i]
            first, last = self.person_name(pool)
            if i in speaker_indices:
                code = "speaker"
            else:
                code = self.rng.choices(codes, weights=shares)[0]
                capacity = self.categories[code]["capacity"]
                if capacity is not None and taken[code] >= capacity:
                    code = "regular"
            taken[code] += 1
            category = self.categories[code]
            if self.rng.random() < 0.45:
                registered = self.moment_between(date(2021, 12, 1), early_deadline)
            else:
                registered = self.moment_between(date(2022, 5, 1), date(2022, 7, 10))
            fee = category["fee_cents"]
            if category["early_fee_cents"] is not None and registered.astimezone(self.zone).date() <= early_deadline:
                fee = category["early_fee_cents"]
            if fee == 0:
                payment, paid_at = PaymentStatus.WAIVED, None
            elif self.rng.random() < 0.06:
                payment, paid_at = PaymentStatus.PENDING, None
            else:
                payment, paid_at = PaymentStatus.PAID, registered + timedelta(days=self.rng.randint(0, 9),
                                                                              minutes=self.rng.randint(0, 600))
            language = "nl" if country == "NL" or (country == "BE" and self.rng.random() < 0.6) else "en"
            account_created = registered - timedelta(minutes=self.rng.randint(5, 120))
            users.append(self.user_row(f"delegate{i + 1}@example.org", f"{first} {last}", language, account_created))
            roles.append((Role.DELEGATE, Role.SPEAKER) if code == "speaker" else (Role.DELEGATE,))
            affiliation = (self.rng.choice(data.PRESS_OUTLETS) if code == "press"
                           else self.affiliation(country, city))
            confirmed = registered + (timedelta(days=self.rng.randint(1, 4)) if category["moderated"] else timedelta())
            regs.append({
                "category_id": category["id"], "status": RegistrationStatus.CONFIRMED, "waitlist_position": None,
                "attendance": category["attendance"], "first_name": first, "last_name": last,
                "affiliation": affiliation, "country": country,
                "dietary_needs": self.rng.choice(("vegetarian", "vegan", "halal", "kosher", "gluten-free",
                                                  "lactose-free", "nut allergy")) if self.rng.random() < 0.15 else "",
                "accessibility_needs": self.rng.choice(("wheelchair user", "hearing loop, please",
                                                        "step-free routes", "sign language interpreter (NGT)"))
                if self.rng.random() < 0.03 else "",
                "public_listing": self.rng.random() < 0.6,
                "consent_version": "2022-01", "consent_at": registered,
                "amount_due_cents": fee, "payment_status": payment,
                "payment_reference": make_payment_reference(references[i]), "paid_at": paid_at,
                "ticket_nonce": self.nonce(128), "created_at": registered, "updated_at": paid_at or confirmed,
                "confirmed_at": confirmed, "cancelled_at": None,
            })
            if code == "speaker":
                self.speaker_delegates.append((i, first, last, affiliation, country))
        user_ids = self.add_users(users, roles)
        for row, uid in zip(regs, user_ids, strict=True):
            row["user_id"] = uid
        insert_plain(Registration, regs)
        self.delegate_user_ids = user_ids
        self.count("registrations (confirmed)", len(regs))

        # Counters in step with the rows.
        for code, row in self.categories.items():
            db.session.execute(sa.update(RegistrationCategory).where(RegistrationCategory.id == row["id"])
                               .values(confirmed_count=taken.get(code, 0)))
        onsite = sum(taken[c] for c, row in self.categories.items() if row["attendance"] is Attendance.ONSITE)
        self.onsite_confirmed = onsite
        if db.session.get(ConferenceSettings, SETTINGS_ID) is None:
            db.session.execute(sa.insert(ConferenceSettings).values(id=SETTINGS_ID, onsite_cap=ONSITE_CAP,
                                                                    onsite_confirmed=onsite))
        else:
            db.session.execute(sa.update(ConferenceSettings).where(ConferenceSettings.id == SETTINGS_ID)
                               .values(onsite_cap=max(ONSITE_CAP, onsite), onsite_confirmed=onsite))
        self.summary.counts["onsite confirmed"] = onsite

    # ---------------------------------------------------------------- programme

    def session_formats(self) -> list[SessionFormat]:
        n = self.sizes.sessions
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

    def slot_times(self) -> list[tuple[date, time, time]]:
        d13, d14, d15, d16 = data.CONFERENCE_DAYS
        grid = [(d13, time(10, 30), time(12, 0)), (d13, time(13, 0), time(14, 30)), (d13, time(17, 0), time(18, 30))]
        for day in (d14, d15):
            grid += [(day, time(10, 30), time(12, 0)), (day, time(13, 30), time(15, 0)),
                     (day, time(15, 30), time(17, 0)), (day, time(17, 30), time(18, 30))]
        grid += [(d16, time(10, 30), time(12, 0)), (d16, time(13, 30), time(15, 0)), (d16, time(15, 30), time(17, 0))]
        return grid

    def build_programme(self) -> None:
        rng = self.rng
        formats = self.session_formats()
        rooms_by_use: dict[str, list[_Room]] = defaultdict(list)
        for room in self.rooms:
            rooms_by_use[room.use].append(room)
        room_named = {(r.venue, r.name): r for r in self.rooms}

        # Free (room, day, start, end) places per room use, shuffled once.
        free: dict[str, list[tuple[_Room, datetime, datetime]]] = defaultdict(list)
        for day, start, end in self.slot_times():
            for use in ("plenary", "large", "medium", "small"):
                for room in rooms_by_use[use]:
                    free[use].append((room, self.local(day, start), self.local(day, end)))
        for places in free.values():
            rng.shuffle(places)
        fallbacks = {"plenary": ("plenary", "large"), "large": ("large", "medium", "plenary"),
                     "medium": ("medium", "large", "small"), "small": ("small", "medium")}

        def take(use: str, step_free: bool) -> tuple[_Room, datetime, datetime] | None:
            for candidate in fallbacks[use]:
                places = free[candidate]
                for index, place in enumerate(places):
                    if place[0].step_free or not step_free:
                        return places.pop(index)
            return None

        d13, d14, d15, d16 = data.CONFERENCE_DAYS
        keynote_days = [d14, d15, d16, d13]
        poster_days = [d14, d15, d16]
        sessions: list[_Session] = []
        titles_used: set[str] = set()
        rows: list[dict[str, Any]] = []
        keynotes = posters = ceremonies = 0
        for index, fmt in enumerate(formats):
            track_index = rng.randrange(len(data.TRACKS))
            track = data.TRACKS[track_index]
            topic = rng.choice(track.topics)
            needs_step_free = rng.random() < 0.03
            needs_booking = False
            booking_cap = None
            place: tuple[_Room, datetime, datetime] | None = None
            if fmt is SessionFormat.CEREMONY:
                if ceremonies == 0:
                    title = "Opening ceremony of ESOF 2022"
                    place = (room_named[("Pieterskerk", "Main nave")], self.local(d13, time(15, 0)),
                             self.local(d13, time(16, 30)))
                else:
                    title = "Closing ceremony and hand-over to ESOF 2024"
                    place = (room_named[("Stadsgehoorzaal", "Grote Zaal")], self.local(d16, time(17, 30)),
                             self.local(d16, time(18, 30)))
                ceremonies += 1
                track_id = None
            elif fmt is SessionFormat.SOCIAL:
                title = "Delegate party in the Hortus botanicus"
                place = (room_named[("Hortus botanicus", "Garden")], self.local(d15, time(19, 30)),
                         self.local(d15, time(23, 0)))
                track_id = None
            else:
                track_id = self.track_ids[track_index]
                title = self.unique_title(fmt, topic, titles_used)
                if fmt is SessionFormat.KEYNOTE:
                    day = keynote_days[keynotes % 4]
                    hall = ("Stadsgehoorzaal", "Grote Zaal") if keynotes < 4 else ("Pieterskerk", "Main nave")
                    place = (room_named[hall], self.local(day, time(9, 0)), self.local(day, time(10, 0)))
                    keynotes += 1
                elif fmt is SessionFormat.POSTER:
                    day = poster_days[posters % 3]
                    place = (room_named[("Pieterskerk", "Exhibition floor")], self.local(day, time(12, 0)),
                             self.local(day, time(13, 30)))
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
            created = self.moment_between(date(2022, 1, 15), date(2022, 5, 31))
            rows.append({
                "title": title, "abstract": self.abstract(topic), "format": fmt, "language": language,
                "track_id": track_id, "expected_audience": audience, "needs_booking": needs_booking,
                "booking_cap": booking_cap, "needs_step_free": needs_step_free,
                "status": SessionStatus.CONFIRMED, "created_at": created,
                "updated_at": created + timedelta(days=rng.randint(0, 30)),
            })
            sessions.append(_Session(0, fmt, title, audience, needs_booking, needs_step_free,
                                     *(place if place else (None, None, None))))

        # A few cancellations, the way a real programme has them.
        seminars = [i for i, s in enumerate(sessions) if s.format is SessionFormat.SEMINAR and s.room]
        for i in rng.sample(seminars, min(len(seminars), self.sizes.sessions // 150)):
            rows[i]["status"] = SessionStatus.CANCELLED
            sessions[i].cancelled = True
        ids = insert_rows(ProgrammeSession, rows)
        for item, sid in zip(sessions, ids, strict=True):
            item.id = sid
        self.sessions = sessions
        self.count("programme sessions", len(ids))
        self.count("needs-booking sessions", sum(1 for s in sessions if s.needs_booking))

        self.build_speakers()
        slots = [{"session_id": s.id, "room_id": s.room.id, "starts_at": s.starts_at, "ends_at": s.ends_at}
                 for s in sessions if s.room is not None]
        self.slot_ids = dict(zip((s["session_id"] for s in slots), insert_rows(ScheduleSlot, slots), strict=True))
        self.count("scheduled sessions", len(slots))
        self.count("unscheduled sessions", len(sessions) - len(slots))
        self.insert_session_seats([s.id for s in sessions if s.needs_booking])

    def insert_session_seats(self, session_ids: list[int]) -> None:
        try:
            from esof.bookings.models import SessionSeats
        except ImportError:  # pragma: no cover - the bookings area is part of the schema
            return
        insert_plain(SessionSeats, [{"session_id": sid, "confirmed_count": 0, "waitlist_count": 0,
                                     "waitlist_seq": 0} for sid in session_ids])

    def unique_title(self, fmt: SessionFormat, topic: str, used: set[str]) -> str:
        patterns = data.SESSION_PATTERNS.get(fmt.value, data.SESSION_PATTERNS["seminar"])
        for attempt in range(12):
            pattern = self.rng.choice(patterns)
            title = pattern.format(topic=topic, Topic=topic[0].upper() + topic[1:])
            if attempt >= 6:
                title = f"{title} ({attempt - 5})"
            if title not in used:
                used.add(title)
                return title
        title = f"{topic[0].upper() + topic[1:]} — session {len(used) + 1}"
        used.add(title)
        return title

    def abstract(self, topic: str) -> str:
        sentences = self.rng.sample(data.ABSTRACT_SENTENCES, 3)
        return " ".join(s.format(topic=topic) for s in [data.ABSTRACT_SENTENCES[0], *sentences[1:]])

    def build_speakers(self) -> None:
        rng = self.rng
        count = max(self.sizes.speakers, self.speaker_accounts)
        people: list[dict[str, Any]] = []
        for j in range(count):
            if j < len(self.speaker_delegates):
                i, first, last, affiliation, _country = self.speaker_delegates[j]
                email = f"delegate{i + 1}@example.org"
                user_id = self.delegate_user_ids[i]
            else:
                country, _w, pool, city = rng.choices(data.COUNTRIES, weights=[c[1] for c in data.COUNTRIES])[0]
                first, last = self.person_name(pool)
                affiliation = self.affiliation(country, city)
                email, user_id = f"speaker{j + 1}@speakers.example.net", None
            track = rng.choice(data.TRACKS)
            people.append({
                "name": f"{first} {last}", "affiliation": affiliation, "email": email,
                "bio": f"{first} {last} works at {affiliation} on {rng.choice(track.topics)}.",
                "needs_step_free": rng.random() < 0.03, "user_id": user_id,
            })
        person_ids = insert_rows(Person, people)
        self.person_ids = person_ids
        self.person_names = [p["name"] for p in people]
        self.person_step_free = [p["needs_step_free"] for p in people]
        self.count("speakers (people)", len(person_ids))
        self.count("speakers with an account", sum(1 for p in people if p["user_id"]))

        busy: list[list[tuple[datetime, datetime]]] = [[] for _ in people]
        unused = list(range(count))
        rng.shuffle(unused)

        def fits(person: int, item: _Session) -> bool:
            if people[person]["needs_step_free"] and item.room is not None and not item.room.step_free:
                return False
            if item.starts_at is None:
                return True
            return all(not (item.starts_at - SPEAKER_BUFFER < end and start < item.ends_at + SPEAKER_BUFFER)
                       for start, end in busy[person])

        wanted = {SessionFormat.KEYNOTE: (1, 1), SessionFormat.PLENARY: (3, 4), SessionFormat.PANEL: (3, 5),
                  SessionFormat.DEBATE: (3, 4), SessionFormat.WORKSHOP: (1, 2), SessionFormat.SEMINAR: (2, 4),
                  SessionFormat.POSTER: (1, 3), SessionFormat.OPEN_PODIUM: (1, 2), SessionFormat.CEREMONY: (2, 3),
                  SessionFormat.SOCIAL: (0, 0)}
        links = []
        for item in self.sessions:
            low, high = wanted[item.format]
            chosen: list[int] = []
            for _ in range(rng.randint(low, high)):
                person = None
                for k, candidate in enumerate(unused):
                    if fits(candidate, item):
                        person = unused.pop(k)
                        break
                tries = 0
                while person is None and tries < 60:
                    candidate = rng.randrange(count)
                    if candidate not in chosen and fits(candidate, item):
                        person = candidate
                    tries += 1
                if person is None:
                    continue
                chosen.append(person)
                if item.starts_at is not None:
                    busy[person].append((item.starts_at, item.ends_at))
            moderated = item.format in (SessionFormat.PANEL, SessionFormat.DEBATE, SessionFormat.PLENARY)
            for position, person in enumerate(chosen):
                role = ("moderator" if moderated and position == 0 else
                        "chair" if item.format is SessionFormat.CEREMONY and position == 0 else "speaker")
                item.speakers.append((person, role))
                links.append({"session_id": item.id, "person_id": person_ids[person], "role": role,
                              "position": position})
        insert_plain(SessionSpeaker, links)
        self.count("speaker links", len(links))

        # Some speakers gave the days they can come; the schedule respects them.
        windows = []
        for person in range(count):
            if busy[person] and rng.random() < 0.05:
                days = sorted({start.astimezone(self.zone).date() for start, _end in busy[person]})
                windows += [{"person_id": person_ids[person], "starts_at": self.local(day, time(8, 0)),
                             "ends_at": self.local(day, time(20, 0))} for day in days]
        insert_plain(PersonAvailability, windows)
        self.count("availability windows", len(windows))

    # ---------------------------------------------------------------- publishing and conflicts

    def publish_clean_schedule(self) -> None:
        try:
            from esof.programme.services import publish_schedule
        except ImportError:
            self.summary.publish_note = "no publish service in the programme area; nothing published"
            return
        admin = db.session.get(User, self.staff_ids["admin"])
        try:
            with db.session.begin_nested():
                version = publish_schedule(actor=admin, note="First public programme (demo data).")
        except Exception as exc:  # a refusal leaves the draft unpublished, which is still a demo
            self.summary.publish_note = f"publishing refused: {exc}"
            return
        self.summary.published_version = version.number

    def add_deliberate_conflicts(self) -> None:
        """Room and speaker double bookings in the draft, after version 1 went out clean."""
        rng = self.rng
        k = self.sizes.deliberate_conflicts
        movable = [s for s in self.sessions
                   if s.room is not None and not s.room.allows_parallel and not s.needs_booking and not s.cancelled
                   and s.format in (SessionFormat.PANEL, SessionFormat.SEMINAR, SessionFormat.DEBATE)]
        by_time: dict[datetime, list[_Session]] = defaultdict(list)
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
                mover, host = self.pick_room_pair(group)
                if mover is not None:
                    db.session.execute(sa.update(ScheduleSlot).where(ScheduleSlot.session_id == mover.id)
                                       .values(room_id=host.room.id))
                    mover.room = host.room
                    touched.update((mover.id, host.id))
                    rooms_done += 1
                    self.summary.conflicts.append(
                        f"room double-booked: {host.room.name} ({host.room.venue}), sessions {host.id} and {mover.id}")
                    continue
            if speakers_done < k:
                first, second = group[0], group[1]
                guests = [p for p, role in first.speakers if role == "speaker"
                          and p not in {q for q, _r in second.speakers}
                          and (second.room.step_free or not self.person_step_free[p])]
                if not guests:
                    continue
                person = guests[0]
                db.session.execute(sa.insert(SessionSpeaker).values(
                    session_id=second.id, person_id=self.person_ids[person], role="speaker",
                    position=len(second.speakers)))
                second.speakers.append((person, "speaker"))
                touched.update((first.id, second.id))
                speakers_done += 1
                self.summary.conflicts.append(
                    f"speaker double-booked: {self.person_names[person]} in sessions {first.id} and {second.id}")
            if rooms_done >= k and speakers_done >= k:
                break

    def pick_room_pair(self, group: list[_Session]) -> tuple[_Session | None, _Session | None]:
        """Two sessions at the same time; the mover fits the host's room (size, step-free)."""
        for mover in group:
            for host in group:
                if host is not mover and host.room.capacity >= mover.expected_audience \
                        and (host.room.step_free or not mover.wants_step_free(self.person_step_free)):
                    return mover, host
        return None, None

    # ---------------------------------------------------------------- side events

    def build_side_events(self) -> None:
        rng = self.rng
        specs = self.partner_specs
        weights = [p.weight for p in specs]
        venue_by_location = {name: vid for name, vid in self.venue_ids.items()}
        organiser = self.staff_ids["organiser"]
        events, event_meta = [], []
        for i in range(self.sizes.side_events):
            p_index = rng.choices(range(len(specs)), weights=weights)[0]
            partner = specs[p_index]
            author = self.partner_user_ids[p_index]
            category = rng.choice(self.categories_for(partner.kind))
            state = self.state_for(i)
            content = self.side_event_content(i, partner, p_index, category)
            submitted = self.submitted_before(content)
            events.append({
                "organisation_id": self.partner_ids[p_index], "state": state,
                "rejection_reason": data.REJECTION_REASONS[i % 2] if state is EventState.REJECTED else "",
                "created_by_id": author, "created_at": submitted, "updated_at": submitted + timedelta(days=2),
                "sequence": 0,
            })
            base = {**content, "venue_id": venue_by_location.get(content["location_name"]),
                    "created_by_id": author, "created_at": submitted}
            own = []
            if state is EventState.SUBMITTED:
                own.append({**base, "status": RevisionStatus.PENDING, "reviewed_by_id": None, "reviewed_at": None})
            elif state is EventState.REJECTED:
                own.append({**base, "status": RevisionStatus.REJECTED, "reviewed_by_id": organiser,
                            "reviewed_at": submitted + timedelta(days=2)})
            else:
                own.append({**base, "status": RevisionStatus.APPROVED, "reviewed_by_id": organiser,
                            "reviewed_at": submitted + timedelta(days=rng.randint(1, 3))})
                if i % 50 == 13:  # an approved event with an edit waiting for moderation
                    edit = {**base, "status": RevisionStatus.PENDING, "reviewed_by_id": None, "reviewed_at": None,
                            "created_at": submitted + timedelta(days=5)}
                    if edit["title_en"]:
                        edit["title_en"] += " (new date soon)"
                    if edit["title_nl"]:
                        edit["title_nl"] += " (nieuwe datum volgt)"
                    own.append(edit)
            event_meta.append(own)
        event_ids = insert_rows(SideEvent, events)
        flat = []
        for event_id, own in zip(event_ids, event_meta, strict=True):
            for row in own:
                flat.append({**row, "event_id": event_id})
        revision_ids = insert_rows(SideEventRevision, flat)
        occurrences = []
        for row, revision_id in zip(flat, revision_ids, strict=True):
            if row["status"] is not RevisionStatus.APPROVED:
                continue
            for o in rec.expand(all_day=row["all_day"], starts_at=row["starts_at"], ends_at=row["ends_at"],
                                start_date=row["start_date"], end_date=row["end_date"], rule=row["rrule"],
                                exdates=row["exdates"], zone=self.zone):
                occurrences.append({"event_id": row["event_id"], "revision_id": revision_id,
                                    "starts_at": o.starts_at, "ends_at": o.ends_at, "local_day": o.local_day,
                                    "all_day": o.all_day})
        insert_plain(SideEventOccurrence, occurrences)
        self.count("side events", len(event_ids))
        self.count("side events approved", sum(1 for e in events if e["state"] is EventState.APPROVED))
        self.count("side events awaiting moderation", sum(1 for e in events if e["state"] is EventState.SUBMITTED))
        self.count("side-event edits awaiting moderation",
                   sum(1 for r in flat if r["status"] is RevisionStatus.PENDING) - self.summary.counts[
                       "side events awaiting moderation"])
        self.count("recurring side events", sum(1 for r in flat if r["rrule"] and r["status"] is RevisionStatus.APPROVED))
        self.count("side-event occurrences", len(occurrences))

    @staticmethod
    def state_for(i: int) -> EventState:
        if i % 25 == 7:
            return EventState.SUBMITTED
        if i % 100 == 42:
            return EventState.REJECTED
        return EventState.APPROVED

    @staticmethod
    def categories_for(kind: str) -> tuple[EventCategory, ...]:
        c = EventCategory
        return {
            "museum": (c.EXHIBITION, c.TOUR, c.FAMILY, c.LECTURE, c.WORKSHOP),
            "university": (c.LECTURE, c.DEBATE, c.WORKSHOP, c.LECTURE),
            "health": (c.LECTURE, c.WORKSHOP, c.DEBATE),
            "school": (c.WORKSHOP, c.FAMILY, c.OTHER),
            "library": (c.LECTURE, c.WORKSHOP, c.FAMILY, c.EXHIBITION),
            "science": (c.FAMILY, c.WORKSHOP, c.TOUR, c.FESTIVAL, c.LECTURE),
            "student": (c.DEBATE, c.LECTURE, c.PERFORMANCE, c.OTHER),
            "culture": (c.PERFORMANCE, c.LECTURE, c.FESTIVAL, c.EXHIBITION),
            "city": (c.DEBATE, c.TOUR, c.FESTIVAL),
        }[kind]

    def event_day(self) -> date:
        """A day in 2022, with the festival summer around the conference more likely."""
        if self.rng.random() < 0.35:
            return date(2022, 6, 15) + timedelta(days=self.rng.randint(0, 61))
        return date(2022, 1, 8) + timedelta(days=self.rng.randint(0, 350))

    def side_event_content(self, i: int, partner: data.PartnerSpec, p_index: int,
                           category: EventCategory) -> dict[str, Any]:
        rng = self.rng
        nl_topic, en_topic = rng.choice(data.SIDE_EVENT_TOPICS)
        nl_pattern, en_pattern = data.SIDE_EVENT_FORMATS[category.value]
        language = "nl" if rng.random() < 0.65 else "en"
        both = rng.random() < 0.45
        title_nl = nl_pattern.format(nl=nl_topic) if language == "nl" or both else ""
        title_en = en_pattern.format(en=en_topic) if language == "en" or both else ""
        paragraphs = [d for d in data.SIDE_EVENT_DESCRIPTIONS if d is data.SIDE_EVENT_DESCRIPTIONS[0]
                      or rng.random() < 0.5]
        description_nl = "".join(nl.format(nl=nl_topic.lower()) for nl, _en in paragraphs) if title_nl else ""
        description_en = "".join(en.format(en=en_topic.lower()) for _nl, en in paragraphs) if title_en else ""

        audience = {
            EventCategory.FAMILY: ("children", "families"), EventCategory.EXHIBITION: ("families", "adults"),
            EventCategory.FESTIVAL: ("children", "families", "adults"), EventCategory.TOUR: ("families", "adults"),
            EventCategory.DEBATE: ("adults",), EventCategory.PERFORMANCE: ("adults",),
        }.get(category) or rng.choice((("adults",), ("adults", "professionals"), ("professionals",),
                                       ("children",), ("families", "adults")))
        dates: dict[str, Any] = {"all_day": False, "starts_at": None, "ends_at": None, "start_date": None,
                                 "end_date": None, "rrule": None, "exdates": []}
        if category is EventCategory.EXHIBITION:
            first = date(2022, 1, 15) + timedelta(days=rng.randint(0, 260))
            last = min(first + timedelta(days=rng.randint(30, 120)), date(2022, 12, 31))
            dates.update(all_day=True, start_date=first, end_date=last)
        elif category is EventCategory.FESTIVAL:
            first = self.event_day()
            last = min(first + timedelta(days=rng.choice((0, 0, 1, 2))), date(2022, 12, 31))
            dates.update(all_day=True, start_date=first, end_date=last)
        else:
            start, end = rng.choice({
                EventCategory.LECTURE: ((time(19, 30), time(21, 0)), (time(20, 0), time(21, 30)),
                                        (time(16, 0), time(17, 0))),
                EventCategory.FAMILY: ((time(10, 30), time(12, 0)), (time(13, 0), time(16, 0))),
                EventCategory.TOUR: ((time(11, 0), time(12, 30)), (time(14, 0), time(15, 30))),
                EventCategory.WORKSHOP: ((time(14, 0), time(16, 0)), (time(19, 0), time(21, 0))),
                EventCategory.DEBATE: ((time(20, 0), time(21, 30)),),
                EventCategory.PERFORMANCE: ((time(20, 15), time(22, 0)),),
                EventCategory.OTHER: ((time(17, 0), time(19, 0)), (time(21, 0), time(23, 30))),
            }[category])
            day = self.event_day()
            if category in (EventCategory.FAMILY, EventCategory.TOUR) and day.weekday() < 5:
                day += timedelta(days=5 - day.weekday())  # to the Saturday
            if day.year != 2022:
                day = date(2022, 12, 17)
            if i % 10 == 3:  # a weekly series, some crossing a change of the clocks
                day = min(day, date(2022, 9, 30))
                until = min(day + timedelta(weeks=rng.randint(6, 16)), date(2022, 12, 31))
                rule = rec.build_rrule(rec.Recurrence(frequency=rec.Frequency.WEEKLY, weekdays=(day.weekday(),),
                                                      until=until), all_day=False, zone=self.zone)
                series = [o.local_day for o in rec.expand(
                    all_day=False, starts_at=self.local(day, start), ends_at=self.local(day, end), start_date=None,
                    end_date=None, rule=rule, exdates=(), zone=self.zone)]
                skipped = rng.sample(series[1:], min(len(series) - 1, rng.randint(1, 2)))
                dates.update(rrule=rule, exdates=rec.build_exdates(skipped, all_day=False, start_time=start))
            dates.update(starts_at=self.local(day, start), ends_at=self.local(day, end))

        if category is EventCategory.EXHIBITION:
            price = rng.choice((None, 1250, 1500, 1950, 2250))
        elif category is EventCategory.PERFORMANCE:
            price = rng.choice((1250, 1500, 1750))
        elif partner.kind in ("student", "library", "city", "university") or rng.random() < 0.55:
            price = None
        else:
            price = rng.choice((300, 500, 750, 1000))
        lat, lon = self.partner_points[p_index]
        return {
            "title_en": title_en, "title_nl": title_nl, "description_en": description_en,
            "description_nl": description_nl, "language": language, "category": category,
            "audience": ",".join(a.value for a in Audience if a.value in audience),
            "location_name": partner.location, "address": partner.address, "neighbourhood": partner.neighbourhood,
            "latitude": lat, "longitude": lon, **dates, "price_cents": price,
            "booking_url": f"{partner.website}/agenda/{i + 1}" if price or category is EventCategory.WORKSHOP else "",
            "image_url": "",
        }

    def submitted_before(self, content: dict[str, Any]) -> datetime:
        first = content["starts_at"] or self.local(content["start_date"], time(0, 0))
        earliest = self.local(date(2021, 11, 1), time(9, 0))
        return max(earliest, first - timedelta(days=self.rng.randint(20, 90), hours=self.rng.randint(0, 10)))


def build_demo_data(*, seed: int, sizes: DemoSizes, password: str) -> DemoSummary:
    """Create the whole demo data set in the current transaction (flushes, does not commit)."""
    return DemoBuilder(seed=seed, sizes=sizes, password=password).build()


def demo_accounts(sizes: DemoSizes) -> list[str]:
    lines = [f"{login}@example.org ({role.value})" for login, role, _name in STAFF]
    lines.append(f"partner1@example.org … partner{sizes.partners}@example.org (partner editors, one per organisation)")
    lines.append(f"delegate1@example.org … delegate{sizes.delegates}@example.org (confirmed delegates; "
                 "those in the speaker category also have the speaker role)")
    return lines

