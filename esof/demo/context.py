"""What every part of the demo generator shares: the sizes asked for, the summary it reports,
one random.Random with the helpers that draw from it, and bulk inserts that return new ids.

Every random choice of the demo comes from ``DemoContext.rng``, in the order builder.py calls
the parts, so one seed gives one data set.
"""
from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from esof.conference import conference_zone
from esof.demo import data
from esof.extensions import db

CHUNK = 2000


@dataclass(frozen=True)
class DemoSizes:
    delegates: int = 5000
    sessions: int = 300
    side_events: int = 600
    partners: int = 40

    @property
    def speakers(self) -> int:
        return max(3, round(self.sessions * 5 / 3))

    @property
    def deliberate_conflicts(self) -> int:
        """Room double bookings, and as many speaker double bookings."""
        return 3 if self.sessions >= 100 else 1


@dataclass
class DemoSummary:
    counts: dict[str, int] = field(default_factory=dict)
    published_version: int | None = None
    publish_note: str = ""
    conflicts: list[str] = field(default_factory=list)


def insert_rows(model: type[Any], rows: Sequence[dict[str, Any]]) -> list[int]:
    """Bulk-insert rows and return their new ids in the order given."""
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        ids.extend(db.session.scalars(
            sa.insert(model).returning(model.id, sort_by_parameter_order=True), chunk
        ))
    return ids


def insert_plain(model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(sa.insert(model), rows[start:start + CHUNK])


class DemoContext:
    """The seeded random source, the conference zone and the running summary."""

    def __init__(self, *, seed: int, sizes: DemoSizes, password_hash: str) -> None:
        self.rng = random.Random(seed)
        self.sizes = sizes
        self.password_hash = password_hash  # hashed once; every demo account shares it
        self.zone = conference_zone()
        self.summary = DemoSummary()

    def local(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.zone).astimezone(UTC)

    def moment_between(self, first: date, last: date, *, earliest: int = 8, latest: int = 22) -> datetime:
        day = first + timedelta(days=self.rng.randint(0, (last - first).days))
        return self.local(day, time(self.rng.randint(earliest, latest - 1), self.rng.randrange(0, 60)))

    def nonce(self, bits: int = 64) -> str:
        return f"{self.rng.getrandbits(bits):0{bits // 4}x}"

    def person_name(self, pool: str) -> tuple[str, str]:
        firsts, lasts = data.NAMES[pool]
        return self.rng.choice(firsts), self.rng.choice(lasts)

    def affiliation(self, country: str, city: str) -> str:
        own = data.INSTITUTIONS.get(country)
        if own and self.rng.random() < 0.8:
            return self.rng.choice(own)
        return self.rng.choice(data.GENERIC_AFFILIATIONS).format(city=city)

    def count(self, name: str, n: int) -> None:
        self.summary.counts[name] = self.summary.counts.get(name, 0) + n
