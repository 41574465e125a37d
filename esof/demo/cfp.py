"""Demo call for sessions: the call, and the proposals that led to the programme.

The call offers panels, debates, workshops, seminars, posters and open podiums (keynotes,
plenaries, the ceremonies and the party were the organisers' invitations). Without
``--historic`` it opened on 1 October 2021 and stays open until 60 days after the load day, as
the registration categories do, so a proposal can be tried; with it, it closed on 15 January
2022. The proposals are 2021–2022's either way: sent in from November to the deadline,
reviewed until the end of February (reviews.py), decided in the week of 7 March 2022.

Every session of an offered format is an accepted proposal: the same title, abstract, format,
track and language, the session's speakers as its speakers (each with an account, linked to
the person, as an acceptance links them), ``cfp_proposal.session_id`` pointing at it, and the
session dated from its acceptance. Beside them: rejected proposals, a waiting list still open
for review, a few drafts and withdrawn ones, co-speakers who accepted, never answered or
declined. Rows go in with the demo's bulk inserts (esof.cfp.bulk stamps one "now" and random
link nonces; these rows carry their 2021–2022 moments and seeded nonces), without mails: the
decision mails of 2022 are history. Decisions are in the audit log, as decide_proposal writes them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, cast

import sqlalchemy as sa

from esof.accounts.models import AuditLog, User
from esof.cfp.models import Proposal, ProposalSpeaker, ProposalState, SpeakerStatus
from esof.cfp.services import MAX_CO_SPEAKERS, CallInput, parse_criteria, save_call
from esof.demo import data
from esof.demo.context import DemoContext, insert_plain, insert_rows, update_rows
from esof.demo.people import SPEAKERS_WANTED, DemoSpeakers
from esof.demo.programme import DemoSession, abstract, unique_title
from esof.demo.registrations import OPEN_FOR, DemoDelegates
from esof.extensions import db
from esof.programme.models import ProgrammeSession, SessionFormat
from esof.text import slugify

F = SessionFormat
S = ProposalState
INVITED_FORMATS = frozenset({F.KEYNOTE, F.PLENARY, F.CEREMONY, F.SOCIAL})
OFFERED = (F.PANEL, F.DEBATE, F.WORKSHOP, F.SEMINAR, F.POSTER, F.OPEN_PODIUM)
FORMAT_WEIGHTS = (30, 8, 22, 22, 6, 4)  # of the proposals the programme did not take, as OFFERED
CALL_SAVED = (date(2021, 10, 1), time(9, 30))
CALL_OPENS = (date(2021, 10, 1), time(10, 0))
HISTORIC_CLOSES = (date(2022, 1, 15), time(23, 59))
SUBMISSIONS = (date(2021, 11, 1), date(2022, 1, 15))
LAST_DAYS = date(2022, 1, 5)  # more than half came in during the last ten days
DECISIONS = (date(2022, 3, 7), date(2022, 3, 11))
DECIDED_STATES = frozenset({S.ACCEPTED, S.REJECTED, S.WAITLISTED})
# The committee's impression of a proposal, which its scores scatter around (reviews.py).
QUALITY = {S.ACCEPTED: (3.5, 4.7), S.WAITLISTED: (2.9, 3.8), S.REJECTED: (1.4, 3.4)}
AUDIENCES = (30, 40, 60, 80, 100, 150, 200, 300)


@dataclass
class DemoProposal:
    row: dict[str, Any]  # the cfp_proposal columns
    speakers: list[dict[str, Any]]  # cfp_speaker rows, without proposal_id
    quality: float = 0.0
    id: int = 0
    session_updated: datetime | None = None  # an accepted one's session, as the programme left it


@dataclass
class DemoCall:
    criteria: list[str]  # the keys of the call's review criteria
    proposals: list[DemoProposal] = field(default_factory=list)


def call_window(ctx: DemoContext) -> tuple[datetime, datetime]:
    """(opens, closes): the 2022 dates with --historic, else open until 60 days after the load day."""
    opens = ctx.local(*CALL_OPENS)
    if ctx.historic:
        return opens, ctx.local(*HISTORIC_CLOSES)
    return opens, ctx.local(ctx.today + OPEN_FOR, time(23, 59))


def build_call(ctx: DemoContext, *, organiser_id: int, track_ids: list[int]) -> DemoCall:
    """The call, saved by the organiser through the real service, dated when it was."""
    organiser = db.session.get_one(User, organiser_id)
    opens, closes = call_window(ctx)
    criteria = parse_criteria("\n".join(f"{en} | {nl}" for en, nl in data.REVIEW_CRITERIA))
    call = save_call(actor=organiser, data=CallInput(
        opens_at=opens, closes_at=closes, formats=[f.value for f in OFFERED], track_ids=track_ids,
        guidance_en=data.CALL_GUIDANCE_EN, guidance_nl=data.CALL_GUIDANCE_NL, criteria=criteria,
        reviewing_open=True,  # the waiting list is still being scored
    ))
    saved = ctx.local(*CALL_SAVED)
    call.updated_at = saved
    db.session.flush()
    db.session.execute(sa.update(AuditLog).where(AuditLog.action == "save-call-for-sessions")
                       .values(created_at=saved).execution_options(synchronize_session=False))
    return DemoCall([c.key for c in criteria])


def build_proposals(ctx: DemoContext, call: DemoCall, sessions: list[DemoSession], speakers: DemoSpeakers,
                    delegates: DemoDelegates, *, track_ids: list[int], organiser_id: int) -> None:
    """The accepted proposals behind the sessions, then the others; ids in the order they were made."""
    columns = (ProgrammeSession.id, ProgrammeSession.abstract, ProgrammeSession.title_nl,
               ProgrammeSession.abstract_nl, ProgrammeSession.track_id, ProgrammeSession.language,
               ProgrammeSession.expected_audience, ProgrammeSession.needs_step_free, ProgrammeSession.updated_at)
    programme = {row.id: row for row in db.session.execute(sa.select(*columns))}
    made = [accepted_proposal(ctx, item, programme[item.id], speakers, organiser_id)
            for item in sessions if item.format not in INVITED_FORMATS and item.speakers]
    people = Proposers(ctx, speakers, delegates, track_ids)
    used = {item.title for item in sessions}
    sizes = ctx.sizes
    for state, n in ((S.REJECTED, sizes.proposals_rejected), (S.WAITLISTED, sizes.proposals_waitlisted),
                     (S.DRAFT, sizes.proposals_draft), (S.WITHDRAWN, sizes.proposals_withdrawn)):
        made += [other_proposal(ctx, state, people, used, organiser_id) for _ in range(n)]
    made.sort(key=lambda p: p.row["created_at"])
    ids = insert_rows(Proposal, [p.row for p in made])
    # The ORM's bulk INSERT starts every version counter at 1; a proposal sent in moved to
    # "submitted" (2), then to its decision or withdrawal (3), as states.move_state counts.
    table = cast(sa.Table, Proposal.__table__)
    db.session.execute(table.update().where(table.c.state != S.DRAFT)
                       .values(version=3, updated_at=table.c.updated_at))  # not the clock's (onupdate)
    for proposal, proposal_id in zip(made, ids, strict=True):
        proposal.id = proposal_id
    insert_plain(ProposalSpeaker, [{**s, "proposal_id": p.id} for p in made for s in p.speakers])
    call.proposals = made
    date_sessions(made)
    date_accounts(ctx, made)
    insert_plain(AuditLog, [
        {"actor_id": organiser_id, "action": f"proposal-{p.row['state'].value}", "target_type": "Proposal",
         "target_id": p.id, "detail": {"previous": S.SUBMITTED.value, "session": p.row["session_id"]},
         "created_at": p.row["decided_at"]}
        for p in made if p.row["state"] in DECIDED_STATES
    ] + [
        {"actor_id": p.row["submitter_id"], "action": "withdraw-proposal", "target_type": "Proposal",
         "target_id": p.id, "detail": {}, "created_at": p.row["updated_at"]}
        for p in made if p.row["state"] is S.WITHDRAWN
    ])
    states = [p.row["state"] for p in made]
    ctx.count("proposals", len(made))
    for state in S:
        if states.count(state):
            ctx.count(f"proposals ({state.value})", states.count(state))
    ctx.count("proposal speakers", sum(len(p.speakers) for p in made))
    ctx.count("people in proposals", len({s["email"] for p in made for s in p.speakers}))


class Proposers:
    """Who sends proposals: the speakers (all with accounts), a share of the delegates, and
    invitees from outside who never made an account."""

    def __init__(self, ctx: DemoContext, speakers: DemoSpeakers, delegates: DemoDelegates,
                 track_ids: list[int]) -> None:
        self.ctx = ctx
        self.track_ids = track_ids
        self.speakers = [(email, uid) for email, uid in zip(speakers.emails, speakers.user_ids, strict=True) if uid]
        taken = {s.user_id for s in delegates.speakers}
        candidates = [(f"delegate{i + 1}@example.org", uid) for i, uid in enumerate(delegates.user_ids)
                      if uid not in taken]
        self.delegates = ctx.rng.sample(candidates, min(len(candidates), ctx.sizes.sessions))

    def account(self) -> tuple[str, int]:
        rng = self.ctx.rng
        pool = self.delegates if self.delegates and (not self.speakers or rng.random() < 0.7) else self.speakers
        return rng.choice(pool)

    def co_speaker(self, rows: list[dict[str, Any]], submitted: datetime) -> dict[str, Any]:
        """An accepted co-speaker with an account (a speaker or a delegate), else an invitee from
        outside who did not answer or declined."""
        rng = self.ctx.rng
        position = len(rows)
        if rng.random() < 0.8:
            for _ in range(8):
                email, user_id = self.account() if rng.random() < 0.6 else rng.choice(self.speakers)
                if all(r["email"] != email for r in rows):
                    return speaker_row(self.ctx, email, user_id, position=position, status=SpeakerStatus.ACCEPTED,
                                       invited_at=submitted, answered_at=answered(self.ctx, submitted))
        return outside_speaker(self.ctx, rows, submitted, declined=rng.random() < 0.4)


def outsider(ctx: DemoContext, rows: list[dict[str, Any]]) -> str:
    """An address from outside that the proposal does not have yet."""
    rng = ctx.rng
    while True:
        first, last = ctx.person_name(rng.choice(sorted(data.NAMES)))
        email = f"{slugify(first)}.{slugify(last)}@{rng.choice(data.INVITEE_DOMAINS)}"
        if all(r["email"] != email for r in rows):
            return email


def outside_speaker(ctx: DemoContext, rows: list[dict[str, Any]], submitted: datetime | None, *,
                    declined: bool) -> dict[str, Any]:
    """An invitee without an account: not answered (None: a draft's, not mailed yet), or declined."""
    email = outsider(ctx, rows)
    if submitted is None:
        return speaker_row(ctx, email, None, position=len(rows), status=SpeakerStatus.INVITED, invited_at=None,
                           answered_at=None)
    return speaker_row(ctx, email, None, position=len(rows),
                       status=SpeakerStatus.DECLINED if declined else SpeakerStatus.INVITED,
                       invited_at=submitted, answered_at=answered(ctx, submitted) if declined else None)


def submitted_moment(ctx: DemoContext) -> datetime:
    if ctx.rng.random() < 0.55:
        return ctx.moment_between(LAST_DAYS, SUBMISSIONS[1], latest=22)
    return ctx.moment_between(SUBMISSIONS[0], LAST_DAYS - timedelta(days=1))


def decided_moment(ctx: DemoContext) -> datetime:
    return ctx.moment_between(*DECISIONS, earliest=9, latest=18)


def proposal_row(state: ProposalState, **values: Any) -> dict[str, Any]:
    """Every column, so that the rows go in as one batch (and by COPY on PostgreSQL)."""
    return {"state": state, "title": "", "abstract": "", "title_nl": "", "abstract_nl": "", "format": None,
            "track_id": None, "language": "en", "expected_audience": 0, "needs_step_free": False,
            "needs_streaming": False, "equipment": "", "submitter_id": None, "submitted_at": None,
            "decided_at": None, "decided_by_id": None, "session_id": None, "version": 1, **values}


def speaker_row(ctx: DemoContext, email: str, user_id: int | None, *, position: int, status: SpeakerStatus,
                invited_at: datetime | None, answered_at: datetime | None) -> dict[str, Any]:
    return {"email": email, "user_id": user_id, "is_submitter": position == 0, "status": status,
            "position": position, "nonce": ctx.nonce(), "invited_at": invited_at, "answered_at": answered_at}


def answered(ctx: DemoContext, invited: datetime) -> datetime:
    return invited + timedelta(hours=ctx.rng.randint(1, 120), minutes=ctx.rng.randrange(60))


def accepted_proposal(ctx: DemoContext, item: DemoSession, programme: Any, speakers: DemoSpeakers,
                      organiser_id: int) -> DemoProposal:
    """The proposal a session came from: its content, its speakers (the first sent it in)."""
    rng = ctx.rng
    submitted = submitted_moment(ctx)
    created = submitted - timedelta(days=rng.randint(0, 14), hours=rng.randint(0, 8))
    decided = decided_moment(ctx)
    people = [person for person, _role in item.speakers]
    rows = []
    for position, person in enumerate(people):
        user_id = speakers.user_ids[person]
        assert user_id is not None  # build_speaker_accounts gave everyone an account
        rows.append(speaker_row(
            ctx, speakers.emails[person], user_id, position=position, status=SpeakerStatus.ACCEPTED,
            invited_at=None if position == 0 else submitted,
            answered_at=created if position == 0 else answered(ctx, submitted)))
    if len(rows) <= MAX_CO_SPEAKERS and rng.random() < 0.15:  # someone else was asked too
        rows.append(outside_speaker(ctx, rows, submitted, declined=rng.random() < 0.5))
    row = proposal_row(
        S.ACCEPTED, title=item.title, abstract=programme.abstract, title_nl=programme.title_nl,
        abstract_nl=programme.abstract_nl, format=item.format, track_id=programme.track_id,
        language=programme.language, expected_audience=programme.expected_audience,
        needs_step_free=programme.needs_step_free, needs_streaming=rng.random() < 0.2,
        submitter_id=rows[0]["user_id"], created_at=created, updated_at=decided, submitted_at=submitted,
        decided_at=decided, decided_by_id=organiser_id, session_id=item.id, version=3,
    )
    return DemoProposal(row, rows, rng.uniform(*QUALITY[S.ACCEPTED]), session_updated=programme.updated_at)


def other_proposal(ctx: DemoContext, state: ProposalState, people: Proposers, used: set[str],
                   organiser_id: int) -> DemoProposal:
    """A proposal the programme did not take: rejected, waiting, a draft or withdrawn."""
    rng = ctx.rng
    fmt = rng.choices(OFFERED, weights=FORMAT_WEIGHTS)[0]
    track_index = rng.randrange(len(data.TRACKS))
    topic = rng.choice(data.TRACKS[track_index].topics)
    title = unique_title(ctx, fmt, topic, used, extra=data.PROPOSAL_PATTERNS)
    text = abstract(ctx, topic)
    draft = state is S.DRAFT
    if draft:
        created = ctx.moment_between(SUBMISSIONS[0], SUBMISSIONS[1] - timedelta(days=5))  # edited until 3 days on
        submitted = None
        text = text if rng.random() < 0.5 else ""  # a draft may still lack its abstract
    else:
        submitted = submitted_moment(ctx)
        created = submitted - timedelta(days=rng.randint(0, 14), hours=rng.randint(0, 8))
    email, user_id = people.account()
    rows = [speaker_row(ctx, email, user_id, position=0, status=SpeakerStatus.ACCEPTED, invited_at=None,
                        answered_at=created)]
    low, high = SPEAKERS_WANTED[fmt]
    for _ in range(min(MAX_CO_SPEAKERS, rng.randint(low, high) - 1)):
        rows.append(outside_speaker(ctx, rows, None, declined=False) if submitted is None
                    else people.co_speaker(rows, submitted))
    values: dict[str, Any] = {"created_at": created, "updated_at": created + timedelta(days=rng.randint(0, 3))}
    if state in DECIDED_STATES:
        decided = decided_moment(ctx)
        values = {"created_at": created, "updated_at": decided, "decided_at": decided,
                  "decided_by_id": organiser_id, "version": 3}
    elif state is S.WITHDRAWN:
        assert submitted is not None
        withdrawn = submitted + timedelta(days=rng.randint(1, 40), hours=rng.randint(0, 9))
        values = {"created_at": created, "updated_at": withdrawn, "version": 3}
    row = proposal_row(
        state, title=title, abstract=text, format=fmt, track_id=people.track_ids[track_index],
        language="nl" if fmt is F.OPEN_PODIUM or rng.random() < 0.04 else "en",
        expected_audience=rng.choice(AUDIENCES), needs_step_free=rng.random() < 0.03,
        needs_streaming=rng.random() < 0.2, submitter_id=user_id, submitted_at=submitted, **values,
    )
    quality = rng.uniform(*QUALITY[state]) if state in QUALITY else 0.0
    return DemoProposal(row, rows, quality)


def date_sessions(made: list[DemoProposal]) -> None:
    """An acceptance made its session: the session dates from the decision."""
    update_rows(ProgrammeSession, ["id"], [
        {"id": p.row["session_id"], "created_at": p.row["decided_at"],
         "updated_at": max(p.row["decided_at"], p.session_updated or p.row["decided_at"])}
        for p in made if p.row["session_id"]
    ])


def date_accounts(ctx: DemoContext, made: list[DemoProposal]) -> None:
    """Delegates who sent a proposal or answered an invitation had their account by then (most
    registered later): an account made after its first step in the call is dated before it."""
    first: dict[int, datetime] = {}
    for proposal in made:
        for speaker in proposal.speakers:
            when = speaker["answered_at"] or speaker["invited_at"]
            if speaker["user_id"] and when is not None:
                first[speaker["user_id"]] = min(when, first.get(speaker["user_id"], when))
    rows = []
    ordered = sorted(first)
    for chunk in range(0, len(ordered), 900):  # within every database's limit of bound values
        ids = ordered[chunk:chunk + 900]
        for user_id, created in db.session.execute(
                sa.select(User.id, User.created_at).where(User.id.in_(ids)).order_by(User.id)):
            if created > first[user_id]:
                made_at = first[user_id] - timedelta(hours=ctx.rng.randint(1, 72), minutes=ctx.rng.randrange(60))
                rows.append({"id": user_id, "created_at": made_at,
                             "email_verified_at": made_at + timedelta(minutes=ctx.rng.randint(2, 90))})
    update_rows(User, ["id"], rows)
