"""A proposal's life: which state may follow which, and the one conditional UPDATE that moves it.

A move names the version the user saw: ``UPDATE ... SET state = :to, version = version + 1
WHERE id = :id AND version = :seen AND state IN (:from)``. Two organisers deciding at once,
or a speaker withdrawing while an organiser decides: one UPDATE finds the row, the other finds
none and changes nothing (on SQLite and PostgreSQL alike), so nothing is saved or mailed twice.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from esof.cfp.errors import AlreadyDecided, DecisionNotAllowed, ProposalChanged
from esof.cfp.models import Proposal, ProposalState
from esof.db import rows_matched, utcnow
from esof.errors import busy_on_lock_timeout
from esof.extensions import db

S = ProposalState
# state -> the states it may come from
SOURCES: dict[ProposalState, frozenset[ProposalState]] = {
    S.SUBMITTED: frozenset({S.DRAFT}),
    S.ACCEPTED: frozenset({S.SUBMITTED, S.WAITLISTED}),
    S.REJECTED: frozenset({S.SUBMITTED, S.WAITLISTED}),
    S.WAITLISTED: frozenset({S.SUBMITTED}),
    S.WITHDRAWN: frozenset({S.DRAFT, S.SUBMITTED, S.WAITLISTED}),
}
EDITABLE = frozenset({S.DRAFT, S.SUBMITTED})
REVIEWABLE = frozenset({S.SUBMITTED, S.WAITLISTED})
DECIDABLE = frozenset({S.SUBMITTED, S.WAITLISTED})


def may_move(current: ProposalState, to: ProposalState) -> bool:
    return current in SOURCES.get(to, frozenset())


@busy_on_lock_timeout()
def move_state(
    proposal: Proposal, to: ProposalState, *, seen_version: int | None = None,
    sources: Iterable[ProposalState] | None = None, now: datetime | None = None, **values: Any,
) -> Proposal:
    """Move the proposal to `to` from the version the user saw (else the one this request read).

    Raises DecisionNotAllowed (this state cannot lead there), AlreadyDecided (someone made the
    same move first) or ProposalChanged (it changed meanwhile); none of them changes anything.
    """
    allowed = frozenset(sources) if sources is not None else SOURCES[to]
    seen = proposal.version if seen_version is None else seen_version
    if seen == proposal.version and proposal.state not in allowed:
        raise AlreadyDecided() if proposal.state is to else DecisionNotAllowed()
    moved = rows_matched(db.session.execute(
        sa.update(Proposal)
        .where(Proposal.id == proposal.id, Proposal.version == seen, Proposal.state.in_(allowed))
        .values(state=to, version=Proposal.version + 1, updated_at=now or utcnow(), **values)
        .execution_options(synchronize_session=False)
    ))
    db.session.expire(proposal)
    if moved != 1:
        if proposal.state is to:
            raise AlreadyDecided()
        raise ProposalChanged()
    return proposal
