"""The call itself: when it is open, what it offers, its guidance, criteria and decision texts.

Organisers edit it (`save_call`); every other rule of the area reads it through
`current_call`. Functions flush, never commit.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from esof.accounts.models import Role, User
from esof.accounts.services import record_audit
from esof.cfp.errors import CallClosed, CallNotConfigured, ProposalInputRejected
from esof.cfp.models import THE_CALL_ID, CallForSessions, CallTrack, ProposalState
from esof.db import utcnow
from esof.errors import PermissionDenied
from esof.extensions import db
from esof.i18n import local_datetime
from esof.programme.models import SessionFormat, Track
from esof.text import slugify

# Keynotes are by invitation only: a call never offers them.
OFFERABLE_FORMATS = tuple(f for f in SessionFormat if f is not SessionFormat.KEYNOTE)
DEFAULT_FORMATS = (
    SessionFormat.PANEL, SessionFormat.DEBATE, SessionFormat.WORKSHOP, SessionFormat.SEMINAR,
    SessionFormat.POSTER, SessionFormat.OPEN_PODIUM,
)
MAX_CRITERIA = 6
DECISIONS = (ProposalState.ACCEPTED, ProposalState.REJECTED, ProposalState.WAITLISTED)
LANGUAGES = ("en", "nl")
PLACEHOLDERS = ("title", "name", "link", "format", "track")
PLACEHOLDER = re.compile(r"\{(\w+)\}")

DEFAULT_TEXTS: dict[ProposalState, tuple[Any, Any]] = {
    ProposalState.ACCEPTED: (
        _l("Your proposal “{title}” is accepted"),
        _l(
            "Dear {name},\n\nThe programme committee of ESOF 2022 has accepted your proposal “{title}”."
            " We will let you know its room and time once the programme is scheduled.\n\n{link}"
        ),
    ),
    ProposalState.REJECTED: (
        _l("Your proposal “{title}”"),
        _l(
            "Dear {name},\n\nThank you for proposing “{title}” for ESOF 2022. We received many more good"
            " proposals than the programme can hold, and the committee could not accept yours.\n\n{link}"
        ),
    ),
    ProposalState.WAITLISTED: (
        _l("Your proposal “{title}” is on the waiting list"),
        _l(
            "Dear {name},\n\nThe programme committee of ESOF 2022 has put your proposal “{title}” on the"
            " waiting list. If a place in the programme becomes free we will write to you again.\n\n{link}"
        ),
    ),
}


@dataclass(frozen=True)
class Criterion:
    """A review criterion: `key` names its form field (score_<key>) and its stored scores."""

    key: str
    en: str
    nl: str = ""

    def label_in(self, language: str) -> str:
        return self.nl if language == "nl" and self.nl else self.en


@dataclass(kw_only=True)
class CallInput:
    """The call as the organiser describes it; instants are aware."""

    opens_at: datetime
    closes_at: datetime
    formats: Sequence[str] = DEFAULT_FORMATS
    track_ids: Sequence[int] = ()
    guidance_en: str = ""
    guidance_nl: str = ""
    criteria: Sequence[Criterion] = ()
    reviewing_open: bool = True
    # {decision value: {language: {"subject": ..., "body": ...}}}; missing texts use the defaults.
    decision_texts: Mapping[str, Any] = field(default_factory=dict)


def current_call() -> CallForSessions | None:
    return db.session.get(CallForSessions, THE_CALL_ID)


def the_call() -> CallForSessions:
    call = current_call()
    if call is None:
        raise CallNotConfigured()
    return call


def is_open(call: CallForSessions | None, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return call is not None and call.opens_at <= now < call.closes_at


def ensure_open(now: datetime | None = None) -> CallForSessions:
    """The call, if proposals may be submitted and changed now; else CallClosed with the dates."""
    call = the_call()
    now = now or utcnow()
    if now < call.opens_at:
        raise CallClosed(_l("The call for sessions opens on %(when)s.", when=local_datetime(call.opens_at, "long")))
    if now >= call.closes_at:
        raise CallClosed(_l(
            "The call for sessions closed on %(when)s: proposals can no longer be submitted or changed.",
            when=local_datetime(call.closes_at, "long"),
        ))
    return call


def can_organise_call(user: User) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.ORGANISER))


def criteria_of(call: CallForSessions | None) -> list[Criterion]:
    return [Criterion(**item) for item in (call.criteria if call is not None else [])]


def offered_tracks(call: CallForSessions | None) -> list[Track]:
    if call is None:
        return []
    return sorted((link.track for link in call.track_links), key=lambda t: t.name)


def offered_formats(call: CallForSessions | None) -> list[SessionFormat]:
    offered = set(call.formats if call is not None else ())
    return [f for f in OFFERABLE_FORMATS if f.value in offered]


def criterion_key(label: str) -> str:
    return slugify(label, fallback="criterion").replace("-", "_")[:40].strip("_") or "criterion"


def parse_criteria(text: str) -> list[Criterion]:
    """'English label | Dutch label', one a line -> criteria (keys from the English label)."""
    found = []
    for line in text.splitlines():
        en, _bar, nl = line.partition("|")
        if en.strip():
            found.append(Criterion(key=criterion_key(en.strip()), en=en.strip()[:200], nl=nl.strip()[:200]))
    return found


def criteria_text(criteria: Sequence[Criterion]) -> str:
    return "\n".join(f"{c.en} | {c.nl}" if c.nl else c.en for c in criteria)


def default_text(decision: ProposalState, language: str) -> dict[str, str]:
    subject, body = DEFAULT_TEXTS[decision]
    with force_locale(language):
        return {"subject": str(subject), "body": str(body)}


def decision_text(call: CallForSessions | None, decision: ProposalState, language: str) -> dict[str, str]:
    """The organisers' subject and body for this decision in this language, else the default."""
    language = language if language in LANGUAGES else "en"
    stored = ((call.decision_texts if call is not None else {}) or {}).get(decision.value, {}).get(language) or {}
    default = default_text(decision, language)
    return {part: (stored.get(part) or "").strip() or default[part] for part in ("subject", "body")}


def fill_placeholders(text: str, values: Mapping[str, str]) -> str:
    """'{title}' -> the value; anything else in braces stays as written."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _check_placeholders(texts: Mapping[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for decision in DECISIONS:
        for language in LANGUAGES:
            parts = (texts.get(decision.value) or {}).get(language) or {}
            for part in ("subject", "body"):
                value = str(parts.get(part) or "").strip()
                unknown = sorted({m for m in PLACEHOLDER.findall(value) if m not in PLACEHOLDERS})
                if unknown:
                    raise ProposalInputRejected(
                        _l("Unknown placeholder %(names)s. You can use: %(allowed)s.",
                           names=", ".join("{" + n + "}" for n in unknown),
                           allowed=", ".join("{" + n + "}" for n in PLACEHOLDERS)),
                        f"{decision.value}_{language}_{part}",
                    )
                # A default saved back unchanged is not stored: it keeps following the defaults.
                if value and value != default_text(decision, language)[part].strip():
                    cleaned.setdefault(decision.value, {}).setdefault(language, {})[part] = value
    return cleaned


def save_call(*, data: CallInput, actor: User) -> CallForSessions:
    """Create or change the call; raises ProposalInputRejected naming the field at fault."""
    if not can_organise_call(actor):
        raise PermissionDenied()
    if data.closes_at <= data.opens_at:
        raise ProposalInputRejected(_l("The call must close after it opens."), "closes_at")
    formats = list(dict.fromkeys(data.formats))
    if SessionFormat.KEYNOTE.value in formats:
        raise ProposalInputRejected(_l("Keynotes are by invitation only and cannot be offered in the call."), "formats")
    if not formats or not set(formats) <= {f.value for f in OFFERABLE_FORMATS}:
        raise ProposalInputRejected(_l("Offer at least one format."), "formats")
    track_ids = list(dict.fromkeys(data.track_ids))
    known = set(db.session.scalars(sa.select(Track.id).where(Track.id.in_(track_ids)))) if track_ids else set()
    if known != set(track_ids):
        raise ProposalInputRejected(_l("One of the chosen tracks does not exist."), "tracks")
    criteria = list(data.criteria)
    if len(criteria) > MAX_CRITERIA:
        raise ProposalInputRejected(_l("Use at most %(n)d criteria.", n=MAX_CRITERIA), "criteria")
    if len({c.key for c in criteria}) != len(criteria):
        raise ProposalInputRejected(_l("Two criteria have the same name."), "criteria")
    texts = _check_placeholders(data.decision_texts)

    call = current_call()
    if call is None:
        call = CallForSessions(id=THE_CALL_ID)
        db.session.add(call)
    call.opens_at, call.closes_at = data.opens_at, data.closes_at
    call.formats = [f for f in (o.value for o in OFFERABLE_FORMATS) if f in formats]
    call.guidance_en, call.guidance_nl = data.guidance_en.strip(), data.guidance_nl.strip()
    call.criteria = [{"key": c.key, "en": c.en, "nl": c.nl} for c in criteria]
    call.reviewing_open = data.reviewing_open
    call.decision_texts = texts
    call.updated_by_id = actor.id
    current = {link.track_id: link for link in call.track_links}
    for track_id, link in current.items():
        if track_id not in track_ids:
            call.track_links.remove(link)
    for track_id in track_ids:
        if track_id not in current:
            call.track_links.append(CallTrack(track_id=track_id))
    call.updated_at = utcnow()
    db.session.flush()
    record_audit(actor, "save-call-for-sessions", call)
    return call
