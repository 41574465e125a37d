"""The organisers' pages: editing the call, the ranked proposals, deciding one or many."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from esof.accounts.models import AuditLog
from esof.cfp import queries, services
from esof.cfp.blueprint import bp, json_refusal, organiser_only, put_error_on_form, track_name
from esof.cfp.call import DECISIONS, DEFAULT_FORMATS, LANGUAGES
from esof.cfp.forms import STATE_LABELS, BulkDecisionForm, CallForm, DecisionForm, local_wall_clock
from esof.cfp.models import CallForSessions, Proposal, ProposalState
from esof.db import utcnow
from esof.errors import DomainError, wants_json
from esof.extensions import db
from esof.form_choices import choices
from esof.programme.models import Track


def _fill_call_form(form: CallForm, call: CallForSessions | None) -> None:
    now = utcnow().replace(second=0, microsecond=0)
    form.opens_at.data = local_wall_clock(call.opens_at if call else now)
    form.closes_at.data = local_wall_clock(call.closes_at if call else now + timedelta(days=42))
    form.formats.data = list(call.formats) if call else [f.value for f in DEFAULT_FORMATS]
    form.tracks.data = call.track_ids if call else []
    form.guidance_en.data = call.guidance_en if call else ""
    form.guidance_nl.data = call.guidance_nl if call else ""
    form.criteria.data = services.criteria_text(services.criteria_of(call))
    form.reviewing_open.data = call.reviewing_open if call else True
    for decision in DECISIONS:
        for language in LANGUAGES:
            text = services.decision_text(call, decision, language)
            subject, body = form.text_fields(decision, language)
            subject.data, body.data = text["subject"], text["body"]


@bp.route("/cfp/organiser/call", methods=["GET", "POST"])
@organiser_only
def call_edit() -> ResponseReturnValue:
    call = services.current_call()
    form = CallForm()
    form.tracks.choices = choices((t.id, t.name) for t in db.session.scalars(sa.select(Track).order_by(Track.name)))
    if request.method == "GET":
        _fill_call_form(form, call)
    elif form.validate_on_submit():
        try:
            services.save_call(data=form.to_input(), actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("The call for sessions is saved."), "success")
            return redirect(url_for("cfp.call_edit"))
    failed = bool(form.errors or form.form_errors)
    return render_template(
        "cfp/call_edit.html", form=form, call=call, decisions=DECISIONS, languages=LANGUAGES,
        placeholders=services.PLACEHOLDERS,
    ), 422 if failed else 200


@bp.get("/programme/organiser/proposals")
@organiser_only
def organiser_proposal_index() -> ResponseReturnValue:
    proposal_filter = queries.ProposalFilter.from_args(request.args)
    call = services.current_call()
    tracks = db.session.scalars(sa.select(Track).order_by(Track.name)).all()
    return render_template(
        "cfp/organiser_proposal_index.html", page=queries.ranked_proposals(proposal_filter),
        proposal_filter=proposal_filter, counts=queries.state_counts(), tracks=tracks,
        formats=services.OFFERABLE_FORMATS, states=list(ProposalState), call=call,
        track_names={t.id: track_name(t) for t in tracks},
        bulk_form=BulkDecisionForm(formdata=None), decidable=services.DECIDABLE,
    )


@bp.post("/programme/organiser/proposals/decisions")
@organiser_only
def decision_bulk() -> ResponseReturnValue:
    form = BulkDecisionForm()
    query = request.query_string.decode()  # the list's filters, as the form's action kept them
    back = redirect(url_for("cfp.organiser_proposal_index") + (f"?{query}" if query else ""))
    if not form.validate_on_submit():
        if wants_json():
            return jsonify(error="ValidationFailed", reason=form.errors, status=422), 422
        flash(_("Tick at least one proposal and choose a decision."), "error")
        return back
    outcome = services.decide_proposals(
        choices=form.chosen(), decision=ProposalState(form.decision.data), actor=current_user
    )
    db.session.commit()
    if wants_json():
        return jsonify(
            decided=[d.proposal.id for d in outcome.decided],
            mails=sum(d.mails for d in outcome.decided),
            refused=[{"id": i, "title": title, "reason": reason} for i, title, reason in outcome.refused],
        ), 200 if not outcome.refused else 409
    if outcome.decided:
        flash(ngettext("%(num)d proposal decided; its speakers are mailed.",
                       "%(num)d proposals decided; their speakers are mailed.", len(outcome.decided)), "success")
    for proposal_id, title, reason in outcome.refused:
        flash(_("Nothing done to “%(title)s” (#%(id)d): %(reason)s", title=title or "?", id=proposal_id,
                reason=reason), "error")
    return back


def _render_detail(proposal_id: int, form: DecisionForm | None = None, status: int = 200) -> ResponseReturnValue:
    proposal = queries.load_proposal(proposal_id)
    if proposal is None:
        abort(404)
    call = services.current_call()
    reviews = queries.reviews_of(proposal)
    criteria = services.criteria_of(call)
    history = db.session.scalars(
        sa.select(AuditLog).where(AuditLog.target_type == "Proposal", AuditLog.target_id == proposal.id)
        .order_by(AuditLog.created_at, AuditLog.id)
    ).all()
    return render_template(
        "cfp/organiser_proposal_detail.html", proposal=proposal, reviews=reviews, criteria=criteria,
        scores=queries.Scores.of([r.score for r in reviews]),
        criterion_scores=queries.criterion_scores(reviews, criteria),
        form=form or DecisionForm(formdata=None, seen_version=proposal.version),
        decidable=proposal.state in services.DECIDABLE, history=history,
    ), status


@bp.get("/programme/organiser/proposals/<int:proposal_id>")
@organiser_only
def organiser_proposal_detail(proposal_id: int) -> ResponseReturnValue:
    return _render_detail(proposal_id)


@bp.post("/programme/organiser/proposals/<int:proposal_id>/decision")
@organiser_only
def decision_create(proposal_id: int) -> ResponseReturnValue:
    proposal = queries.load_proposal(proposal_id)
    if proposal is None:
        abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        if wants_json():
            return jsonify(error="ValidationFailed", reason=form.errors, status=422), 422
        return _render_detail(proposal_id, form, 422)
    try:
        decided = services.decide_proposal(
            proposal=proposal, decision=ProposalState(form.decision.data), actor=current_user,
            seen_version=form.seen_version.data,
        )
    except DomainError as exc:
        db.session.rollback()
        if wants_json():
            return json_refusal(exc)
        # The page shows the proposal as it is now; the form keeps the decision, not the stale version.
        current = db.session.get(Proposal, proposal_id)
        fresh = DecisionForm(formdata=None, decision=form.decision.data,
                             seen_version=current.version if current else None)
        fresh.form_errors.append(exc.message)
        return _render_detail(proposal_id, fresh, exc.status_code)
    db.session.commit()
    if wants_json():
        return jsonify(id=proposal_id, state=decided.decision.value, mails=decided.mails,
                       session=decided.session.id if decided.session else None)
    flash(ngettext("Decided: %(state)s. %(num)d speaker is mailed.", "Decided: %(state)s. %(num)d speakers are mailed.",
                   decided.mails, state=STATE_LABELS[decided.decision]), "success")
    return redirect(url_for("cfp.organiser_proposal_detail", proposal_id=proposal_id))
