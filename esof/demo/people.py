"""Demo people: user accounts (staff, and the rows every other account is made from) and the
programme's speakers, placed in sessions so that nobody has to be in two places at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from esof.accounts.models import Role, User, UserRole
from esof.demo import data
from esof.demo.context import DemoContext, DemoSizes, insert_plain, insert_rows
from esof.demo.programme import DemoSession
from esof.programme.models import Person, PersonAvailability, SessionFormat, SessionSpeaker

DEFAULT_PASSWORD = "esof2022-demo"
STAFF = (("admin", Role.ADMIN, "Ada Admin"), ("organiser", Role.ORGANISER, "Olga Organiser"),
         ("checkin", Role.CHECKIN, "Chris Check-in"))
# The walk from the city centre to the Bio Science Park takes half an hour: a speaker's
# sessions are kept this far apart so the draft has only the conflicts put in on purpose.
SPEAKER_BUFFER = timedelta(minutes=45)
# Speakers per session: (fewest, most).
SPEAKERS_WANTED = {SessionFormat.KEYNOTE: (1, 1), SessionFormat.PLENARY: (3, 4), SessionFormat.PANEL: (3, 5),
                   SessionFormat.DEBATE: (3, 4), SessionFormat.WORKSHOP: (1, 2), SessionFormat.SEMINAR: (2, 4),
                   SessionFormat.POSTER: (1, 3), SessionFormat.OPEN_PODIUM: (1, 2), SessionFormat.CEREMONY: (2, 3),
                   SessionFormat.SOCIAL: (0, 0)}


@dataclass(frozen=True)
class SpeakerDelegate:
    """A delegate registered in the speaker category, who becomes one of the speakers."""
    email: str
    user_id: int
    first: str
    last: str
    affiliation: str


@dataclass
class DemoSpeakers:
    ids: list[int]  # Person ids, by speaker index
    names: list[str]
    step_free: list[bool]


def user_row(ctx: DemoContext, email: str, name: str, language: str, created: datetime) -> dict[str, Any]:
    return {
        "email": email, "password_hash": ctx.password_hash, "display_name": name, "language": language,
        "email_verified_at": created + timedelta(minutes=ctx.rng.randint(2, 90)),
        "login_nonce": ctx.nonce(), "is_active_account": True, "created_at": created,
    }


def add_users(ctx: DemoContext, rows: list[dict[str, Any]], roles: list[tuple[Role, ...]]) -> list[int]:
    ids = insert_rows(User, rows)
    insert_plain(UserRole, [
        {"user_id": uid, "role": role} for uid, user_roles in zip(ids, roles, strict=True) for role in user_roles
    ])
    ctx.count("user accounts", len(ids))
    return ids


def build_staff(ctx: DemoContext) -> dict[str, int]:
    """The admin, organiser and check-in accounts; their user ids by login."""
    created = ctx.local(date(2021, 10, 1), time(9, 0))
    rows = [user_row(ctx, f"{login}@example.org", name, "en", created) for login, _role, name in STAFF]
    ids = add_users(ctx, rows, [(role,) for _login, role, _name in STAFF])
    return dict(zip((login for login, _r, _n in STAFF), ids, strict=True))


def demo_accounts(sizes: DemoSizes, *, newcomers: int = 0) -> list[str]:
    lines = [f"{login}@example.org ({role.value})" for login, role, _name in STAFF]
    lines.append(f"partner1@example.org … partner{sizes.partners}@example.org (partner editors, one per organisation)")
    lines.append(f"delegate1@example.org … delegate{sizes.delegates}@example.org (delegates, most of them confirmed; "
                 "some wait for approval or on the waiting list, a few cancelled; those in the speaker category "
                 "also have the speaker role; delegate1 is confirmed with an empty agenda, to try booking)")
    if newcomers:
        lines.append(f"newcomer1@example.org … newcomer{newcomers}@example.org (verified, not registered: "
                     "to try the registration form)")
    return lines


def build_speakers(ctx: DemoContext, sessions: list[DemoSession], delegates: list[SpeakerDelegate],
                   *, accounts: int) -> DemoSpeakers:
    """The speakers (the registered ones first), their sessions and some availability windows."""
    rng = ctx.rng
    count = max(ctx.sizes.speakers, accounts)
    people: list[dict[str, Any]] = []
    for j in range(count):
        if j < len(delegates):
            delegate = delegates[j]
            first, last, affiliation = delegate.first, delegate.last, delegate.affiliation
            email, user_id = delegate.email, delegate.user_id
        else:
            country, _w, pool, city = rng.choices(data.COUNTRIES, weights=[c[1] for c in data.COUNTRIES])[0]
            first, last = ctx.person_name(pool)
            affiliation = ctx.affiliation(country, city)
            email, user_id = f"speaker{j + 1}@speakers.example.net", None
        track = rng.choice(data.TRACKS)
        people.append({
            "name": f"{first} {last}", "affiliation": affiliation, "email": email,
            "bio": f"{first} {last} works at {affiliation} on {rng.choice(track.topics)}.",
            "needs_step_free": rng.random() < 0.03, "user_id": user_id,
        })
    person_ids = insert_rows(Person, people)
    speakers = DemoSpeakers(person_ids, [p["name"] for p in people], [p["needs_step_free"] for p in people])
    ctx.count("speakers (people)", len(person_ids))
    ctx.count("speakers with an account", sum(1 for p in people if p["user_id"]))

    busy: list[list[tuple[datetime, datetime]]] = [[] for _ in people]
    unused = list(range(count))
    rng.shuffle(unused)

    def fits(person: int, item: DemoSession) -> bool:
        if people[person]["needs_step_free"] and item.room is not None and not item.room.step_free:
            return False
        if item.starts_at is None or item.ends_at is None:  # unplaced (a placed one has both)
            return True
        return all(not (item.starts_at - SPEAKER_BUFFER < end and start < item.ends_at + SPEAKER_BUFFER)
                   for start, end in busy[person])

    links = []
    for item in sessions:
        low, high = SPEAKERS_WANTED[item.format]
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
            if item.starts_at is not None and item.ends_at is not None:
                busy[person].append((item.starts_at, item.ends_at))
        moderated = item.format in (SessionFormat.PANEL, SessionFormat.DEBATE, SessionFormat.PLENARY)
        for position, person in enumerate(chosen):
            role = ("moderator" if moderated and position == 0 else
                    "chair" if item.format is SessionFormat.CEREMONY and position == 0 else "speaker")
            item.speakers.append((person, role))
            links.append({"session_id": item.id, "person_id": person_ids[person], "role": role,
                          "position": position})
    insert_plain(SessionSpeaker, links)
    ctx.count("speaker links", len(links))

    # Some speakers gave the days they can come; the schedule respects them.
    windows = []
    for person in range(count):
        if busy[person] and rng.random() < 0.05:
            days = sorted({start.astimezone(ctx.zone).date() for start, _end in busy[person]})
            windows += [{"person_id": person_ids[person], "starts_at": ctx.local(day, time(8, 0)),
                         "ends_at": ctx.local(day, time(20, 0))} for day in days]
    insert_plain(PersonAvailability, windows)
    ctx.count("availability windows", len(windows))
    return speakers
