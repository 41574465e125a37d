"""Publishing: the draft becomes version N, and what changed against N−1 is named field by field.

Everything a visitor, the API or a feed shows of a session is copied into the version
(``PublishedSession`` and its ``PublishedSpeaker`` rows). An organiser's edit of the draft is
therefore private until it is published, and every published change reaches the changelog
and raises the session's SEQUENCE, so calendar clients take it.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from esof.accounts.models import Role, User
from esof.accounts.services import record_audit
from esof.db import utcnow
from esof.errors import Conflict
from esof.extensions import db
from esof.i18n import local_range
from esof.programme.conflicts import PublishRefused, build_conflict_report
from esof.programme.models import (
    Person,
    ProgrammeSession,
    PublishedSession,
    PublishedSpeaker,
    ScheduleSlot,
    ScheduleVersion,
    SessionFormat,
    SessionSpeaker,
    SessionStatus,
    Track,
)
from esof.programme.queries import latest_version
from esof.programme.signals import schedule_published
from esof.venues.models import Room


@dataclass(frozen=True, slots=True)
class PublicSpeaker:
    person_id: int | None
    name: str
    affiliation: str
    role: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.affiliation})" if self.affiliation else self.name


@dataclass(frozen=True, slots=True)
class PublicContent:
    """What one version shows of one session."""

    title: str
    abstract: str
    title_nl: str
    abstract_nl: str
    format: SessionFormat
    language: str
    needs_booking: bool
    track_id: int | None
    room_id: int | None
    starts_at: datetime
    ends_at: datetime
    status: SessionStatus
    speakers: tuple[PublicSpeaker, ...]


# A change code, and the fields whose difference it names. The order is the order of the
# labels on the publish page and in the changelog.
FIELD_CHANGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("moved", ("starts_at", "ends_at")),
    ("room-changed", ("room_id",)),
    ("retitled", ("title", "title_nl")),
    ("speakers-changed", ("speakers",)),
    ("abstract-changed", ("abstract", "abstract_nl")),
    ("format-changed", ("format",)),
    ("language-changed", ("language",)),
    ("track-changed", ("track_id",)),
    ("booking-changed", ("needs_booking",)),
)

CHANGE_LABELS = {
    "new": _l("new"),
    "moved": _l("moved in time"),
    "room-changed": _l("room changed"),
    "retitled": _l("retitled"),
    "speakers-changed": _l("speakers changed"),
    "abstract-changed": _l("abstract changed"),
    "format-changed": _l("format changed"),
    "language-changed": _l("language changed"),
    "track-changed": _l("track changed"),
    "booking-changed": _l("booking changed"),
    "cancelled": _l("cancelled"),
    "reinstated": _l("back in the programme"),
}


def changes_between(old: PublicContent, new: PublicContent) -> list[str]:
    """The change codes from what was published to what would be: [] when nothing shows."""
    changes = [code for code, fields in FIELD_CHANGES
               if any(getattr(old, name) != getattr(new, name) for name in fields)]
    if old.status != new.status:
        changes.append("cancelled" if new.status is SessionStatus.CANCELLED else "reinstated")
    return changes


@dataclass
class PendingRow:
    """A session as the next version would hold it, with its changes against the latest one."""

    session_id: int
    content: PublicContent
    sequence: int
    last_modified: datetime
    changes: list[str]
    before: PublicContent | None

    @property
    def title(self) -> str:
        return self.content.title


def _draft_contents() -> dict[int, PublicContent]:
    """Every scheduled session of the draft as the public would see it: two queries."""
    speakers: dict[int, list[PublicSpeaker]] = defaultdict(list)
    for session_id, person_id, name, affiliation, role in db.session.execute(
        sa.select(SessionSpeaker.session_id, Person.id, Person.name, Person.affiliation, SessionSpeaker.role)
        .join(Person, Person.id == SessionSpeaker.person_id)
        .order_by(SessionSpeaker.session_id, SessionSpeaker.position, SessionSpeaker.person_id)
    ):
        speakers[session_id].append(PublicSpeaker(person_id, name, affiliation, role))
    rows = db.session.execute(
        sa.select(ProgrammeSession.id, ProgrammeSession.title, ProgrammeSession.abstract, ProgrammeSession.title_nl,
                  ProgrammeSession.abstract_nl, ProgrammeSession.format,
                  ProgrammeSession.language, ProgrammeSession.needs_booking, ProgrammeSession.track_id,
                  ScheduleSlot.room_id, ScheduleSlot.starts_at, ScheduleSlot.ends_at, ProgrammeSession.status)
        .join(ScheduleSlot, ScheduleSlot.session_id == ProgrammeSession.id)
    )
    return {
        # mypy cannot count the row's columns, which fill every field but speakers (ignore[misc]).
        sid: PublicContent(*fields, speakers=tuple(speakers.get(sid, ())))  # type: ignore[misc]
        for sid, *fields in rows
    }


def _published_contents(version_id: int) -> dict[int, tuple[PublishedSession, PublicContent]]:
    rows = db.session.scalars(
        sa.select(PublishedSession).where(PublishedSession.version_id == version_id)
        .options(sa.orm.selectinload(PublishedSession.speakers))
    )
    return {row.session_id: (row, public_content(row)) for row in rows}


def public_content(row: PublishedSession) -> PublicContent:
    return PublicContent(
        title=row.title, abstract=row.abstract, title_nl=row.title_nl, abstract_nl=row.abstract_nl,
        format=row.format, language=row.language,
        needs_booking=row.needs_booking, track_id=row.track_id, room_id=row.room_id, starts_at=row.starts_at,
        ends_at=row.ends_at, status=row.status,
        speakers=tuple(PublicSpeaker(s.person_id, s.name, s.affiliation, s.role) for s in row.speakers),
    )


def compute_publication(now: datetime | None = None) -> list[PendingRow]:
    """The rows the next version would hold, each with its changes against the latest one.

    A session that was published and is no longer scheduled stays, as cancelled, so the
    feeds can tell subscribers' calendars to drop it. SEQUENCE rises on every change the
    public can see; last_modified moves with it.
    """
    now = now or utcnow()
    previous = latest_version()
    old_rows = _published_contents(previous.id) if previous is not None else {}
    pending: list[PendingRow] = []
    for sid, content in _draft_contents().items():
        old = old_rows.pop(sid, None)
        if old is None:
            if content.status is not SessionStatus.CANCELLED:  # never public: nothing to take back
                pending.append(PendingRow(sid, content, 0, now, ["new"], None))
            continue
        old_row, old_content = old
        changes = changes_between(old_content, content)
        pending.append(PendingRow(
            sid, content, old_row.sequence + (1 if changes else 0), now if changes else old_row.last_modified,
            changes, old_content if changes else None,
        ))
    for sid, (old_row, old_content) in old_rows.items():  # published before, no longer in the draft schedule
        gone = old_content.status is not SessionStatus.CANCELLED
        pending.append(PendingRow(
            sid, replace(old_content, status=SessionStatus.CANCELLED), old_row.sequence + (1 if gone else 0),
            now if gone else old_row.last_modified, ["cancelled"] if gone else [], old_content if gone else None,
        ))
    pending.sort(key=lambda r: (r.content.starts_at, r.session_id))
    return pending


# --------------------------------------------------------------------------- the pending changes, field by field


@dataclass(frozen=True)
class FieldChange:
    """One line of the publish page: a change, and the field's value before and after."""

    code: str
    label: str
    before: str
    after: str


class ValueLabels:
    """Prints a content field the way the publish page and the changelog show it."""

    def __init__(self) -> None:
        self.rooms = {r.id: f"{r.name}, {r.venue.name}"
                      for r in db.session.scalars(sa.select(Room).options(joinedload(Room.venue)))}
        self.tracks = dict(db.session.execute(sa.select(Track.id, Track.name)).tuples().all())

    def room(self, room_id: int | None) -> str:
        return self.rooms.get(room_id, "") if room_id else ""

    def value(self, code: str, content: PublicContent) -> str:
        if code == "moved":
            return describe_times(content.starts_at, content.ends_at)
        if code == "room-changed":
            return self.room(content.room_id)
        if code == "speakers-changed":
            return "; ".join(s.label for s in content.speakers)
        if code == "track-changed":
            return self.tracks.get(content.track_id, "") if content.track_id else ""
        if code == "booking-changed":
            return str(_l("booking required") if content.needs_booking else _l("no booking"))
        if code in ("cancelled", "reinstated"):
            return str(content.status)
        # Both languages where there are two: "Opening · Opening (Dutch text)".
        return " · ".join(str(value) for name in dict(FIELD_CHANGES)[code] if (value := getattr(content, name)))


def field_changes(row: PendingRow, labels: ValueLabels) -> list[FieldChange]:
    if row.before is None:
        return [FieldChange("new", str(CHANGE_LABELS["new"]), "", describe_times(
            row.content.starts_at, row.content.ends_at) + " · " + labels.room(row.content.room_id))]
    return [FieldChange(code, str(CHANGE_LABELS[code]), labels.value(code, row.before), labels.value(code, row.content))
            for code in row.changes]


def pending_changes() -> list[tuple[PendingRow, list[FieldChange]]]:
    """What publishing now would change, for the publish page."""
    labels = ValueLabels()
    return [(row, field_changes(row, labels)) for row in compute_publication() if row.changes]


# --------------------------------------------------------------------------- publishing


def _changelog_state(content: PublicContent, labels: ValueLabels, *, with_abstract: bool) -> dict[str, Any]:
    state = {
        "title": content.title, "title_nl": content.title_nl,
        "room_id": content.room_id, "room": labels.room(content.room_id),
        "starts_at": content.starts_at.isoformat(), "ends_at": content.ends_at.isoformat(),
        "status": str(content.status), "format": str(content.format), "language": content.language,
        "track": labels.tracks.get(content.track_id, "") if content.track_id else "",
        "needs_booking": content.needs_booking, "speakers": [s.label for s in content.speakers],
    }
    if with_abstract:  # only where it changed: the abstracts of a whole programme are large
        state["abstract"] = content.abstract
        state["abstract_nl"] = content.abstract_nl
    return state


def _changelog_entry(row: PendingRow, labels: ValueLabels) -> dict[str, Any]:
    with_abstract = "abstract-changed" in row.changes
    return {
        "session_id": row.session_id, "title": row.title, "changes": row.changes,
        "before": _changelog_state(row.before, labels, with_abstract=with_abstract) if row.before else None,
        "after": _changelog_state(row.content, labels, with_abstract=with_abstract),
    }


def publish_schedule(*, actor: User, note: str = "", override: bool = False) -> ScheduleVersion:
    """Publish the draft as version N with a snapshot and a changelog against N−1.

    Hard conflicts refuse the publication, unless an admin explicitly overrides."""
    report = build_conflict_report()
    if report.hard and not (override and actor.has_role(Role.ADMIN)):
        raise PublishRefused(report.hard, report.titles)
    now = utcnow()
    pending = compute_publication(now)
    previous = latest_version()
    labels = ValueLabels()
    version = ScheduleVersion(
        number=(previous.number if previous else 0) + 1, published_at=now, published_by_id=actor.id, note=note,
        snapshot={"sessions": [
            {"id": r.session_id, **_changelog_state(r.content, labels, with_abstract=False), "sequence": r.sequence}
            for r in pending
        ], "hard_conflicts_overridden": len(report.hard)},
        changelog=[_changelog_entry(r, labels) for r in pending if r.changes],
    )
    try:
        with db.session.begin_nested():
            db.session.add(version)
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        raise Conflict(_l("Someone else published a version at the same moment. Please try again.")) from exc
    _insert_rows(version.id, pending)
    record_audit(actor, "schedule.publish", version, number=version.number,
                 changes=len(version.changelog), hard_conflicts_overridden=len(report.hard))
    db.session.flush()
    schedule_published.send(version)  # bookings: seats follow the published rooms
    return version


def _insert_rows(version_id: int, pending: list[PendingRow]) -> None:
    """Bulk inserts: a whole programme is two statements, not one per row."""
    if not pending:
        return
    db.session.execute(sa.insert(PublishedSession), [
        {"version_id": version_id, "session_id": r.session_id, "title": r.content.title,
         "title_nl": r.content.title_nl, "abstract_nl": r.content.abstract_nl,
         "abstract": r.content.abstract, "format": r.content.format, "language": r.content.language,
         "needs_booking": r.content.needs_booking, "room_id": r.content.room_id, "track_id": r.content.track_id,
         "starts_at": r.content.starts_at, "ends_at": r.content.ends_at, "status": r.content.status,
         "sequence": r.sequence, "last_modified": r.last_modified}
        for r in pending
    ])
    ids = dict(db.session.execute(
        sa.select(PublishedSession.session_id, PublishedSession.id).where(PublishedSession.version_id == version_id)
    ).tuples().all())
    speakers = [
        {"published_session_id": ids[r.session_id], "person_id": s.person_id, "name": s.name,
         "affiliation": s.affiliation, "role": s.role, "position": position}
        for r in pending for position, s in enumerate(r.content.speakers)
    ]
    if speakers:
        db.session.execute(sa.insert(PublishedSpeaker), speakers)


def describe_times(starts_at: datetime, ends_at: datetime) -> str:
    return local_range(starts_at, ends_at)


def iter_changes(version: ScheduleVersion) -> Iterable[dict[str, Any]]:
    for entry in version.changelog:
        yield {**entry, "labels": [str(CHANGE_LABELS.get(c, c)) for c in entry["changes"]]}
