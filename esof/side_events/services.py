"""Side-event rules, the verbs pages, the API, the CLI and tests call: one import for them all.

Every function that changes an event takes the acting user and checks that they may do it,
so pages, the API and the CLI give the same answers. Functions flush, never commit. They
live by concern:

- `partners`: partner organisations, their editors, invitations and who may do what;
- `submission`: an event as the partner describes it, its rules, submitting, editing, drafts;
- `moderation`: approving (one or a selection) and rejecting a waiting change, and what it changes;
- `revisions`: which revision is public, waiting or shown, and its occurrences;
- `cancellation`: cancelling a public event or one of its dates, withdrawing a submission;
- `errors`: what can go wrong, each with its message.
"""
from __future__ import annotations

from esof.side_events.cancellation import (
    cancel_side_event,
    cancel_side_event_occurrence,
    cancelled_days,
    withdraw_side_event,
)
from esof.side_events.errors import (
    EDITED_MEANWHILE,
    AlreadyCancelled,
    AlreadyPublic,
    EventCancelled,
    EventInputRejected,
    InvitationInvalid,
    InvitationNeedsLogin,
    NeverPublic,
    NotADraft,
    NotAnOccurrence,
    NothingToModerate,
    OrganisationExists,
    RevisionChanged,
    revision_unchanged,
)
from esof.side_events.moderation import (
    BulkApproval,
    FieldChange,
    RevisionDates,
    SeenRevision,
    approve_side_event,
    approve_side_events,
    dates_text,
    describe_revision,
    reject_side_event,
    revision_changes,
    revision_dates,
    waiting_revision,
)
from esof.side_events.partners import (
    INVITATION_DAYS,
    accept_invitation,
    can_edit_side_event,
    can_moderate_side_events,
    check_web_address,
    create_partner_organisation,
    ensure_can_edit,
    ensure_can_submit_for,
    find_invitation,
    invite_editor,
    organisation_ids_of,
    organisations_of,
    submittable_organisations,
)
from esof.side_events.revisions import (
    MAX_OCCURRENCES,
    approved_revision,
    expand_revision,
    find_side_event,
    pending_revision,
    rebuild_occurrences,
    revision_to_edit,
    revision_to_show,
    rfc5545_recurrence,
)
from esof.side_events.submission import (
    EventInput,
    delete_side_event_draft,
    edit_side_event,
    input_from_revision,
    send_side_event_draft,
    submit_side_event,
    validate_event_input,
)

__all__ = [
    "EDITED_MEANWHILE",
    "INVITATION_DAYS",
    "MAX_OCCURRENCES",
    "AlreadyCancelled",
    "AlreadyPublic",
    "BulkApproval",
    "EventCancelled",
    "EventInput",
    "EventInputRejected",
    "FieldChange",
    "InvitationInvalid",
    "InvitationNeedsLogin",
    "NeverPublic",
    "NotADraft",
    "NotAnOccurrence",
    "NothingToModerate",
    "OrganisationExists",
    "RevisionChanged",
    "RevisionDates",
    "SeenRevision",
    "accept_invitation",
    "approve_side_event",
    "approve_side_events",
    "approved_revision",
    "can_edit_side_event",
    "can_moderate_side_events",
    "cancel_side_event",
    "cancel_side_event_occurrence",
    "cancelled_days",
    "check_web_address",
    "create_partner_organisation",
    "dates_text",
    "delete_side_event_draft",
    "describe_revision",
    "edit_side_event",
    "ensure_can_edit",
    "ensure_can_submit_for",
    "expand_revision",
    "find_invitation",
    "find_side_event",
    "input_from_revision",
    "invite_editor",
    "organisation_ids_of",
    "organisations_of",
    "pending_revision",
    "rebuild_occurrences",
    "reject_side_event",
    "revision_changes",
    "revision_dates",
    "revision_to_edit",
    "revision_to_show",
    "revision_unchanged",
    "rfc5545_recurrence",
    "send_side_event_draft",
    "submit_side_event",
    "submittable_organisations",
    "validate_event_input",
    "waiting_revision",
    "withdraw_side_event",
]
