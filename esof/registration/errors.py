"""What registration refuses, each with a user-safe message and the status code of its family
(:mod:`esof.errors`). The delegate views put some of them on the form field they concern."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from esof.errors import Conflict, DomainError, PermissionDenied, RegistrationClosed, ValidationFailed
from esof.registration.models import Registration


class EmailNotVerified(PermissionDenied):
    default_message = _l("Please confirm your email address before you register.")


class UnknownCategory(ValidationFailed):
    default_message = _l("There is no registration category with this code.")


class CategoryNotOpen(RegistrationClosed):
    default_message = _l("Registration in this category has not opened yet.")


class CategoryClosed(RegistrationClosed):
    default_message = _l("Registration in this category is closed.")


class WrongAccessCode(ValidationFailed):
    default_message = _l("The access code is not correct.")


class ConsentMissing(ValidationFailed):
    default_message = _l("Please agree to the privacy statement to register.")


class UnknownCountry(ValidationFailed):
    default_message = _l("Choose a country from the list.")


class FieldTooLong(ValidationFailed):
    default_message = _l("One of the fields is too long.")


class AlreadyRegistered(Conflict):
    default_message = _l("You are already registered.")

    def __init__(self, registration: Registration | None = None) -> None:
        super().__init__()
        self.registration = registration


class StatusChanged(Conflict):
    default_message = _l("This registration has changed in the meantime. Please look again.")


class CategoryCodeTaken(Conflict):
    default_message = _l("Another category already uses this code.")


class TicketInvalid(DomainError):
    default_message = _l("This ticket is not valid.")


class TicketForged(TicketInvalid):
    default_message = _l("This ticket is not genuine.")


class TicketExpired(TicketInvalid):
    default_message = _l("This ticket has expired.")


class TicketRevoked(TicketInvalid):
    default_message = _l("This ticket has been replaced or cancelled.")


class VoucherRefused(ValidationFailed):
    """A voucher that cannot be used; the delegate form shows it on the `voucher` field."""

    status_code = 422


class VoucherUnknown(VoucherRefused):
    default_message = _l("There is no voucher with this code. Please check how it is written.")


class VoucherUsedUp(VoucherRefused):
    default_message = _l("This voucher has been used up.")


class VoucherExpired(VoucherRefused):
    default_message = _l("This voucher has expired.")


class VoucherNotYetValid(VoucherRefused):
    default_message = _l("This voucher is not valid yet.")


class VoucherWrongCategory(VoucherRefused):
    default_message = _l("This voucher is not valid for the chosen category.")


class VoucherCodeTaken(Conflict):
    default_message = _l("Another voucher already uses this code.")


class VoucherInvalid(ValidationFailed):
    """An organiser's voucher that does not add up (kind and value, window, uses)."""

    status_code = 422


class AnswersInvalid(ValidationFailed):
    """Answers that do not fit their questions: `problems` maps question ids to messages."""

    status_code = 422
    default_message = _l("Please check your answers to the questions.")

    def __init__(self, problems: dict[int, str]) -> None:
        super().__init__()
        self.problems = problems


class AnswersClosed(RegistrationClosed):
    default_message = _l("Registration has closed: the answers can no longer be changed.")
