"""A realistic generated programme (ESOF size) for timing and query-count tests.

Deterministic (seeded). Inserts in bulk so tests stay quick.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from esof.extensions import db
from esof.programme.models import (
    Person,
    PersonAvailability,
    ProgrammeSession,
    ScheduleSlot,
    SessionFormat,
    SessionSpeaker,
    Track,
)
from esof.venues.models import Room, Venue, VenueOpeningHours

AMS = ZoneInfo("Europe/Amsterdam")
DAYS = [date(2022, 7, 13) + timedelta(days=n) for n in range(4)]
VENUES = [
    ("Pieterskerk", 52.1574, 4.4903), ("Stadsgehoorzaal", 52.1613, 4.4919),
    ("Kamerlingh Onnes Gebouw", 52.1567, 4.4847), ("Hortus botanicus", 52.1556, 4.4862),
    ("Naturalis", 52.1648, 4.4736),
]


def build_realistic_programme(*, sessions: int = 300, speakers: int = 500, rooms: int = 25,
                              seed: int = 2022) -> dict[str, int]:
    rng = random.Random(seed)
    start_ids = {model: (db.session.scalar(sa.select(sa.func.max(model.id))) or 0)
                 for model in (Venue, Room, Track, Person, ProgrammeSession)}
    tag = f"{seed}-{start_ids[Venue]}"
    db.session.execute(sa.insert(Venue), [
        {"id": start_ids[Venue] + n + 1, "name": f"{name} {tag}", "slug": f"v{tag}-{n}", "latitude": lat,
         "longitude": lon, "step_free": n != 0, "address": "", "city": "Leiden", "description": ""}
        for n, (name, lat, lon) in enumerate(VENUES)])
    venue_ids = [start_ids[Venue] + n + 1 for n in range(len(VENUES))]
    db.session.execute(sa.insert(VenueOpeningHours), [
        {"venue_id": v, "day": d, "opens": time(8, 30), "closes": time(22, 0)} for v in venue_ids for d in DAYS])
    room_ids = [start_ids[Room] + n + 1 for n in range(rooms)]
    db.session.execute(sa.insert(Room), [
        {"id": rid, "venue_id": venue_ids[n % len(venue_ids)], "name": f"Room {n}",
         "capacity": rng.choice([40, 80, 150, 300, 900]),
         "layout": "theatre", "streaming": n % 3 == 0, "step_free": n % 7 != 0, "allows_parallel": n == 0}
        for n, rid in enumerate(room_ids)])
    track_ids = [start_ids[Track] + n + 1 for n in range(8)]
    db.session.execute(sa.insert(Track), [
        {"id": tid, "slug": f"t{tag}-{n}", "name": f"Track {n}", "name_nl": "", "colour": "#1f4e79"}
        for n, tid in enumerate(track_ids)])
    person_ids = [start_ids[Person] + n + 1 for n in range(speakers)]
    db.session.execute(sa.insert(Person), [
        {"id": pid, "name": f"Speaker {n}", "affiliation": "University", "bio": "", "needs_step_free": n % 50 == 0}
        for n, pid in enumerate(person_ids)])
    windows = []
    for pid in person_ids[::10]:
        day = rng.choice(DAYS)
        windows.append({"person_id": pid, "starts_at": datetime.combine(day, time(9), tzinfo=AMS),
                        "ends_at": datetime.combine(day, time(18), tzinfo=AMS)})
    db.session.execute(sa.insert(PersonAvailability), windows)
    session_ids = [start_ids[ProgrammeSession] + n + 1 for n in range(sessions)]
    formats = list(SessionFormat)
    db.session.execute(sa.insert(ProgrammeSession), [
        {"id": sid, "title": f"Session {n}: crossing borders", "abstract": "Engaged science, resilient societies.",
         "format": rng.choice(formats), "language": rng.choice(["en", "en", "nl"]), "track_id": rng.choice(track_ids),
         "expected_audience": rng.choice([20, 50, 100, 200]), "needs_booking": n % 5 == 0, "needs_step_free": False}
        for n, sid in enumerate(session_ids)])
    links, slots = [], []
    for n, sid in enumerate(session_ids):
        for pos, pid in enumerate(rng.sample(person_ids, rng.randint(1, 4))):
            links.append({"session_id": sid, "person_id": pid, "position": pos, "role": "speaker"})
        # Spread the sessions: each room holds about 3 a day, in separate blocks, with a few clashes.
        day = DAYS[n % 4]
        room = room_ids[(n // 4) % rooms]
        block = (n // (4 * rooms)) % 4
        start = datetime.combine(day, time(9), tzinfo=AMS) + timedelta(hours=3 * block,
                                                                       minutes=rng.choice([0, 0, 15, 30]))
        slots.append({"session_id": sid, "room_id": room, "starts_at": start,
                      "ends_at": start + timedelta(minutes=rng.choice([45, 60, 90, 120]))})
    db.session.execute(sa.insert(SessionSpeaker), links)
    db.session.execute(sa.insert(ScheduleSlot), slots)
    db.session.flush()
    return {"sessions": sessions, "speakers": speakers, "rooms": rooms}


def main() -> None:  # pragma: no cover  (a measurement, run by hand)
    """python -m tests.programme.bench [DATABASE_URL]: p50 server times on an ESOF-sized programme."""
    import statistics
    import sys
    import tempfile
    import time as clock

    from esof.accounts.models import Role, User
    from esof.programme import services
    from tests.conftest import BASE_TEST_CONFIG, make_app
    from tests.support import run_migrations

    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    run_migrations(url, BASE_TEST_CONFIG)
    app = make_app(url)
    with app.app_context():
        build_realistic_programme()
        admin = User(email="bench-admin@example.org")
        admin.add_role(Role.ADMIN)
        db.session.add(admin)
        db.session.flush()
        services.publish_schedule(actor=admin, override=True)
        db.session.commit()
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = admin.get_id()
            session["_fresh"] = True

        def p50(target: str, runs: int = 40) -> float:
            client.get(target)
            timings = []
            for _ in range(runs):
                started = clock.perf_counter()
                assert client.get(target).status_code == 200, target
                timings.append((clock.perf_counter() - started) * 1000)
            return statistics.median(timings)

        for target in ("/programme/?day=2022-07-13", "/programme/grid?day=2022-07-13",
                       "/programme/sessions/1", "/programme/organiser/conflicts.json",
                       "/programme/organiser/conflicts", "/programme/organiser/schedule?day=2022-07-13"):
            print(f"{target:50s} p50 {p50(target):7.1f} ms")
        timings = []
        for _ in range(40):
            started = clock.perf_counter()
            services.build_conflict_report()
            timings.append((clock.perf_counter() - started) * 1000)
        print(f"{'build_conflict_report() service':50s} p50 {statistics.median(timings):7.1f} ms")


if __name__ == "__main__":
    main()
