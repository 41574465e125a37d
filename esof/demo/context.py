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

    # The call for sessions, beside the accepted proposals (one per session the call offered):
    # 250 rejected, 50 on the waiting list, a few drafts and withdrawn ones for 300 sessions.
    @property
    def proposals_rejected(self) -> int:
        return round(self.sessions * 5 / 6)

    @property
    def proposals_waitlisted(self) -> int:
        return max(2, round(self.sessions / 6))

    @property
    def proposals_draft(self) -> int:
        return max(1, self.sessions // 40)

    @property
    def proposals_withdrawn(self) -> int:
        return max(1, self.sessions // 50)

    @property
    def reviewers(self) -> int:
        """The programme committee: 30 for 300 sessions, at least 5 (three reviews each and
        room for conflicts of interest)."""
        return max(5, min(30, round(self.sessions / 10)))


@dataclass
class DemoSummary:
    counts: dict[str, int] = field(default_factory=dict)
    published_version: int | None = None
    publish_note: str = ""
    conflicts: list[str] = field(default_factory=list)
    newcomers: list[str] = field(default_factory=list)  # verified accounts without a registration
    speaker_accounts: int = 0  # speaker1@example.org …
    reviewers: int = 0  # reviewer@example.org, reviewer2@example.org …


# The ORM's bulk INSERT leaves None values out and so splits rows with and without them into
# separate statements (thousands on PostgreSQL for rows that alternate); rendering them as
# NULL keeps one batch. Every None the demo writes is a nullable column without a default.
BULK = {"render_nulls": True}


def insert_rows(model: type[Any], rows: Sequence[dict[str, Any]]) -> list[int]:
    """Bulk-insert rows and return their new ids in the order given."""
    if len(rows) >= COPY_FROM and _copyable(model, [*rows[0], "id"]):
        # PostgreSQL: ids taken from the table's sequence first, then the rows COPYed with them
        # (a RETURNING insert of thousands of wide rows spends seconds in psycopg's query parsing).
        table: sa.Table = model.__table__
        new_ids = sorted(db.session.scalars(
            sa.select(sa.func.nextval(sa.func.pg_get_serial_sequence(table.name, "id")))
            .select_from(sa.func.generate_series(1, len(rows)))))
        _copy_rows(model, [{**row, "id": new_id} for row, new_id in zip(rows, new_ids, strict=True)])
        return new_ids
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        ids.extend(db.session.scalars(
            sa.insert(model).returning(model.id, sort_by_parameter_order=True).execution_options(**BULK), chunk
        ))
    return ids


def insert_plain(model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    """Bulk-insert rows whose ids nobody needs (on PostgreSQL with COPY when there are many)."""
    if len(rows) >= COPY_FROM and _copyable(model, list(rows[0])):
        _copy_rows(model, rows)
        return
    # The table's own INSERT (Core): the same rows as the ORM's bulk insert (column defaults
    # apply, None is NULL), without its per-row bookkeeping.
    stmt = sa.insert(model.__table__)
    for start in range(0, len(rows), CHUNK):
        db.session.execute(stmt, rows[start:start + CHUNK])


def update_rows(model: type[Any], keys: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    """Give many rows their own values in one executemany UPDATE; `keys` name the columns that
    find each row, every other name in a row is a value. A column that would take the clock
    on update (``onupdate``) keeps its value unless the rows give one, so a seed stays a seed."""
    if not rows:
        return
    table: sa.Table = model.__table__
    names = [name for name in rows[0] if name not in keys]
    values: dict[str, Any] = {c.name: c for c in table.columns if c.onupdate is not None}
    values.update({name: sa.bindparam(f"v_{name}", type_=table.c[name].type) for name in names})
    stmt = table.update().where(*(table.c[k] == sa.bindparam(f"k_{k}", type_=table.c[k].type) for k in keys))
    db.session.execute(stmt.values(values), [
        {**{f"k_{k}": row[k] for k in keys}, **{f"v_{name}": row[name] for name in names}} for row in rows
    ])


# PostgreSQL: psycopg sends an executemany row by row (pipelined); COPY is many times faster
# for the tens of thousands of check-ins. Values go through each column's own bind processing
# (enums as their values, UTC instants), so the rows are what an INSERT would have stored.
COPY_FROM = 1000


def _copyable(model: type[Any], names: list[str]) -> bool:
    """COPY applies on PostgreSQL when the rows give every column that has a Python-side default."""
    if db.session.get_bind().dialect.name != "postgresql":
        return False
    table: sa.Table = model.__table__
    return all(c.default is None or c.name in names for c in table.columns)


def _copy_rows(model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    """COPY the rows in, in the session's transaction."""
    connection = db.session.connection()
    dialect = connection.dialect
    table: sa.Table = model.__table__
    names = list(rows[0])
    processors = [table.c[name].type.bind_processor(dialect) for name in names]
    quote = dialect.identifier_preparer.quote
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
            f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([value if process is None else process(value)
                            for value, process in zip((row[n] for n in names), processors, strict=True)])


class DemoContext:
    """The seeded random source, the conference zone and the running summary."""

    def __init__(self, *, seed: int, sizes: DemoSizes, password_hash: str, now: datetime,
                 historic: bool = False) -> None:
        self.rng = random.Random(seed)
        self.sizes = sizes
        self.password_hash = password_hash  # hashed once; every demo account shares it
        self.zone = conference_zone()
        self.summary = DemoSummary()
        # The load moment (the one reading of the clock, by the caller) and whether the 2022
        # windows are kept; only the categories' windows and the demo marker depend on them.
        self.now = now
        self.historic = historic

    @property
    def today(self) -> date:
        """The load day in the conference zone."""
        return self.now.astimezone(self.zone).date()

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
