"""Build the demo data set: everything from one random.Random(seed), inserted in bulk.

Nothing here reads the clock or the global random state, so the same seed and sizes give
the same rows (password hashes aside: argon2 salts them at random). Rows go in with
ORM bulk INSERT ... RETURNING id, in parameter order, so the generator knows the ids it
links to without a query per row.

The parts, in the order they draw from the one random source (the order is part of the
output: change it and a seed gives other data):

- venues, rooms and tracks (programme.py), registration categories (registrations.py),
  staff accounts (people.py), partner organisations and their editors (side_events.py);
- delegates with their registrations (registrations.py);
- sessions (programme.py), their speakers (people.py), the draft's slots (programme.py);
- side events (side_events.py);
- the clean draft published as version 1, then the deliberate conflicts put into the
  draft for the organisers' conflict report to find (schedule.py).
"""
from __future__ import annotations

from esof.accounts.auth import hash_password
from esof.demo import people, programme, registrations, schedule, side_events
from esof.demo.context import DemoContext, DemoSizes, DemoSummary
from esof.extensions import db


def build_demo_data(*, seed: int, sizes: DemoSizes, password: str) -> DemoSummary:
    """Create the whole demo data set in the current transaction (flushes, does not commit)."""
    ctx = DemoContext(seed=seed, sizes=sizes, password_hash=hash_password(password))
    venues = programme.build_venues(ctx)
    track_ids = programme.build_tracks(ctx)
    categories = registrations.build_categories(ctx)
    staff = people.build_staff(ctx)
    partners = side_events.build_partners(ctx)
    delegates = registrations.build_delegates(ctx, categories)
    sessions = programme.build_sessions(ctx, venues.rooms, track_ids)
    speakers = people.build_speakers(ctx, sessions, delegates.speakers, accounts=delegates.speaker_accounts)
    programme.schedule_sessions(ctx, sessions)
    side_events.build_side_events(ctx, partners, venue_ids=venues.ids, organiser_id=staff["organiser"])
    db.session.flush()
    schedule.publish_clean_schedule(ctx, admin_id=staff["admin"])
    schedule.add_deliberate_conflicts(ctx, sessions, speakers)
    db.session.flush()
    return ctx.summary
