"""Declarative base, constraint naming convention and column types shared by every area."""
from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """An instant, always stored and returned as an aware UTC datetime.

    PostgreSQL keeps the zone; SQLite drops it, so UTC is re-attached on the way out.
    Naive datetimes are refused on the way in: a naive value is a bug waiting to shift an
    event by an hour.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: attach a time zone before storing")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # Stored naive in UTC so that string comparison in SQLite orders correctly.
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def rows_matched(result: sa.Result[Any]) -> int:
    """The rowcount of an UPDATE or DELETE run through Session.execute, which is typed to
    return a Result; for such statements it is a CursorResult, which has the count."""
    return cast(sa.CursorResult[Any], result).rowcount


def utcnow() -> datetime:
    return datetime.now(UTC)


def enum_type(enum_class: type[enum.Enum], name: str) -> sa.Enum:
    """A portable enum: VARCHAR plus a CHECK constraint, storing the members' values."""
    return sa.Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_class) + 8,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    # One registry carries the naming convention and maps every datetime to UTCDateTime.
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )
