"""What the site header needs to know about the person: whether they are a delegate (hold a
registration that is not cancelled), for "My agenda" and "My ticket". Staff links come from
the roles already loaded with the user, so they cost nothing."""
from __future__ import annotations

from collections.abc import Callable

from flask_login import current_user

from esof.registration.delegates import has_active_registration


def is_delegate() -> bool:
    """Asked only when a page's header is drawn for a logged-in person; base.html asks once."""
    return bool(current_user.is_authenticated) and has_active_registration(current_user.id)


def navigation_helpers() -> dict[str, Callable[[], bool]]:
    return {"is_delegate": is_delegate}
