"""Demo City of Science: the partner organisations with one editor each, and their side events
(single, all-day and weekly ones, in the festival year) with revisions in every moderation
state and the occurrences of the approved ones; a few cancelled by their partner in 2022
(a whole event with its reason, and one date of a weekly series).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from esof.accounts.models import AuditLog, Role
from esof.conference import festival_year
from esof.demo import data
from esof.demo.context import DemoContext, insert_plain, insert_rows
from esof.demo.people import add_users, user_row
from esof.extensions import db
from esof.side_events import recurrence as rec
from esof.side_events.models import (
    Audience,
    EventCategory,
    EventState,
    PartnerMembership,
    PartnerOrganisation,
    RevisionStatus,
    SideEvent,
    SideEventOccurrence,
    SideEventOccurrenceCancellation,
    SideEventRevision,
)

_C = EventCategory
CATEGORIES_BY_KIND = {
    "museum": (_C.EXHIBITION, _C.TOUR, _C.FAMILY, _C.LECTURE, _C.WORKSHOP),
    "university": (_C.LECTURE, _C.DEBATE, _C.WORKSHOP, _C.LECTURE),
    "health": (_C.LECTURE, _C.WORKSHOP, _C.DEBATE),
    "school": (_C.WORKSHOP, _C.FAMILY, _C.OTHER),
    "library": (_C.LECTURE, _C.WORKSHOP, _C.FAMILY, _C.EXHIBITION),
    "science": (_C.FAMILY, _C.WORKSHOP, _C.TOUR, _C.FESTIVAL, _C.LECTURE),
    "student": (_C.DEBATE, _C.LECTURE, _C.PERFORMANCE, _C.OTHER),
    "culture": (_C.PERFORMANCE, _C.LECTURE, _C.FESTIVAL, _C.EXHIBITION),
    "city": (_C.DEBATE, _C.TOUR, _C.FESTIVAL),
}
AUDIENCES = {
    _C.FAMILY: ("children", "families"), _C.EXHIBITION: ("families", "adults"),
    _C.FESTIVAL: ("children", "families", "adults"), _C.TOUR: ("families", "adults"),
    _C.DEBATE: ("adults",), _C.PERFORMANCE: ("adults",),
}
TIMES = {
    _C.LECTURE: ((time(19, 30), time(21, 0)), (time(20, 0), time(21, 30)), (time(16, 0), time(17, 0))),
    _C.FAMILY: ((time(10, 30), time(12, 0)), (time(13, 0), time(16, 0))),
    _C.TOUR: ((time(11, 0), time(12, 30)), (time(14, 0), time(15, 30))),
    _C.WORKSHOP: ((time(14, 0), time(16, 0)), (time(19, 0), time(21, 0))),
    _C.DEBATE: ((time(20, 0), time(21, 30)),),
    _C.PERFORMANCE: ((time(20, 15), time(22, 0)),),
    _C.OTHER: ((time(17, 0), time(19, 0)), (time(21, 0), time(23, 30))),
}


@dataclass
class DemoPartners:
    specs: list[data.PartnerSpec]
    ids: list[int]
    user_ids: list[int]  # the one editor of each
    points: list[tuple[float, float]]  # (latitude, longitude) of each one's location


def build_partners(ctx: DemoContext) -> DemoPartners:
    rng = ctx.rng
    specs = list(data.PARTNERS[: ctx.sizes.partners])
    for n in range(len(specs), ctx.sizes.partners):
        specs.append(data.PartnerSpec(
            f"Partner organisation {n + 1}", f"partner-{n + 1}", f"https://partner{n + 1}.example.org",
            "science", f"Partner {n + 1}", "Breestraat 1, 2311 CH Leiden", "Binnenstad-Zuid",
        ))
    created = [ctx.moment_between(date(2021, 9, 1), date(2021, 12, 15)) for _ in specs]
    ids = insert_rows(PartnerOrganisation, [
        {"name": p.name, "slug": p.slug, "website": p.website, "contact_email": f"events@{p.slug}.example.org",
         "description": f"{p.name} takes part in Leiden European City of Science 2022.", "created_at": when}
        for p, when in zip(specs, created, strict=True)
    ])
    users = []
    for n, when in enumerate(created, start=1):
        first, last = ctx.person_name("dutch")
        users.append(user_row(ctx, f"partner{n}@example.org", f"{first} {last}", "nl", when))
    user_ids = add_users(ctx, users, [(Role.PARTNER,)] * len(users))
    insert_plain(PartnerMembership, [
        {"organisation_id": org, "user_id": uid, "created_at": when}
        for org, uid, when in zip(ids, user_ids, created, strict=True)
    ])
    ctx.count("partner organisations", len(ids))
    # A fixed point per partner location, near its neighbourhood's centre.
    points = []
    for p in specs:
        lat, lon = data.NEIGHBOURHOODS[p.neighbourhood]
        points.append((round(lat + rng.uniform(-0.002, 0.002), 5), round(lon + rng.uniform(-0.003, 0.003), 5)))
    return DemoPartners(specs, ids, user_ids, points)


def build_side_events(ctx: DemoContext, partners: DemoPartners, *, venue_ids: dict[str, int],
                      organiser_id: int) -> None:
    rng = ctx.rng
    year = festival_year()
    weights = [p.weight for p in partners.specs]
    events, event_meta = [], []
    for i in range(ctx.sizes.side_events):
        p_index = rng.choices(range(len(partners.specs)), weights=weights)[0]
        partner = partners.specs[p_index]
        author = partners.user_ids[p_index]
        category = rng.choice(CATEGORIES_BY_KIND[partner.kind])
        state = state_for(i)
        content = side_event_content(ctx, year, i, partner, partners.points[p_index], category)
        submitted = submitted_before(ctx, year, content)
        events.append({
            "organisation_id": partners.ids[p_index], "state": state,
            "rejection_reason": data.REJECTION_REASONS[i % 2] if state is EventState.REJECTED else "",
            "created_by_id": author, "created_at": submitted, "updated_at": submitted + timedelta(days=2),
            "sequence": 0,
        })
        base = {**content, "venue_id": venue_ids.get(content["location_name"]),
                "created_by_id": author, "created_at": submitted}
        own = []
        if state is EventState.SUBMITTED:
            own.append({**base, "status": RevisionStatus.PENDING, "reviewed_by_id": None, "reviewed_at": None})
        elif state is EventState.REJECTED:
            own.append({**base, "status": RevisionStatus.REJECTED, "reviewed_by_id": organiser_id,
                        "reviewed_at": submitted + timedelta(days=2)})
        else:
            own.append({**base, "status": RevisionStatus.APPROVED, "reviewed_by_id": organiser_id,
                        "reviewed_at": submitted + timedelta(days=rng.randint(1, 3))})
            if i % 50 == 13:  # an approved event with an edit waiting for moderation
                edit = {**base, "status": RevisionStatus.PENDING, "reviewed_by_id": None, "reviewed_at": None,
                        "created_at": submitted + timedelta(days=5)}
                if edit["title_en"]:
                    edit["title_en"] += " (new date soon)"
                if edit["title_nl"]:
                    edit["title_nl"] += " (nieuwe datum volgt)"
                own.append(edit)
            elif i % 50 == 29:  # an approved event whose edit was turned down: the approved one stays public
                edit = {**base, "status": RevisionStatus.REJECTED, "reviewed_by_id": organiser_id,
                        "reviewed_at": submitted + timedelta(days=6), "created_at": submitted + timedelta(days=5),
                        "price_cents": None, "booking_url": ""}
                edit["title_en" if edit["title_en"] else "title_nl"] += " — FREE ENTRY!!"
                own.append(edit)
                events[-1]["rejection_reason"] = data.EDIT_REJECTION_REASON
        event_meta.append(own)
    event_ids = insert_rows(SideEvent, events)
    flat = [{**row, "event_id": event_id} for event_id, own in zip(event_ids, event_meta, strict=True) for row in own]
    revision_ids = insert_rows(SideEventRevision, flat)
    occurrences = []
    for row, revision_id in zip(flat, revision_ids, strict=True):
        if row["status"] is not RevisionStatus.APPROVED:
            continue
        for o in rec.expand(all_day=row["all_day"], starts_at=row["starts_at"], ends_at=row["ends_at"],
                            start_date=row["start_date"], end_date=row["end_date"], rule=row["rrule"],
                            exdates=row["exdates"], zone=ctx.zone):
            occurrences.append({"event_id": row["event_id"], "revision_id": revision_id,
                                "starts_at": o.starts_at, "ends_at": o.ends_at, "local_day": o.local_day,
                                "all_day": o.all_day})
    insert_plain(SideEventOccurrence, occurrences)
    ctx.count("side events", len(event_ids))
    ctx.count("side events approved", sum(1 for e in events if e["state"] is EventState.APPROVED))
    ctx.count("side events awaiting moderation", sum(1 for e in events if e["state"] is EventState.SUBMITTED))
    ctx.count("side-event edits awaiting moderation",
              sum(1 for r in flat if r["status"] is RevisionStatus.PENDING) - ctx.summary.counts[
                  "side events awaiting moderation"])
    ctx.count("side-event edits rejected", sum(1 for r in flat if r["status"] is RevisionStatus.REJECTED)
              - sum(1 for e in events if e["state"] is EventState.REJECTED))
    ctx.count("recurring side events", sum(1 for r in flat if r["rrule"] and r["status"] is RevisionStatus.APPROVED))
    ctx.count("side-event occurrences", len(occurrences))


def state_for(i: int) -> EventState:
    if i % 25 == 7:
        return EventState.SUBMITTED
    if i % 100 == 42:
        return EventState.REJECTED
    return EventState.APPROVED


def event_day(ctx: DemoContext, year: int) -> date:
    """A day of the festival year, with the summer around the conference more likely."""
    if ctx.rng.random() < 0.35:
        return date(year, 6, 15) + timedelta(days=ctx.rng.randint(0, 61))
    return date(year, 1, 8) + timedelta(days=ctx.rng.randint(0, 350))


def side_event_content(ctx: DemoContext, year: int, i: int, partner: data.PartnerSpec, point: tuple[float, float],
                       category: EventCategory) -> dict[str, Any]:
    rng = ctx.rng
    nl_topic, en_topic = rng.choice(data.SIDE_EVENT_TOPICS)
    nl_pattern, en_pattern = data.SIDE_EVENT_FORMATS[category.value]
    language = "nl" if rng.random() < 0.65 else "en"
    both = rng.random() < 0.45
    title_nl = nl_pattern.format(nl=nl_topic) if language == "nl" or both else ""
    title_en = en_pattern.format(en=en_topic) if language == "en" or both else ""
    paragraphs = [d for d in data.SIDE_EVENT_DESCRIPTIONS if d is data.SIDE_EVENT_DESCRIPTIONS[0]
                  or rng.random() < 0.5]
    description_nl = "".join(nl.format(nl=nl_topic.lower()) for nl, _en in paragraphs) if title_nl else ""
    description_en = "".join(en.format(en=en_topic.lower()) for _nl, en in paragraphs) if title_en else ""

    audience = AUDIENCES.get(category) or rng.choice((("adults",), ("adults", "professionals"), ("professionals",),
                                                      ("children",), ("families", "adults")))
    last_of_year = date(year, 12, 31)
    dates: dict[str, Any] = {"all_day": False, "starts_at": None, "ends_at": None, "start_date": None,
                             "end_date": None, "rrule": None, "exdates": []}
    if category is EventCategory.EXHIBITION:
        first = date(year, 1, 15) + timedelta(days=rng.randint(0, 260))
        last = min(first + timedelta(days=rng.randint(30, 120)), last_of_year)
        dates.update(all_day=True, start_date=first, end_date=last)
    elif category is EventCategory.FESTIVAL:
        first = event_day(ctx, year)
        last = min(first + timedelta(days=rng.choice((0, 0, 1, 2))), last_of_year)
        dates.update(all_day=True, start_date=first, end_date=last)
    else:
        start, end = rng.choice(TIMES[category])
        day = event_day(ctx, year)
        if category in (EventCategory.FAMILY, EventCategory.TOUR) and day.weekday() < 5:
            day += timedelta(days=5 - day.weekday())  # to the Saturday
        if day.year != year:
            day = date(year, 12, 17)
        if i % 10 == 3:  # a weekly series, some crossing a change of the clocks
            day = min(day, date(year, 9, 30))
            until = min(day + timedelta(weeks=rng.randint(6, 16)), last_of_year)
            rule = rec.build_rrule(rec.Recurrence(frequency=rec.Frequency.WEEKLY, weekdays=(day.weekday(),),
                                                  until=until), all_day=False, zone=ctx.zone)
            series = [o.local_day for o in rec.expand(
                all_day=False, starts_at=ctx.local(day, start), ends_at=ctx.local(day, end), start_date=None,
                end_date=None, rule=rule, exdates=(), zone=ctx.zone)]
            skipped = rng.sample(series[1:], min(len(series) - 1, rng.randint(1, 2)))
            dates.update(rrule=rule, exdates=rec.build_exdates(skipped, all_day=False, start_time=start))
        dates.update(starts_at=ctx.local(day, start), ends_at=ctx.local(day, end))

    if category is EventCategory.EXHIBITION:
        price = rng.choice((None, 1250, 1500, 1950, 2250))
    elif category is EventCategory.PERFORMANCE:
        price = rng.choice((1250, 1500, 1750))
    elif partner.kind in ("student", "library", "city", "university") or rng.random() < 0.55:
        price = None
    else:
        price = rng.choice((300, 500, 750, 1000))
    lat, lon = point
    return {
        "title_en": title_en, "title_nl": title_nl, "description_en": description_en,
        "description_nl": description_nl, "language": language, "category": category,
        "audience": ",".join(a.value for a in Audience if a.value in audience),
        "location_name": partner.location, "address": partner.address, "neighbourhood": partner.neighbourhood,
        "latitude": lat, "longitude": lon, **dates, "price_cents": price,
        "booking_url": f"{partner.website}/agenda/{i + 1}" if price or category is EventCategory.WORKSHOP else "",
        "image_url": "",
    }


def submitted_before(ctx: DemoContext, year: int, content: dict[str, Any]) -> datetime:
    first = content["starts_at"] or ctx.local(content["start_date"], time(0, 0))
    earliest = ctx.local(date(year - 1, 11, 1), time(9, 0))
    return max(earliest, first - timedelta(days=ctx.rng.randint(20, 90), hours=ctx.rng.randint(0, 10)))


def cancel_side_events(ctx: DemoContext, partners: DemoPartners) -> None:
    """Cancellations as esof.side_events.cancellation makes them, by the partner's editor (so
    nobody is mailed), dated a few days before the event: whole events (cancelled_at, reason,
    SEQUENCE + 1) and one date of a weekly series (its cancellation row, SEQUENCE + 1)."""
    rng = ctx.rng
    edit = sa.orm.aliased(SideEventRevision)
    waiting = sa.exists().where(edit.event_id == SideEvent.id, edit.status == RevisionStatus.PENDING)
    public = db.session.execute(
        sa.select(SideEvent.id, SideEvent.organisation_id, SideEventRevision.rrule, SideEventRevision.starts_at,
                  SideEventRevision.reviewed_at)
        .join(SideEventRevision, sa.and_(SideEventRevision.event_id == SideEvent.id,
                                         SideEventRevision.status == RevisionStatus.APPROVED))
        .where(SideEvent.state == EventState.APPROVED, SideEvent.cancelled_at.is_(None), ~waiting,
               SideEventRevision.starts_at.is_not(None))
        .order_by(SideEvent.id)
    ).all()
    editor = dict(zip(partners.ids, partners.user_ids, strict=True))
    single = [row for row in public if not row.rrule]
    series = [row for row in public if row.rrule]
    audit = []
    for row in rng.sample(single, min(len(single), 2 if ctx.sizes.side_events >= 200 else 1)):
        before = timedelta(days=rng.randint(2, 10), hours=rng.randint(0, 8))
        when = max(row.reviewed_at + timedelta(days=1), row.starts_at - before)
        reason = rng.choice(data.SIDE_EVENT_CANCELLATIONS)
        db.session.execute(sa.update(SideEvent).where(SideEvent.id == row.id).values(
            cancelled_at=when, cancellation_reason=reason, sequence=SideEvent.sequence + 1, updated_at=when)
            .execution_options(synchronize_session=False))
        audit.append({"actor_id": editor[row.organisation_id], "action": "cancel-side-event",
                      "target_type": "SideEvent", "target_id": row.id, "detail": {"reason": reason},
                      "created_at": when})
    dates = []
    for row in rng.sample(series, min(len(series), 1)):
        occurrences = db.session.execute(
            sa.select(SideEventOccurrence.local_day, SideEventOccurrence.starts_at)
            .where(SideEventOccurrence.event_id == row.id).order_by(SideEventOccurrence.starts_at)).all()
        if len(occurrences) < 2:
            continue
        day, starts = rng.choice(occurrences[1:])
        before = timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 8))
        when = max(row.reviewed_at + timedelta(days=1), starts - before)
        reason = rng.choice(data.SIDE_EVENT_CANCELLATIONS)
        dates.append({"event_id": row.id, "local_day": day, "reason": reason, "cancelled_at": when,
                      "cancelled_by_id": editor[row.organisation_id]})
        db.session.execute(sa.update(SideEvent).where(SideEvent.id == row.id).values(
            sequence=SideEvent.sequence + 1, updated_at=when).execution_options(synchronize_session=False))
        audit.append({"actor_id": editor[row.organisation_id], "action": "cancel-side-event-occurrence",
                      "target_type": "SideEvent", "target_id": row.id,
                      "detail": {"day": day.isoformat(), "reason": reason}, "created_at": when})
    insert_plain(SideEventOccurrenceCancellation, dates)
    insert_plain(AuditLog, audit)
    ctx.count("side events cancelled", len(audit) - len(dates))
    ctx.count("side-event dates cancelled", len(dates))
