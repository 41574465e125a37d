"""The reviewers' pages: the queue, scoring one proposal, declaring a conflict of interest."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from esof.cfp import queries, services
from esof.cfp.blueprint import bp, json_refusal, put_error_on_form, reviewer_only, visitor_language
from esof.cfp.forms import ActionForm, ReviewFormBase, review_form_class
from esof.cfp.models import Proposal, Review
from esof.errors import DomainError, wants_json
from esof.extensions import db


@bp.get("/review/")
@reviewer_only
def review_index() -> ResponseReturnValue:
    proposal_filter = queries.ProposalFilter.from_args(request.args)
    call = services.current_call()
    return render_template(
        "cfp/review_index.html", page=queries.review_queue(current_user, proposal_filter),
        proposal_filter=proposal_filter, call=call, tracks=services.offered_tracks(call),
        formats=services.offered_formats(call), track_names=queries.track_names(visitor_language()),
    )


def _load(proposal_id: int) -> Proposal:
    proposal = queries.load_proposal(proposal_id)
    if proposal is None or not services.can_view_proposal(current_user, proposal):
        abort(404)
    return proposal


def _refusal(proposal: Proposal) -> DomainError | None:
    """Why this reviewer may not score this proposal, if they may not."""
    try:
        services.ensure_may_score(current_user, proposal)
    except DomainError as exc:
        return exc
    return None


def _render(proposal: Proposal, form: ReviewFormBase, status: int | None = None) -> ResponseReturnValue:
    call = services.current_call()
    mine = services.review_of(current_user, proposal)
    others = [r for r in queries.reviews_of(proposal) if r.reviewer_id != current_user.id] \
        if services.may_see_other_reviews(current_user, proposal) else None
    refusal = _refusal(proposal)
    failed = bool(form.errors or form.form_errors)
    return render_template(
        "cfp/review_edit.html", proposal=proposal, form=form, mine=mine, others=others, refusal=refusal,
        conflict=services.has_conflict(current_user, proposal), criteria=services.criteria_of(call),
        all_scores=queries.Scores.of([r.score for r in others or []] + ([mine.score] if mine else [])),
        action_form=ActionForm(),
    ), status or (refusal.status_code if refusal else 422 if failed else 200)


def _form_for(review: Review | None) -> ReviewFormBase:
    form_class = review_form_class(services.criteria_of(services.current_call()), visitor_language())
    if request.method == "GET" and review is not None:
        form = form_class(formdata=None, score=review.score, comment=review.comment,
                          **{f"score_{key}": value for key, value in review.scores_by_criterion.items()})
    else:
        form = form_class()
    return form


@bp.route("/review/proposals/<int:proposal_id>", methods=["GET", "POST"])
@reviewer_only
def review_edit(proposal_id: int) -> ResponseReturnValue:
    proposal = _load(proposal_id)
    form = _form_for(services.review_of(current_user, proposal))
    if request.method == "POST":
        if not form.validate_on_submit():
            if wants_json():
                return jsonify(error="ValidationFailed", reason=form.errors, status=422), 422
            return _render(proposal, form, 422)
        try:
            review = services.save_review(proposal=proposal, reviewer=current_user, data=form.to_input())
        except DomainError as exc:
            db.session.rollback()
            if wants_json():
                return json_refusal(exc)
            put_error_on_form(form, exc)
            return _render(proposal, form, exc.status_code)
        db.session.commit()
        if wants_json():
            return jsonify(id=review.id, proposal=proposal.id, score=review.score,
                           criteria=review.scores_by_criterion, comment=review.comment)
        flash(_("Your review is saved. The other reviews are shown below."), "success")
        return redirect(url_for("cfp.review_edit", proposal_id=proposal.id))
    return _render(proposal, form)


@bp.post("/review/proposals/<int:proposal_id>/conflict")
@reviewer_only
def conflict_declare(proposal_id: int) -> ResponseReturnValue:
    proposal = _load(proposal_id)
    if ActionForm().validate_on_submit():
        services.declare_conflict(proposal=proposal, reviewer=current_user)
        db.session.commit()
        flash(_("Noted: you have a conflict of interest with “%(title)s”. It left your queue and your score"
                " (if any) was removed.", title=proposal.title), "success")
        return redirect(url_for("cfp.review_index"))
    return redirect(url_for("cfp.review_edit", proposal_id=proposal_id))


@bp.post("/review/proposals/<int:proposal_id>/conflict/withdraw")
@reviewer_only
def conflict_withdraw(proposal_id: int) -> ResponseReturnValue:
    proposal = _load(proposal_id)
    if ActionForm().validate_on_submit():
        services.withdraw_conflict(proposal=proposal, reviewer=current_user)
        db.session.commit()
        flash(_("Your declaration of a conflict of interest is withdrawn."), "success")
    return redirect(url_for("cfp.review_edit", proposal_id=proposal_id))
