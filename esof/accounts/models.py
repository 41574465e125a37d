"""Accounts: users, their roles, personal feed tokens and the audit log."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from esof.db import enum_type, utcnow
from esof.extensions import Model


class Role(enum.StrEnum):
    DELEGATE = "delegate"
    SPEAKER = "speaker"
    PARTNER = "partner"
    ORGANISER = "organiser"
    CHECKIN = "checkin"
    REVIEWER = "reviewer"
    ADMIN = "admin"


def new_login_nonce() -> str:
    return secrets.token_hex(8)


class User(UserMixin, Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so the unique constraint is case-insensitive on every database.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    display_name: Mapped[str] = mapped_column(sa.String(200), default="")
    language: Mapped[str] = mapped_column(sa.String(2), default="en")
    email_verified_at: Mapped[datetime | None]
    # Part of the session id: changing it (password reset, log out everywhere) ends every
    # remembered session of this user.
    login_nonce: Mapped[str] = mapped_column(sa.String(16), default=new_login_nonce)
    # In every password-reset link: a newer link or a password change rotates it, so older
    # links stop working. Accounts from before it existed have "" until their first link.
    password_reset_nonce: Mapped[str] = mapped_column(
        sa.String(16), default=new_login_nonce, server_default=""
    )
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> set[Role]:
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: Role | str) -> bool:
        mine = self.roles
        return Role.ADMIN in mine or any(Role(r) in mine for r in roles)

    def add_role(self, role: Role | str) -> None:
        if Role(role) not in self.roles:
            self.role_rows.append(UserRole(role=Role(role)))

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account and self.erased_at is None

    def get_id(self) -> str:  # Flask-Login
        return f"{self.id}:{self.login_nonce}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserRole(Model):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class FeedToken(Model):
    """A personal agenda feed URL; only the SHA-256 of the token is stored."""

    __tablename__ = "feed_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class AuditLog(Model):
    """Who did what to which object, for organiser and partner actions."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(80), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(60))
    target_id: Mapped[int | None]
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    # Read-only: rows are written with actor_id, and a writable relationship would make the
    # flush order audit rows by their dependencies instead of the order they were recorded in.
    actor: Mapped[User | None] = relationship(viewonly=True)

    # The admins' filter by target and the erasure's search for a person's rows.
    __table_args__ = (sa.Index("ix_audit_log_target", "target_type", "target_id"),)


# A person's log-in history keeps this many attempts; older ones are deleted as new ones come.
LOGIN_HISTORY_KEPT = 20


class LoginAttempt(Model):
    """One log-in attempt on an existing account, for the admins' person page and for the
    person themselves: time, address, browser and whether the password was right.

    Attempts on addresses without an account are not stored (nobody to show them to)."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip_address: Mapped[str] = mapped_column(sa.String(45), default="")
    user_agent: Mapped[str] = mapped_column(sa.String(300), default="")
    succeeded: Mapped[bool]

    __table_args__ = (sa.Index("ix_login_attempt_user_id_id", "user_id", "id"),)
