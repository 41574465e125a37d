"""Readable names of the audit log's actions (the codes the areas write with record_audit).

The code stays what is stored, filtered on and exported; the page shows the name. A code not
listed here (an area's new action) is shown as the code itself, exactly as filtered and exported.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

LABELS = {
    # People and roles
    "grant-role": _l("Role granted"),
    "revoke-role": _l("Role revoked"),
    "log-out-everywhere": _l("Logged out everywhere"),
    "password-reset": _l("Password reset"),
    "erase-account": _l("Account erased"),
    # Registrations and payments
    "registration-approve": _l("Registration approved"),
    "registration-reject": _l("Registration rejected"),
    "registration-edit": _l("Registration edited"),
    "registration-cancel": _l("Registration cancelled"),
    "registration-payment": _l("Payment status changed"),
    "ticket-reissue": _l("Ticket reissued"),
    "category-create": _l("Registration category created"),
    "category-edit": _l("Registration category edited"),
    "onsite-cap": _l("On-site cap changed"),
    "voucher-create": _l("Vouchers created"),
    "voucher-edit": _l("Voucher edited"),
    "cancellation-rules": _l("Cancellation rules changed"),
    "refund-done": _l("Refund paid"),
    "invoice-reissued": _l("Invoice reissued"),
    "billing-edit": _l("Billing details edited"),
    "registration-resend": _l("Confirmation sent again"),
    "question-create": _l("Registration question created"),
    "question-edit": _l("Registration question edited"),
    "question-move": _l("Registration question moved"),
    "question-delete": _l("Registration question deleted"),
    "answers-edit": _l("Answers to the registration questions edited"),
    # Programme
    "schedule.publish": _l("Programme published"),
    "speaker.profile": _l("Speaker profile edited"),
    "speaker.participation": _l("Speaker participation changed"),
    # Side events
    "submit-side-event": _l("Side event submitted"),
    "edit-side-event": _l("Side event edited"),
    "approve-side-event": _l("Side event approved"),
    "reject-side-event": _l("Side event rejected"),
    "cancel-side-event": _l("Side event cancelled"),
    "cancel-side-event-occurrence": _l("Side event day cancelled"),
    "withdraw-side-event": _l("Side event withdrawn"),
    "save-side-event-draft": _l("Side event draft saved"),
    "edit-side-event-draft": _l("Side event draft edited"),
    "delete-side-event-draft": _l("Side event draft deleted"),
    "create-partner-organisation": _l("Partner organisation created"),
    "invite-partner-editor": _l("Partner editor invited"),
    "accept-partner-invitation": _l("Partner invitation accepted"),
    # Call for sessions
    "save-call-for-sessions": _l("Call for sessions saved"),
    "submit-proposal": _l("Proposal submitted"),
    "save-proposal": _l("Proposal saved"),
    "withdraw-proposal": _l("Proposal withdrawn"),
    "proposal-accepted": _l("Proposal accepted"),
    "proposal-rejected": _l("Proposal rejected"),
    "proposal-waitlisted": _l("Proposal put on the waiting list"),
    "declare-review-conflict": _l("Review conflict declared"),
    "withdraw-review-conflict": _l("Review conflict withdrawn"),
    "resend-co-speaker-invitation": _l("Co-speaker invitation sent again"),
    "sign-up-from-co-speaker-invitation": _l("Signed up from a co-speaker invitation"),
    "accept-co-speaker-invitation": _l("Co-speaker invitation accepted"),
    "decline-co-speaker-invitation": _l("Co-speaker invitation declined"),
    # Mail to delegates
    "announcement-sent": _l("Announcement sent"),
}


def action_label(code: str) -> str:
    label = LABELS.get(code)
    return str(label) if label is not None else code
