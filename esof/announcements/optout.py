"""The opt-out from announcements: a signed link in every announcement, and the account page.

Only announcements read it (the segment leaves opted-out accounts out); service mail (bookings,
registration, a cancelled session) never asks, so it still arrives.
"""
from __future__ import annotations

import sqlalchemy as sa

from esof.accounts.models import User
from esof.announcements.models import AnnouncementOptOut
from esof.db import rows_matched
from esof.extensions import db
from esof.tokens import make_token, read_token
from esof.urls import external_url

TOKEN_PURPOSE = "announcement-opt-out"
# A mail is kept for a long time; an unsubscribe link should still work a year later.
TOKEN_MAX_AGE = 400 * 24 * 3600


def unsubscribe_url(user_id: int) -> str:
    return external_url("announcements.unsubscribe", token=make_token(TOKEN_PURPOSE, user_id))


def user_from_token(token: str) -> User | None:
    """The account the link was made for; raises esof.tokens.InvalidToken for a bad link."""
    user_id = read_token(TOKEN_PURPOSE, token, max_age=TOKEN_MAX_AGE)
    user = db.session.get(User, int(user_id)) if isinstance(user_id, int) else None
    return user if user is not None and user.erased_at is None else None


def has_opted_out(user: User) -> bool:
    return db.session.get(AnnouncementOptOut, user.id) is not None


def opt_out(*, user: User, source: str = "link") -> bool:
    """Record the opt-out; True if it is new (a second click changes nothing)."""
    if has_opted_out(user):
        return False
    try:
        with db.session.begin_nested():  # two clicks at once: the second finds the first's row
            db.session.add(AnnouncementOptOut(user_id=user.id, source=source))
    except sa.exc.IntegrityError:
        return False
    return True


def opt_in(*, user: User) -> bool:
    """Receive announcements again; True if there was an opt-out to remove."""
    result = db.session.execute(sa.delete(AnnouncementOptOut).where(AnnouncementOptOut.user_id == user.id))
    return rows_matched(result) > 0
