"""Demo speakers' own area (/speaker/): accounts for the speakers who had none, their answers to
taking part, and what speaker1@example.org needs to try the page.

Every speaker of the programme has an account: the delegates in the speaker category had one,
the others get ``speaker<k>@example.org`` (the speaker role, verified, linked to their person,
as an accepted proposal links them). Their answers: most confirmed after the programme went
out on 1 June 2022, a few not yet, one or two declined in July (the organisers' session form
shows it). speaker1 speaks in a published session, has one answer still open and a window in
which they can speak.
"""
from __future__ import annotations

from datetime import date, time

import sqlalchemy as sa

from esof.accounts.models import Role, User
from esof.conference import conference_days
from esof.demo.context import DemoContext, insert_plain, update_rows
from esof.demo.people import DemoSpeakers, add_users, user_row
from esof.demo.programme import DemoSession
from esof.extensions import db
from esof.programme.models import Participation, Person, PersonAvailability, SessionSpeaker

# They signed up before sending their proposals (from November 2021 on, see cfp.py).
SIGNED_UP = (date(2021, 10, 1), date(2021, 10, 15))
CONFIRMED = (date(2022, 6, 1), date(2022, 6, 30))  # after the first publication
DECLINED = (date(2022, 7, 1), date(2022, 7, 7))  # before the second
PENDING_SHARE = 0.04


def build_speaker_accounts(ctx: DemoContext, speakers: DemoSpeakers) -> None:
    """speaker<k>@example.org for each speaker without a delegate account, linked to the person."""
    rng = ctx.rng
    order = speakers.account_order
    rows = []
    for k, person in enumerate(order):
        language = "nl" if rng.random() < 0.15 and k > 0 else "en"  # speaker1 reads English
        rows.append(user_row(ctx, speakers.emails[person], speakers.names[person], language,
                             ctx.moment_between(*SIGNED_UP)))
    user_ids = add_users(ctx, rows, [(Role.SPEAKER,)] * len(rows))
    for person, user_id in zip(order, user_ids, strict=True):
        speakers.user_ids[person] = user_id
    if order:  # one statement: each person takes the account with its address
        db.session.execute(
            sa.update(Person).where(Person.id.in_([speakers.ids[p] for p in order]))
            .values(user_id=sa.select(User.id).where(User.email == Person.email).scalar_subquery())
            .execution_options(synchronize_session=False)
        )
    ctx.count("speaker accounts (speaker1 …)", len(user_ids))
    ctx.count("speakers with an account", sum(1 for user_id in speakers.user_ids if user_id))


def answer_participation(ctx: DemoContext, sessions: list[DemoSession], speakers: DemoSpeakers) -> None:
    """Each speaker's answer per session; speaker1's first session stays unanswered."""
    rng = ctx.rng
    first = speakers.account_order[0] if speakers.account_order else None
    links = [(item, person) for item in sessions for person, _role in item.speakers]
    theirs = [(item, person) for item, person in links if person == first]
    theirs.sort(key=lambda link: link[0].cancelled or link[0].room is None)  # one that takes place first
    open_link = (theirs[0][0].id, first) if theirs else None
    # Declines: in sessions that keep other speakers and still take place.
    candidates = [(item.id, person) for item, person in links
                  if len(item.speakers) > 1 and not item.cancelled and item.room is not None and person != first]
    declined = set(rng.sample(candidates, min(len(candidates), max(1, min(2, len(sessions) // 100)))))
    rows = []
    pending = 0
    for item, person in links:
        key = (item.id, person)
        if key == open_link or (key not in declined and rng.random() < PENDING_SHARE):
            pending += 1
            continue  # as inserted: pending, not answered
        answer = Participation.DECLINED if key in declined else Participation.CONFIRMED
        rows.append({"session_id": item.id, "person_id": speakers.ids[person], "participation": answer,
                     "answered_at": ctx.moment_between(*(DECLINED if key in declined else CONFIRMED))})
    update_rows(SessionSpeaker, ["session_id", "person_id"], rows)
    ctx.count("participation confirmed", len(rows) - len(declined))
    ctx.count("participation not answered yet", pending)
    ctx.count("participation declined", len(declined))


def speaker1_window(ctx: DemoContext, sessions: list[DemoSession], speakers: DemoSpeakers) -> None:
    """speaker1 gave the days of their sessions (8:00–20:00), unless they had given windows."""
    if not speakers.account_order:
        return
    first = speakers.account_order[0]
    person_id = speakers.ids[first]
    if db.session.scalar(sa.select(PersonAvailability.id).where(PersonAvailability.person_id == person_id)
                         .limit(1)) is not None:
        return
    days = sorted({item.starts_at.astimezone(ctx.zone).date() for item in sessions
                   if item.starts_at is not None and any(p == first for p, _role in item.speakers)})
    days = days or [conference_days()[1]]  # none placed (a tiny demo): a day of the conference
    windows = [{"person_id": person_id, "starts_at": ctx.local(day, time(8, 0)), "ends_at": ctx.local(day, time(20, 0))}
               for day in days]
    insert_plain(PersonAvailability, windows)
    ctx.count("availability windows", len(windows))
