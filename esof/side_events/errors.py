"""What can go wrong with a side event, each with its status code and a user-safe message."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from esof.errors import Conflict, DomainError, ValidationFailed


class EventInputRejected(ValidationFailed):
    """The event's content breaks a rule; `field` names the form field to mark."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(str(message))
        self.field = field


class InvitationInvalid(DomainError):
    status_code = 400
    default_message = _l("This invitation link is not valid, has expired or was already used.")


class InvitationNeedsLogin(DomainError):
    status_code = 401
    default_message = _l("An account with this email address exists. Log in to accept the invitation.")


class OrganisationExists(Conflict):
    default_message = _l("A partner organisation with this name already exists.")


class NothingToModerate(Conflict):
    default_message = _l("This event has no change waiting for moderation.")


class RevisionChanged(Conflict):
    """The waiting change is not the one the user read: someone edited or moderated it meanwhile."""

    default_message = _l("This event changed while you were reviewing it. Review it again as it is now, then decide.")


class AlreadyCancelled(Conflict):
    default_message = _l("This event (or this date) is cancelled already.")


class EventCancelled(Conflict):
    """A cancelled event takes no more changes: it stays as it was, marked cancelled."""

    default_message = _l("This event is cancelled, so it cannot be changed any more.")


class NeverPublic(Conflict):
    """Cancelling is for public events; a submission that was never approved is withdrawn."""

    default_message = _l("This event was never public, so there is nothing to cancel. Withdraw it instead.")


class AlreadyPublic(Conflict):
    """Withdrawing is for submissions that were never approved; a public event is cancelled."""

    default_message = _l("This event is public: cancel it instead, so that visitors see that it will not happen.")


class NotADraft(Conflict):
    """Only an event never sent for moderation is a draft: it can be kept, sent or deleted."""

    default_message = _l("This event is not a draft any more: it was sent to the organisers.")


class DraftSentMeanwhile(NotADraft):
    """Deleting a draft that another editor sent after this request read it: it stays."""

    default_message = _l(
        "The draft was not deleted: someone else submitted it for approval meanwhile,"
        " so it now waits for the organisers."
    )


class NotAnOccurrence(ValidationFailed):
    default_message = _l("The event has no date on that day.")


EDITED_MEANWHILE = _l(
    "A moderator decided on this event, or another editor saved it, while you were editing."
    " Nothing was saved: save again to send your changes for moderation."
)


@contextmanager
def revision_unchanged(message: Any = None) -> Iterator[None]:
    """Turn StaleDataError into RevisionChanged (also usable as a decorator).

    A revision's UPDATE names the version this request read; if another request changed the
    row first, the UPDATE finds no row and the whole change must roll back.
    """
    try:
        yield
    except StaleDataError as exc:
        raise RevisionChanged(message) from exc
