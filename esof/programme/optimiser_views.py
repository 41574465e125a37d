"""The organisers' "Propose a schedule" pages: start a solver run in the background, follow its
progress, read the proposal as a diff against the draft, and apply it to the draft on
confirmation. Publishing stays a separate step (the publish page)."""
from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField
from wtforms.validators import DataRequired, NumberRange

from esof.errors import DomainError
from esof.extensions import db
from esof.form_choices import choices
from esof.programme import optimiser_jobs
from esof.programme.blueprint import bp, organiser_only
from esof.programme.forms import ActionForm
from esof.programme.models import ProposalStatus, ScheduleProposal
from esof.programme.solver import setting


class ProposalForm(FlaskForm):
    mode = RadioField(_l("What to do"), default="minimal-change", choices=choices([
        ("minimal-change", _l("Repair the draft: move as few sessions as possible")),
        ("from-scratch", _l("Plan from scratch: place every session anew (pinned sessions stay)")),
    ]), validators=[DataRequired()])
    baseline = SelectField(_l("Keep close to"), default="draft", choices=choices([
        ("draft", _l("the draft")), ("published", _l("the published version")),
    ]))
    time_limit = IntegerField(_l("Seconds the solver may search"), validators=[DataRequired(), NumberRange(1, 600)])


@bp.route("/organiser/schedule/propose", methods=["GET", "POST"])
@organiser_only
def proposal_new() -> ResponseReturnValue:
    form = ProposalForm()
    if not form.is_submitted():
        form.time_limit.data = int(setting("SCHEDULE_SOLVER_TIME_LIMIT"))
    if form.validate_on_submit():
        try:
            job = optimiser_jobs.start_proposal(actor=current_user, mode=form.mode.data, baseline=form.baseline.data,
                                                time_limit=form.time_limit.data)
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            optimiser_jobs.launch_proposal(job.id)
            return redirect(url_for("programme.proposal_detail", proposal_id=job.id))
    status = 409 if form.form_errors else (422 if form.errors else 200)
    return render_template("programme/proposal_new.html", form=form, proposals=optimiser_jobs.recent_proposals(),
                           progress=optimiser_jobs.proposal_progress), status


def _render_detail(job: ScheduleProposal, *, error: str | None = None, status: int = 200) -> ResponseReturnValue:
    state = optimiser_jobs.proposal_progress(job)
    result = job.result if state["status"] == ProposalStatus.DONE else None
    diff = optimiser_jobs.proposal_diff(result) if result else []
    return render_template("programme/proposal_detail.html", job=job, state=state, result=result, error=error,
                           diff=diff, action_form=ActionForm()), status


@bp.get("/organiser/schedule/propose/<int:proposal_id>")
@organiser_only
def proposal_detail(proposal_id: int) -> ResponseReturnValue:
    return _render_detail(db.get_or_404(ScheduleProposal, proposal_id))


@bp.get("/organiser/schedule/propose/<int:proposal_id>/progress.json")
@organiser_only
def proposal_progress(proposal_id: int) -> ResponseReturnValue:
    job = db.get_or_404(ScheduleProposal, proposal_id)
    return jsonify(optimiser_jobs.proposal_progress(job)
                   | {"url": url_for("programme.proposal_detail", proposal_id=job.id)})


@bp.post("/organiser/schedule/propose/<int:proposal_id>/apply")
@organiser_only
def proposal_apply(proposal_id: int) -> ResponseReturnValue:
    job = db.get_or_404(ScheduleProposal, proposal_id)
    if not ActionForm().validate_on_submit():
        flash(_("The form expired; try again."), "error")
        return redirect(url_for("programme.proposal_detail", proposal_id=job.id))
    try:
        applied = optimiser_jobs.apply_proposal_job(job=job)
    except DomainError as exc:
        db.session.rollback()
        return _render_detail(job, error=exc.message, status=exc.status_code)
    db.session.commit()
    flash(_("The proposal is in the draft: %(moved)d moved, %(added)d placed, %(removed)d taken out. "
            "Check it, then publish.", moved=applied.moved, added=applied.added, removed=applied.removed), "success")
    return redirect(url_for("programme.schedule_grid"))
