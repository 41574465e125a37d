"""The call-for-sessions blueprint, shared by the speakers', reviewers' and organisers' views.

Its routes carry their full paths: the call and the speakers' pages under /cfp/, the
reviewers' under /review/, the organisers' ranked list under /programme/organiser/proposals.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from esof.accounts.auth import roles_required
from esof.accounts.models import Role
from esof.cfp import queries
from esof.cfp.forms import DECISION_LABELS, LANGUAGE_LABELS, STATE_LABELS
from esof.cfp.models import Proposal
from esof.cfp.review import can_view_proposal
from esof.errors import DomainError
from esof.programme.forms import FORMAT_LABELS
from esof.side_events.richtext import render_description

bp = Blueprint("cfp", __name__)
organiser_only = roles_required(Role.ORGANISER)
reviewer_only = roles_required(Role.REVIEWER)


@bp.app_template_global("cfp_nav_label")
def cfp_nav_label() -> Any:
    """The organisers' programme menu names this area's page in this area's words (and catalogue)."""
    return _l("Call for sessions")


@bp.context_processor
def cfp_context() -> dict[str, object]:
    # Labels translated once per page, not once per line of a 600-line list.
    return {
        "format_labels": {f.value: str(label) for f, label in FORMAT_LABELS.items()},
        "state_labels": {s.value: str(label) for s, label in STATE_LABELS.items()},
        "decision_labels": {d.value: str(label) for d, label in DECISION_LABELS.items()},
        "language_labels": {code: str(label) for code, label in LANGUAGE_LABELS.items()},
        "visitor_language": visitor_language(),
        "markdown": render_description,
        "track_name": track_name,
        "page_sizes": queries.PAGE_SIZES,
    }


def visitor_language() -> str:
    return str(get_locale() or "en")


def track_name(track: Any) -> str:
    if track is None:
        return ""
    return track.name_nl if visitor_language() == "nl" and track.name_nl else track.name


def visible_proposal_or_404(proposal_id: int) -> Proposal:
    """The proposal, if this user may see it; everyone else gets 404, as if it did not exist."""
    proposal = queries.load_proposal(proposal_id)
    if proposal is None or not can_view_proposal(current_user, proposal):
        abort(404)
    return proposal


def json_refusal(exc: DomainError) -> ResponseReturnValue:
    return jsonify(error=type(exc).__name__, reason=exc.message, status=exc.status_code), exc.status_code


def put_error_on_form(form: Any, exc: DomainError) -> None:
    """The message on the field it names (score_relevance, title ...), else on the whole form."""
    field_name = getattr(exc, "field", None)
    if field_name and field_name in form:
        form[field_name].errors = [*form[field_name].errors, exc.message]
    else:
        form.form_errors.append(exc.message)
