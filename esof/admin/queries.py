"""The admins' lists: people found by name or address, and the audit log with its filters.

Each list is one paginated select plus a fixed number of look-ups per page (roles in one
selectin query, the actors joined, the people a page's rows are about in one query), so a
page costs the same number of queries for ten people as for ten thousand."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from esof.accounts.models import AuditLog, Role, User, UserRole
from esof.conference import conference_zone
from esof.extensions import db
from esof.registration.models import Registration


def name_or_email_like(model: type[User], text: str) -> sa.ColumnElement[bool]:
    """Part of the address or of the name, case-insensitive, with LIKE's wildcards taken literally."""
    needle = text.strip().lower()
    return sa.or_(
        model.email.contains(needle, autoescape=True),
        sa.func.lower(model.display_name).contains(needle, autoescape=True),
    )


@dataclass(frozen=True)
class UserFilters:
    q: str = ""
    role: str = ""


def filtered_users(filters: UserFilters) -> sa.Select[tuple[User]]:
    stmt = sa.select(User)
    text = filters.q.strip().lower()
    if text:
        stmt = stmt.where(name_or_email_like(User, text))
    if filters.role in {r.value for r in Role}:
        stmt = stmt.where(
            sa.exists().where(UserRole.user_id == User.id, UserRole.role == Role(filters.role))
        )
    return stmt.order_by(sa.func.lower(User.display_name), User.email, User.id)


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    action: str = ""
    target_type: str = ""
    target_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def local_midnight(day: date) -> datetime:
    """The first instant of a day in Leiden (the form's dates are Leiden dates)."""
    return datetime.combine(day, time(0), tzinfo=conference_zone())


def filtered_audit(filters: AuditFilters) -> sa.Select[tuple[AuditLog]]:
    return _audit_where(sa.select(AuditLog).options(joinedload(AuditLog.actor)), filters)


def audit_export_rows(filters: AuditFilters) -> sa.Select[Any]:
    """The same rows as plain columns with the actor's address: the CSV streams them without
    building objects (nothing held in the session while a large export is written)."""
    author = aliased(User)
    stmt = sa.select(
        AuditLog.id, AuditLog.created_at, AuditLog.actor_id, author.email.label("actor_email"), AuditLog.action,
        AuditLog.target_type, AuditLog.target_id, AuditLog.detail,
    ).outerjoin(author, AuditLog.actor_id == author.id)
    return _audit_where(stmt, filters)


def _audit_where(stmt: sa.Select[Any], filters: AuditFilters) -> sa.Select[Any]:
    actor_text = filters.actor.strip().lower()
    if actor_text:
        actor = aliased(User)
        stmt = stmt.join(actor, AuditLog.actor_id == actor.id)
        if actor_text.isdigit():
            stmt = stmt.where(actor.id == int(actor_text))
        else:
            stmt = stmt.where(name_or_email_like(actor, actor_text))
    if filters.action:
        stmt = stmt.where(AuditLog.action == filters.action)
    if filters.target_type:
        stmt = stmt.where(AuditLog.target_type == filters.target_type)
    if filters.target_id is not None:
        stmt = stmt.where(AuditLog.target_id == filters.target_id)
    if filters.date_from is not None:
        stmt = stmt.where(AuditLog.created_at >= local_midnight(filters.date_from))
    if filters.date_to is not None:
        stmt = stmt.where(AuditLog.created_at < local_midnight(filters.date_to + timedelta(days=1)))
    return stmt.order_by(AuditLog.id.desc())


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditLog.action).distinct().order_by(AuditLog.action)))


def audit_target_types() -> list[str]:
    return list(db.session.scalars(sa.select(AuditLog.target_type).distinct().order_by(AuditLog.target_type)))


def people_named_in(rows: list[AuditLog]) -> dict[int, User]:
    """The accounts that a page of audit rows is about, in one query."""
    ids = {row.target_id for row in rows if row.target_type == "User" and row.target_id is not None}
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}


def registrations_of(user: User) -> list[Registration]:
    """The person's registrations, newest first (one active at most, cancelled ones after)."""
    return list(
        db.session.scalars(
            sa.select(Registration).options(joinedload(Registration.category))
            .where(Registration.user_id == user.id).order_by(Registration.id.desc()).limit(5)
        )
    )


def audit_about(user: User, *, limit: int = 10) -> list[AuditLog]:
    """The last changes made to this person's account, by anyone."""
    return list(
        db.session.scalars(
            sa.select(AuditLog).options(joinedload(AuditLog.actor))
            .where(AuditLog.target_type == "User", AuditLog.target_id == user.id)
            .order_by(AuditLog.id.desc()).limit(limit)
        )
    )
