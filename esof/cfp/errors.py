"""What can go wrong in the call for sessions, each with its status code and a user-safe message."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from esof.errors import Conflict, DomainError, PermissionDenied, ValidationFailed


class ProposalInputRejected(ValidationFailed):
    """The proposal's content breaks a rule; `field` names the form field to mark."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(str(message))
        self.field = field


class CallNotConfigured(Conflict):
    default_message = _l("The call for sessions has not been announced yet.")


class CallClosed(Conflict):
    """Outside the call's open window: nothing may be submitted or changed."""

    default_message = _l("The call for sessions is closed: proposals can no longer be submitted or changed.")


class ProposalLocked(Conflict):
    default_message = _l("This proposal can no longer be changed.")


class ProposalChanged(Conflict):
    """The proposal is not the one the user read: someone changed or decided it meanwhile."""

    default_message = _l(
        "This proposal changed while you were looking at it. Nothing was saved: look at it again as it is now."
    )


class AlreadyDecided(Conflict):
    """Another organiser made this very decision first; nothing was saved or mailed again."""

    default_message = _l(
        "Another organiser has just made this decision. Nothing was changed and no mail was sent again."
    )


class DecisionNotAllowed(Conflict):
    default_message = _l("This decision is not possible for a proposal in this state.")


class InvitationInvalid(DomainError):
    status_code = 400
    default_message = _l("This invitation link is not valid. Ask the person who invited you to send it again.")


class InvitationExpired(InvitationInvalid):
    default_message = _l("This invitation link has expired. Ask the person who invited you to send it again.")


class InvitationsLimited(Conflict):
    status_code = 429
    default_message = _l(
        "Too many invitations went to this address lately. Please try again later, or ask the co-speaker "
        "to check their spam folder for the first one."
    )


class AddressNotConfirmed(PermissionDenied):
    default_message = _l(
        "Please confirm your email address first (we sent you a link): an invitation is answered by the "
        "owner of the address it was sent to."
    )


class InvitationAnswered(Conflict):
    default_message = _l("This invitation has already been answered. Nothing was changed.")


class InvitationNeedsLogin(DomainError):
    status_code = 401
    default_message = _l("An account with this email address exists. Log in to answer the invitation.")


class ReviewRefused(PermissionDenied):
    default_message = _l("You cannot review this proposal.")


class OwnProposal(ReviewRefused):
    default_message = _l("You are a speaker of this proposal, so you cannot review it.")


class ConflictDeclared(ReviewRefused):
    default_message = _l("You declared a conflict of interest for this proposal, so you cannot score it.")


class ReviewingClosed(Conflict):
    default_message = _l("The organisers have closed reviewing. Scores can no longer be changed.")


class NotReviewable(Conflict):
    default_message = _l("This proposal is not open for review.")
