"""Schedule proposals run in the background: a job row (ScheduleProposal) per run, a worker thread
started by the request (the request returns at once), progress the organisers' page polls, and
the proposal applied to the draft only when an organiser confirms.

The worker commits its own progress and result (it is a unit of work, like a CLI command). While
CP-SAT searches, a ticker thread writes the progress every second (the solver releases the GIL).
A job that has run far past its time limit (its process stopped) reads as failed.
SCHEDULE_PROPOSAL_SYNC (tests): the job runs inside the request, ticker and all.
"""
from __future__ import annotations

import logging
import threading
import time as clock
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from esof.accounts.models import User
from esof.db import utcnow
from esof.errors import Conflict
from esof.extensions import db
from esof.programme.models import ProposalStatus, ScheduleProposal
from esof.programme.solver import BASELINES, MODES, UnknownMode, apply_proposal, propose_schedule, setting
from esof.programme.solver_reasons import describe_reason

log = logging.getLogger(__name__)
# Seconds past its time limit after which a running job is taken for dead.
STALE_AFTER = 300


class ProposalRunning(Conflict):
    default_message = _l("A schedule proposal is being computed already; wait for it to finish.")


class ProposalNotReady(Conflict):
    default_message = _l("This proposal has no result to apply.")


def is_stale(job: ScheduleProposal) -> bool:
    if job.status not in (ProposalStatus.QUEUED, ProposalStatus.RUNNING):
        return False
    since = job.started_at or job.created_at
    return utcnow() - since > timedelta(seconds=job.time_limit + STALE_AFTER)


def start_proposal(*, actor: User, mode: str, baseline: str = "draft",
                   time_limit: int | None = None) -> ScheduleProposal:
    """A queued job (flushes); the caller commits, then calls launch_proposal."""
    if mode not in MODES or baseline not in BASELINES:
        raise UnknownMode()
    busy = db.session.scalars(sa.select(ScheduleProposal).where(
        ScheduleProposal.status.in_([ProposalStatus.QUEUED, ProposalStatus.RUNNING]))).all()
    if any(not is_stale(job) for job in busy):
        raise ProposalRunning()
    job = ScheduleProposal(requested_by_id=actor.id, mode=mode, baseline=baseline, status=ProposalStatus.QUEUED,
                           time_limit=int(time_limit or setting("SCHEDULE_SOLVER_TIME_LIMIT")), progress=0,
                           message="waiting")
    db.session.add(job)
    db.session.flush()
    return job


def launch_proposal(job_id: int) -> None:
    """Run the job in a worker thread with its own app context, or here with SCHEDULE_PROPOSAL_SYNC."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("SCHEDULE_PROPOSAL_SYNC"):
        run_proposal(job_id)
        return
    threading.Thread(target=_in_context, args=(app, job_id), name=f"schedule-proposal-{job_id}", daemon=True).start()


def _in_context(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            run_proposal(job_id)
        finally:
            db.session.remove()


@dataclass
class _Ticker:
    """Writes a running job's progress once a second, from its own app context; the note is a code
    with numbers (describe_progress words it in the reader's language)."""

    app: Flask
    job_id: int
    limit: float
    started: float = field(default_factory=clock.perf_counter)
    found: int = 0
    best: float | None = None
    stop: threading.Event = field(default_factory=threading.Event)

    def on_solution(self, found: int, objective: float, _bound: float, _seconds: float) -> None:
        self.found, self.best = found, objective

    def run(self) -> None:
        with self.app.app_context():
            try:
                while not self.stop.wait(1.0):
                    elapsed = clock.perf_counter() - self.started
                    progress = min(95, 10 + int(85 * elapsed / max(self.limit, 0.1)))
                    message = f"searching:{self.found}:{'-' if self.best is None else round(self.best)}"
                    db.session.execute(sa.update(ScheduleProposal).where(ScheduleProposal.id == self.job_id)
                                       .values(progress=progress, message=message[:300]))
                    db.session.commit()
            except Exception:  # a skipped tick is no failure of the job
                log.exception("progress of schedule proposal %s not written", self.job_id)
                db.session.rollback()
            finally:
                db.session.remove()


def run_proposal(job_id: int) -> None:
    """Compute a proposal and store it on its job row, committing as it goes."""
    job = db.session.get(ScheduleProposal, job_id)
    if job is None or job.status is not ProposalStatus.QUEUED:
        return
    job.status, job.started_at, job.progress, job.message = ProposalStatus.RUNNING, utcnow(), 5, "reading"
    db.session.commit()
    ticker = _Ticker(current_app._get_current_object(), job_id, float(job.time_limit))  # type: ignore[attr-defined]
    thread = threading.Thread(target=ticker.run, name=f"schedule-proposal-{job_id}-progress", daemon=True)
    try:
        thread.start()
        result = propose_schedule(mode=job.mode, baseline=job.baseline, time_limit=job.time_limit,
                                  on_solution=ticker.on_solution)
    except Exception as exc:
        ticker.stop.set()
        thread.join()
        db.session.rollback()
        log.exception("schedule proposal %s failed", job_id)
        _finish(job_id, status=ProposalStatus.FAILED, message=f"failed:{str(exc)[:200]}")
        return
    ticker.stop.set()
    thread.join()
    db.session.rollback()  # the solve read the draft; the job row is written afresh
    _finish(job_id, status=ProposalStatus.DONE, result=result, fingerprint=result["draft_fingerprint"],
            message=f"done:{result['placed']}:{len(result['moved'])}:{result['hard_conflicts']}")


def _finish(job_id: int, *, status: ProposalStatus, message: str, result: dict[str, Any] | None = None,
            fingerprint: str = "") -> None:
    job = db.session.get_one(ScheduleProposal, job_id)
    job.status, job.progress, job.message, job.finished_at = status, 100, message[:300], utcnow()
    job.result, job.draft_fingerprint = result, fingerprint
    db.session.commit()


def describe_progress(message: str) -> str:
    """The sentence for a stored progress note ("code:arg:arg"), in the reader's language."""
    code, _sep, rest = message.partition(":")
    args = rest.split(":")
    try:
        if code == "waiting":
            return _("Waiting to start")
        if code == "reading":
            return _("Reading the draft")
        if code == "searching":
            return _("Searching: %(n)d schedule(s) found, best score %(score)s", n=int(args[0]), score=args[1])
        if code == "done":
            return _("Done: %(placed)d placed, %(moved)d moved, %(hard)d hard conflicts",
                     placed=int(args[0]), moved=int(args[1]), hard=int(args[2]))
        if code == "failed":
            return _("The solver failed: %(error)s", error=rest)
    except (IndexError, ValueError):
        pass
    return message


def proposal_progress(job: ScheduleProposal) -> dict[str, Any]:
    """What the polling page shows: status, percentage and a sentence."""
    stale = is_stale(job)
    status = ProposalStatus.FAILED if stale else job.status
    message = _("The worker stopped before it finished; propose again.") if stale else describe_progress(job.message)
    return {"id": job.id, "status": str(status), "progress": 100 if stale else job.progress, "message": message,
            "done": status in (ProposalStatus.DONE, ProposalStatus.FAILED)}


def apply_proposal_job(*, job: ScheduleProposal) -> Any:
    """Apply a finished proposal to the draft (flushes): refused when the draft changed since."""
    if job.status is not ProposalStatus.DONE or not job.result:
        raise ProposalNotReady()
    applied = apply_proposal(job.result)
    job.applied_at = utcnow()
    db.session.flush()
    return applied


def recent_proposals(limit: int = 10) -> list[ScheduleProposal]:
    return list(db.session.scalars(sa.select(ScheduleProposal).order_by(ScheduleProposal.id.desc()).limit(limit)))


# --------------------------------------------------------------------------- the diff against the draft


@dataclass
class DiffRow:
    kind: str  # moved, added, unplaced
    session_id: int
    title: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    reason: str = ""


@dataclass
class DiffDay:
    day: date | None  # None: sessions without a place
    rooms: list[tuple[str, list[DiffRow]]]


def proposal_diff(result: dict[str, Any]) -> list[DiffDay]:
    """The proposal against the draft, per day and per room (of the new place; of the old one for
    a session taken out), each row with its old and new place and the reason for a move."""
    titles = {e["session_id"]: e["title"] for key in ("moved", "added", "unplaced") for e in result.get(key, [])}
    rows = [DiffRow("moved", e["session_id"], e["title"], e["from"], e["to"], describe_reason(e["reason"], titles))
            for e in result.get("moved", [])]
    rows += [DiffRow("added", e["session_id"], e["title"], None, e["to"]) for e in result.get("added", [])]
    rows += [DiffRow("unplaced", e["session_id"], e["title"], e.get("from"), None,
                     describe_reason(e["reason"], titles)) for e in result.get("unplaced", [])]
    grouped: dict[str | None, dict[str, list[DiffRow]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        place = row.new or row.old
        key = place["day"] if place else None
        room = f"{place['room']} ({place['venue']})" if place else ""
        grouped[key][room].append(row)
    days = []
    for key in sorted(grouped, key=lambda k: (k is None, k or "")):
        rooms = [(room, sorted(items, key=lambda r: ((r.new or r.old or {}).get("starts_at", ""), r.session_id)))
                 for room, items in sorted(grouped[key].items())]
        days.append(DiffDay(date.fromisoformat(key) if key else None, rooms))
    return days
