"""What the site header needs to know about the person: whether they are a delegate (hold a
registration that is not cancelled), for "My agenda" and "My ticket". Staff links come from
the roles already loaded with the user, so they cost nothing."""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask_login import current_user

from esof.extensions import db
from esof.registration.models import Registration, RegistrationStatus

_HAS_REGISTRATION = sa.select(
    sa.exists().where(
        Registration.user_id == sa.bindparam("user_id"),
        Registration.status != RegistrationStatus.CANCELLED,
    )
)


def is_delegate() -> bool:
    """One indexed EXISTS (the registration index on user_id answers it), asked only when a
    page's header is drawn for a logged-in person; base.html asks once per page."""
    if not current_user.is_authenticated:
        return False
    return bool(db.session.scalar(_HAS_REGISTRATION, {"user_id": current_user.id}))


def navigation_helpers() -> dict[str, Callable[[], bool]]:
    return {"is_delegate": is_delegate}
