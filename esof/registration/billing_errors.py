"""What billing refuses: invoices, billing details, refunds and bank statements."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from esof.errors import Conflict, NotFound, ValidationFailed


class BillingInvalid(ValidationFailed):
    """Billing details that do not fit: `field` names the form field it concerns."""

    status_code = 422

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class NoInvoice(NotFound):
    default_message = _l("There is no invoice for this registration: nothing is to be paid yet.")


class InvoiceNotIssuedYet(NotFound):
    """Due an invoice that was never issued: a registration written by a version that issued
    invoices on request, until `flask registration issue-invoices` has run (docs/DEPLOYMENT.md)."""

    default_message = _l("Your invoice is not ready yet. Please try again later, or write to the "
                         "registration desk if it is still missing tomorrow.")


class NoReceipt(NotFound):
    default_message = _l("There is no receipt yet: the payment has not been received.")


class RefundNotDue(Conflict):
    default_message = _l("This refund is no longer due: someone has marked it done in the meantime.")


class StatementUnreadable(ValidationFailed):
    status_code = 422
    default_message = _l(
        "This file could not be read as a bank statement. Upload a CSV file with a column for the "
        "payment reference (or description) and one for the amount."
    )


class StatementTooLarge(ValidationFailed):
    status_code = 413

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(str(_l("The file is too large: at most %(size)d kB.", size=limit_bytes // 1024)))
