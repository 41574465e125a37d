"""Demo people: user accounts (staff, and the rows every other account is made from) and the
programme's speakers, placed in sessions so that nobody has to be in two places at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from esof.accounts.models import Role, User, UserRole
from esof.demo import data
from esof.demo.context import DemoContext, DemoSizes, insert_plain, insert_rows
from esof.demo.programme import DemoSession
from esof.programme.models import Person, PersonAvailability, SessionFormat, SessionSpeaker

DEFAULT_PASSWORD = "esof2022-demo"
# Formats version 2 and the deliberate conflicts never touch (schedule.py changes panels,
# seminars, debates and workshops): speaker1@example.org speaks in one of them if anyone does.
STEADY_FORMATS = (SessionFormat.POSTER, SessionFormat.OPEN_PODIUM)
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
    emails: list[str] = field(default_factory=list)
    user_ids: list[int | None] = field(default_factory=list)  # the delegates' accounts; speakers' once made
    # The speakers without a delegate account, in the order of their speaker<k>@example.org
    # accounts (made by speaker_area.build_speaker_accounts): speaker1 is one whose session stays
    # published (a poster or an open podium, which version 2 neither cancels nor moves).
    account_order: list[int] = field(default_factory=list)


def user_row(ctx: DemoContext, email: str, name: str, language: str, created: datetime) -> dict[str, Any]:
    return {
        "email": email, "password_hash": ctx.password_hash, "display_name": name, "language": language,
        "email_verified_at": created + timedelta(minutes=ctx.rng.randint(2, 90)),
        "login_nonce": ctx.nonce(), "is_active_account": True, "created_at": created,
        # No reset link sent yet (an empty nonce matches none): the same rows for the same seed.
        "password_reset_nonce": "",
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


def demo_accounts(sizes: DemoSizes, *, newcomers: int = 0, reviewers: int = 0, speakers: int = 0) -> list[str]:
    lines = [f"{login}@example.org ({role.value})" for login, role, _name in STAFF]
    if reviewers:
        lines.append(f"reviewer@example.org, reviewer2@example.org … reviewer{reviewers}@example.org "
                     "(the programme committee; reviewer@ has waiting-list proposals left to score)")
    if speakers:
        lines.append(f"speaker1@example.org … speaker{speakers}@example.org (speakers with the speaker role, "
                     "linked to their programme person; speaker1 has a published session, an open answer and "
                     "an availability window at /speaker/)")
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
            email, user_id = "", None  # speaker<k>@example.org, numbered below
        track = rng.choice(data.TRACKS)
        people.append({
            "name": f"{first} {last}", "affiliation": affiliation, "email": email,
            "bio": f"{first} {last} works at {affiliation} on {rng.choice(track.topics)}.",
            # Some gave a portrait (an https address; the pages load it from there).
            "photo_url": f"https://images.example.org/speakers/{j + 1}.jpg" if j % 5 in (0, 3) else "",
            "needs_step_free": rng.random() < 0.03, "user_id": user_id,
        })

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

    order = account_order(sessions, len(delegates), count)
    for k, person in enumerate(order, start=1):
        people[person]["email"] = f"speaker{k}@example.org"
    if order:  # speaker1's page shows a portrait too
        people[order[0]]["photo_url"] = f"https://images.example.org/speakers/{order[0] + 1}.jpg"
    person_ids = insert_rows(Person, people)
    speakers = DemoSpeakers(person_ids, [p["name"] for p in people], [p["needs_step_free"] for p in people],
                            emails=[p["email"] for p in people], user_ids=[p["user_id"] for p in people],
                            account_order=order)
    ctx.count("speakers (people)", len(person_ids))
    links = [{"session_id": item.id, "person_id": person_ids[person], "role": role, "position": position}
             for item in sessions for position, (person, role) in enumerate(item.speakers)]
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


def account_order(sessions: list[DemoSession], delegates: int, count: int) -> list[int]:
    """The speakers without a delegate account, in person order, except that the first is one
    who speaks in a placed session of a steady format (else a placed one that is not cancelled),
    so that speaker1@example.org has a published session to look at."""
    order = list(range(delegates, count))
    ranks: dict[int, int] = {}
    for item in sessions:
        if item.room is None or item.cancelled:
            continue
        rank = 0 if item.format in STEADY_FORMATS else 1
        for person, _role in item.speakers:
            if person >= delegates:
                ranks[person] = min(rank, ranks.get(person, rank))
    best = min(order, key=lambda person: (ranks.get(person, 2), person), default=None)
    if best is not None:
        order.remove(best)
        order.insert(0, best)
    return order
