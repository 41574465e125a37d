"""Call-for-sessions test helpers: an open call, proposals made through the services, and the
bulk path for hundreds of proposals with reviews."""
from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from esof.accounts.models import Role, User
from esof.cfp import services
from esof.cfp.bulk import ProposalRow, ReviewRow, insert_proposals, insert_reviews
from esof.cfp.models import CallForSessions, Proposal, ProposalState
from esof.db import utcnow
from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.programme.models import SessionFormat, Track
from tests.factories import UserFactory
from tests.programme.factories import TrackFactory

CRITERIA = (
    services.Criterion(key="relevance", en="Relevance to the theme", nl="Relevantie voor het thema"),
    services.Criterion(key="clarity", en="Clarity", nl="Helderheid"),
)


def make_organiser(**kwargs: Any) -> User:
    return UserFactory(roles=[Role.ORGANISER], **kwargs)


def make_reviewer(**kwargs: Any) -> User:
    return UserFactory(roles=[Role.REVIEWER], **kwargs)


def open_call(*, tracks: int = 2, closes_in: timedelta = timedelta(days=30), **overrides: Any) -> CallForSessions:
    """A call that opened a month ago and closes `closes_in` from now, with tracks and two criteria."""
    now = utcnow()
    track_rows = [TrackFactory(name=f"Track {chr(65 + n)}", name_nl=f"Spoor {chr(65 + n)}") for n in range(tracks)]
    values: dict[str, Any] = {
        "opens_at": now - timedelta(days=30), "closes_at": now + closes_in,
        "track_ids": [t.id for t in track_rows], "criteria": CRITERIA,
        "guidance_en": "Tell us **why** it matters.", "guidance_nl": "Vertel **waarom** het ertoe doet.",
    }
    values.update(overrides)
    actor = db.session.scalar(sa.select(User).join(User.role_rows).where(User.email == "call-admin@example.org"))
    actor = actor or make_organiser(email="call-admin@example.org")
    return services.save_call(data=services.CallInput(**values), actor=actor)


def close_call() -> None:
    """Move the deadline to a minute ago (keeping the opening before it)."""
    call = services.current_call()
    assert call is not None
    call.opens_at = utcnow() - timedelta(days=60)
    call.closes_at = utcnow() - timedelta(minutes=1)
    db.session.flush()


def first_track() -> Track:
    call = services.current_call()
    return services.offered_tracks(call)[0]


def proposal_input(**overrides: Any) -> services.ProposalInput:
    values: dict[str, Any] = {
        "title": "Rivers without borders", "abstract": "How the Rhine connects five countries.",
        "title_nl": "Rivieren zonder grenzen", "abstract_nl": "Hoe de Rijn vijf landen verbindt.",
        "format": SessionFormat.PANEL.value, "track_id": first_track().id, "language": "en",
        "expected_audience": 80,
    }
    values.update(overrides)
    return services.ProposalInput(**values)


def make_proposal(author: User, *, submit: bool = True, **overrides: Any) -> Proposal:
    return services.save_proposal(data=proposal_input(**overrides), author=author, submit=submit)


def mails(to: str | None = None) -> list[OutboxMessage]:
    stmt = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if to is not None:
        stmt = stmt.where(OutboxMessage.to_address == to)
    return list(db.session.scalars(stmt))


def accept_co_speaker(proposal: Proposal, email: str, **user_fields: Any) -> User:
    """The invited address gets an account and accepts through its link."""
    user = UserFactory(email=email, **user_fields)
    speaker = next(s for s in proposal.speakers if s.email == email)
    services.answer_invitation(token=services.invitation_token(speaker), user=user, accept=True)
    return user


def many_proposals(count: int, *, reviews_each: int = 3, reviewers: list[User] | None = None,
                   seed: int = 1) -> list[int]:
    """`count` submitted proposals from distinct speakers, each with `reviews_each` reviews."""
    rng = random.Random(seed)
    call = services.current_call()
    tracks = [t.id for t in services.offered_tracks(call)]
    formats = services.offered_formats(call)
    start = db.session.scalar(sa.select(sa.func.count(User.id))) or 0
    emails = [f"speaker{start + n}@example.org" for n in range(count)]
    db.session.execute(sa.insert(User), [
        {"email": email, "display_name": f"Speaker {start + n}", "language": "en", "password_hash": None,
         "email_verified_at": utcnow(), "login_nonce": f"n{start + n}", "is_active_account": True,
         "created_at": utcnow()}
        for n, email in enumerate(emails)
    ])
    ids_by_email = dict(db.session.execute(sa.select(User.email, User.id).where(User.email.in_(emails))).all())
    reviewers = reviewers or [make_reviewer() for _ in range(max(reviews_each, 1))]
    rows = [
        ProposalRow(
            title=f"Proposal {start + n}: {rng.choice(['Water', 'Light', 'Cities', 'Health'])}",
            abstract="An abstract.", format=rng.choice(formats), track_id=rng.choice(tracks),
            submitter_id=ids_by_email[email], submitter_email=email, state=ProposalState.SUBMITTED,
        )
        for n, email in enumerate(emails)
    ]
    ids = insert_proposals(rows)
    insert_reviews([
        ReviewRow(proposal_id=pid, reviewer_id=reviewer.id, score=rng.randint(1, 5),
                  criteria={c.key: rng.randint(1, 5) for c in CRITERIA})
        for pid in ids for reviewer in rng.sample(reviewers, min(reviews_each, len(reviewers)))
    ])
    return ids
