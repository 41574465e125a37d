"""Build the demo data set: everything from one random.Random(seed), inserted in bulk.

Nothing here reads the clock or the global random state, so the same seed and sizes give
the same rows (password hashes aside: argon2 salts them at random; and the load moment,
which the caller passes in: the demo marker and, without ``historic``, the registration
categories' closing and early-bird dates follow it). Rows go in with ORM bulk INSERT ...
RETURNING id, in parameter order, so the generator knows the ids it links to without a
query per row. The programme's publications and the last check-in scans go through the real
services (publish_schedule, schedule_session, set_session_status, record_scan).

The parts, in the order they draw from the one random source (the order is part of the
output: change it and a seed gives other data):

- venues, rooms and tracks (programme.py), registration categories (registrations.py),
  staff accounts (people.py), partner organisations and their editors (side_events.py);
- delegates with their registrations in every state, and accounts without one (registrations.py);
- sessions (programme.py), their speakers (people.py), the draft's slots (programme.py);
- side events (side_events.py);
- the clean draft published as version 1 (schedule.py), bookings and stars on it (bookings.py);
- cancellations and moves published as version 2, then the deliberate conflicts put into
  the draft for the organisers' conflict report to find (schedule.py);
- check-ins at the doors on the conference days (checkins.py);
- accounts for the speakers who had none (speaker_area.py), the call for sessions and the
  proposals behind the programme (cfp.py), the committee and its reviews (reviews.py), the
  speakers' answers and speaker1's window (speaker_area.py), cancelled side events (side_events.py),
  two announcements to delegates, sent in July 2022 (announcements.py).
  These come last so that the parts above give the same rows as before they existed.
"""
from __future__ import annotations

from datetime import datetime

from esof.accounts.auth import hash_password
from esof.db import utcnow
from esof.demo import (
    announcements,
    bookings,
    cfp,
    checkins,
    people,
    programme,
    registration_extras,
    registrations,
    reviews,
    schedule,
    side_events,
    speaker_area,
)
from esof.demo.context import DemoContext, DemoSizes, DemoSummary
from esof.extensions import db

__all__ = ["DemoSizes", "DemoSummary", "build_demo_data"]


def build_demo_data(*, seed: int, sizes: DemoSizes, password: str, now: datetime | None = None,
                    historic: bool = False) -> DemoSummary:
    """Create the whole demo data set in the current transaction (flushes, does not commit).

    `now` is the load moment (default: the clock); `historic` keeps the 2022 registration
    windows, so registration is closed as it was after the conference."""
    ctx = DemoContext(seed=seed, sizes=sizes, password_hash=hash_password(password), now=now or utcnow(),
                      historic=historic)
    venues = programme.build_venues(ctx)
    track_ids = programme.build_tracks(ctx)
    categories = registrations.build_categories(ctx)
    staff = people.build_staff(ctx)
    partners = side_events.build_partners(ctx)
    delegates = registrations.build_delegates(ctx, categories)
    ctx.summary.newcomers = registrations.build_newcomers(ctx)
    sessions = programme.build_sessions(ctx, venues.rooms, track_ids)
    speakers = people.build_speakers(ctx, sessions, delegates.speakers, accounts=delegates.speaker_accounts)
    programme.schedule_sessions(ctx, sessions)
    side_events.build_side_events(ctx, partners, venue_ids=venues.ids, organiser_id=staff["organiser"])
    db.session.flush()
    schedule.publish_clean_schedule(ctx, admin_id=staff["admin"])
    seats = bookings.build_bookings(ctx, sessions, delegates) if ctx.summary.published_version else None
    if seats is not None:
        bookings.build_stars(ctx, sessions, delegates)
        schedule.publish_changes(ctx, sessions, speakers, seats, admin_id=staff["organiser"])
    schedule.add_deliberate_conflicts(ctx, sessions, speakers)
    if seats is not None:
        checkins.build_check_ins(ctx, sessions, venues, delegates, seats, staff_id=staff["checkin"])
    speaker_area.build_speaker_accounts(ctx, speakers)
    call = cfp.build_call(ctx, organiser_id=staff["organiser"], track_ids=track_ids)
    cfp.build_proposals(ctx, call, sessions, speakers, delegates, track_ids=track_ids, organiser_id=staff["organiser"])
    reviews.build_reviews(ctx, call, reviews.build_committee(ctx))
    speaker_area.answer_participation(ctx, sessions, speakers)
    speaker_area.speaker1_window(ctx, sessions, speakers)
    side_events.cancel_side_events(ctx, partners)
    announcements.build_announcements(ctx, organiser_id=staff["organiser"], track_ids=track_ids)
    # Last, so that the random draws of everything before stay what they were.
    registration_extras.build_registration_extras(ctx, categories, organiser_id=staff["organiser"])
    ctx.summary.speaker_accounts = len(speakers.account_order)
    ctx.summary.reviewers = ctx.sizes.reviewers
    db.session.flush()
    return ctx.summary
