"""The moderation queue: what waits for a decision, filtered and paged for the organisers.

`QueueFilter.from_args(request.args)` reads the query string leniently (an unknown value is
dropped, so an old link still works). Everything but the date range is one SQL query (plus
the count); the date range asks which Leiden days the waiting version will have, which only
the expanded recurrence knows, so that filter runs over the rows the query found. Either way
the page costs the same number of queries whatever the number of waiting events.
"""
from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased, contains_eager

from esof.conference import conference_zone
from esof.side_events.models import (
    MODERATED_STATES,
    EventCategory,
    PartnerOrganisation,
    RevisionStatus,
    SideEvent,
    SideEventRevision,
)
from esof.side_events.neighbourhoods import with_stored
from esof.side_events.queries import Numbered, local_midnight
from esof.side_events.recurrence import Occurrence
from esof.side_events.revisions import expand_revision

MAX_TEXT = 100
PER_PAGE = 25


class QueueKind(enum.StrEnum):
    NEW = "new"  # nothing of the event is public yet
    CHANGE = "change"  # a change to a public event


@dataclass(frozen=True)
class QueueFilter:
    kind: QueueKind | None = None
    organisation_id: int | None = None
    neighbourhood: str = ""
    category: EventCategory | None = None
    first_day: date | None = None  # the waiting version has a date on or after this Leiden day
    last_day: date | None = None  # ... and on or before this one
    text: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> QueueFilter:
        def text(name: str, limit: int = MAX_TEXT) -> str:
            return " ".join(str(args.get(name, "") or "").split())[:limit]

        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(text(name, 10))
            except ValueError:
                return None

        kind = text("kind")
        category = text("category")
        organisation = text("organisation")
        return cls(
            kind=QueueKind(kind) if kind in QueueKind.__members__.values() else None,
            organisation_id=int(organisation) if organisation.isdigit() and len(organisation) < 10 else None,
            neighbourhood=text("neighbourhood"),
            category=EventCategory(category) if category in EventCategory.__members__.values() else None,
            first_day=day("from"),
            last_day=day("to"),
            text=text("q"),
        )

    def to_args(self) -> dict[str, str]:
        """The query arguments that give this filter back (empty ones left out)."""
        args = {
            "kind": self.kind.value if self.kind else "",
            "organisation": str(self.organisation_id or ""),
            "neighbourhood": self.neighbourhood,
            "category": self.category.value if self.category else "",
            "from": self.first_day.isoformat() if self.first_day else "",
            "to": self.last_day.isoformat() if self.last_day else "",
            "q": self.text,
        }
        return {name: value for name, value in args.items() if value}

    @property
    def active(self) -> bool:
        return bool(self.to_args())

    @property
    def has_dates(self) -> bool:
        return self.first_day is not None or self.last_day is not None


@dataclass(frozen=True)
class QueueItem:
    event: SideEvent
    revision: SideEventRevision  # the waiting one
    is_change: bool  # the event has a public version that this revision would replace


@dataclass(frozen=True)
class QueuePage(Numbered):
    """One page of the queue."""

    items: list[QueueItem]
    total: int
    page: int
    per_page: int


def _queue_stmt(queue_filter: QueueFilter) -> sa.Select[Any]:
    """(SideEvent with its organisation, the waiting revision, whether a public one exists)."""
    public = aliased(SideEventRevision)
    is_change = sa.exists().where(public.event_id == SideEvent.id, public.status == RevisionStatus.APPROVED)
    stmt = (
        sa.select(SideEvent, SideEventRevision, is_change.label("is_change"))
        .join(SideEventRevision, sa.and_(SideEventRevision.event_id == SideEvent.id,
                                         SideEventRevision.status == RevisionStatus.PENDING))
        .join(PartnerOrganisation, PartnerOrganisation.id == SideEvent.organisation_id)
        .options(contains_eager(SideEvent.organisation))
        .where(SideEvent.state.in_(MODERATED_STATES))
    )
    rev = SideEventRevision
    if queue_filter.kind is QueueKind.NEW:
        stmt = stmt.where(~is_change)
    elif queue_filter.kind is QueueKind.CHANGE:
        stmt = stmt.where(is_change)
    if queue_filter.organisation_id is not None:
        stmt = stmt.where(SideEvent.organisation_id == queue_filter.organisation_id)
    if queue_filter.neighbourhood:
        stmt = stmt.where(sa.func.lower(rev.neighbourhood) == queue_filter.neighbourhood.lower())
    if queue_filter.category is not None:
        stmt = stmt.where(rev.category == queue_filter.category)
    if queue_filter.last_day is not None:  # a series has no date before its first one
        day_after = local_midnight(queue_filter.last_day + timedelta(days=1), conference_zone())
        stmt = stmt.where(sa.or_(
            sa.and_(rev.all_day, rev.start_date <= queue_filter.last_day),
            sa.and_(~rev.all_day, rev.starts_at < day_after),
        ))
    for word in queue_filter.text.split():
        needle = word.lower()
        stmt = stmt.where(sa.or_(*(
            sa.func.lower(column).contains(needle, autoescape=True)
            for column in (rev.title_en, rev.title_nl, rev.description_en, rev.description_nl,
                           rev.location_name, rev.address, PartnerOrganisation.name)
        )))
    return stmt.order_by(rev.created_at, rev.id)


def _last_local_day(occurrence: Occurrence) -> date:
    return (occurrence.ends_at.astimezone(conference_zone()) - timedelta(microseconds=1)).date()


def has_date_between(revision: SideEventRevision, first_day: date | None, last_day: date | None) -> bool:
    """Whether any date the revision will have touches a Leiden day from first_day to last_day."""
    for occurrence in expand_revision(revision):
        if last_day is not None and occurrence.local_day > last_day:
            return False  # in order: later ones are later still
        if first_day is None or _last_local_day(occurrence) >= first_day:
            return True
    return False


def moderation_page(session: Any, queue_filter: QueueFilter, *, page: int = 1,
                    per_page: int = PER_PAGE) -> QueuePage:
    """The waiting events the filter lets through, oldest waiting first, one page of them."""
    page = max(1, page)
    stmt = _queue_stmt(queue_filter)
    if not queue_filter.has_dates:
        total = session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
        rows = session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
        return QueuePage([QueueItem(*row) for row in rows], total, page, per_page)
    found = [
        QueueItem(*row) for row in session.execute(stmt)
        if has_date_between(row[1], queue_filter.first_day, queue_filter.last_day)
    ]
    start = (page - 1) * per_page
    return QueuePage(found[start:start + per_page], len(found), page, per_page)


def queue_neighbourhoods(session: Any) -> list[str]:
    """The filter's neighbourhoods: the partners' list, and any other name a waiting event gives."""
    stmt = (
        sa.select(SideEventRevision.neighbourhood)
        .where(SideEventRevision.status == RevisionStatus.PENDING, SideEventRevision.neighbourhood != "")
        .distinct()
    )
    return with_stored(list(session.scalars(stmt)))
