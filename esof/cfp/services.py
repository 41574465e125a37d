"""Call-for-sessions rules, the verbs pages, the CLI and tests call: one import for them all.

Functions that change something take the acting user and check that they may; they flush,
never commit. They live by concern:

- `call`: the call (open window, formats, tracks, guidance, criteria, decision texts);
- `submission`: proposals as their speakers describe them, drafts, submitting, editing, withdrawing;
- `invitations`: co-speakers' signed links, their answers, an account made from one;
- `review`: scoring, conflicts of interest, who sees which reviews;
- `decisions`: accepting, rejecting, waitlisting, one by one or in bulk, and their mails;
- `sessions`: an accepted proposal becoming a draft programme session;
- `states`: which state may follow which, and the one conditional UPDATE that moves it;
- `errors`: what can go wrong, each with its message.
"""
from __future__ import annotations

from esof.cfp.call import (
    DECISIONS,
    OFFERABLE_FORMATS,
    PLACEHOLDERS,
    CallInput,
    Criterion,
    can_organise_call,
    criteria_of,
    criteria_text,
    current_call,
    decision_text,
    default_text,
    ensure_open,
    is_open,
    offered_formats,
    offered_tracks,
    parse_criteria,
    save_call,
)
from esof.cfp.decisions import BulkDecision, Decision, can_decide, decide_proposal, decide_proposals
from esof.cfp.errors import (
    AlreadyDecided,
    CallClosed,
    CallNotConfigured,
    ConflictDeclared,
    DecisionNotAllowed,
    InvitationAnswered,
    InvitationExpired,
    InvitationInvalid,
    InvitationNeedsLogin,
    NotReviewable,
    OwnProposal,
    ProposalChanged,
    ProposalInputRejected,
    ProposalLocked,
    ReviewingClosed,
    ReviewRefused,
)
from esof.cfp.invitations import (
    INVITATION_DAYS,
    answer_invitation,
    create_invited_account,
    invitation_token,
    read_invitation,
    resend_invitation,
)
from esof.cfp.review import (
    ReviewInput,
    can_review,
    can_view_proposal,
    declare_conflict,
    ensure_may_score,
    has_conflict,
    is_speaker_of,
    may_see_other_reviews,
    review_of,
    save_review,
    withdraw_conflict,
)
from esof.cfp.sessions import SESSIONS_ARE_BILINGUAL, session_from_proposal
from esof.cfp.states import DECIDABLE, EDITABLE, REVIEWABLE, may_move
from esof.cfp.submission import (
    MAX_CO_SPEAKERS,
    RESEND_WINDOW,
    ProposalInput,
    input_from_proposal,
    save_proposal,
    withdraw_proposal,
)

__all__ = [
    "DECIDABLE", "DECISIONS", "EDITABLE", "INVITATION_DAYS", "MAX_CO_SPEAKERS", "OFFERABLE_FORMATS",
    "PLACEHOLDERS", "RESEND_WINDOW", "REVIEWABLE", "SESSIONS_ARE_BILINGUAL",
    "AlreadyDecided", "BulkDecision", "CallClosed", "CallInput", "CallNotConfigured", "ConflictDeclared",
    "Criterion", "Decision", "DecisionNotAllowed", "InvitationAnswered", "InvitationExpired", "InvitationInvalid",
    "InvitationNeedsLogin", "NotReviewable", "OwnProposal", "ProposalChanged", "ProposalInput",
    "ProposalInputRejected", "ProposalLocked", "ReviewInput", "ReviewRefused", "ReviewingClosed",
    "answer_invitation", "can_decide", "can_organise_call", "can_review", "can_view_proposal",
    "create_invited_account", "criteria_of", "criteria_text", "current_call", "decide_proposal", "decide_proposals",
    "decision_text", "declare_conflict", "default_text", "ensure_may_score", "ensure_open", "has_conflict",
    "input_from_proposal", "invitation_token", "is_open", "is_speaker_of", "may_move", "may_see_other_reviews",
    "offered_formats", "offered_tracks",
    "parse_criteria", "read_invitation", "resend_invitation", "review_of", "save_call", "save_proposal",
    "save_review", "session_from_proposal", "withdraw_conflict", "withdraw_proposal",
]
