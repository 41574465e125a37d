"""The call (public) and the speakers' pages: submitting, their own proposals, co-speakers' answers."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from esof import access
from esof.accounts.auth import start_session
from esof.accounts.services import find_user_by_email
from esof.cfp import queries, services
from esof.cfp.blueprint import bp, put_error_on_form, visible_proposal_or_404, visitor_language
from esof.cfp.forms import ActionForm, AnswerForm, InvitedSignUpForm, ProposalForm, VersionForm
from esof.cfp.models import CallForSessions, Proposal, ProposalSpeaker, ProposalState
from esof.db import utcnow
from esof.errors import DomainError
from esof.extensions import db, limiter

# What visible_proposal_or_404 (esof.cfp.review.can_view_proposal) lets through.
PROPOSAL_VISIBLE = ("its speakers (invited ones too) and organisers; reviewers once it is submitted "
                    "(visible_proposal_or_404); anyone else 404")
INVITATION_CHECK = ("a signed token (esof.tokens, INVITATION_DAYS) naming the co-speaker row and its nonce "
                    "(a newer link voids it), else 400; answering wants a verified log-in with the invited address")


@bp.get("/cfp/")
@access.public
def call_detail() -> ResponseReturnValue:
    call = services.current_call()
    now = utcnow()
    return render_template(
        "cfp/call_detail.html", call=call, now=now, is_open=services.is_open(call, now),
        formats=services.offered_formats(call), tracks=services.offered_tracks(call),
    )


def _proposal_form(call: CallForSessions | None) -> ProposalForm:
    form = ProposalForm()
    form.set_choices(services.offered_formats(call), services.offered_tracks(call), visitor_language())
    return form


def _render_form(form: ProposalForm, proposal: Proposal | None, status: int | None = None) -> ResponseReturnValue:
    failed = bool(form.errors or form.form_errors)
    return render_template(
        "cfp/proposal_form.html", form=form, proposal=proposal, call=services.current_call(),
    ), status or (422 if failed else 200)


def _save(form: ProposalForm, proposal: Proposal | None) -> ResponseReturnValue:
    """Save the form through the one service; on a refusal the form comes back with the message."""
    was_draft = proposal is None or proposal.state is ProposalState.DRAFT
    try:
        saved = services.save_proposal(
            proposal=proposal, data=form.to_input(), author=current_user, submit=form.submitting
        )
    except services.ProposalChanged as exc:
        db.session.rollback()
        form.form_errors.append(exc.message)
        return _render_form(form, proposal, 409)
    except services.CallClosed as exc:
        db.session.rollback()
        form.form_errors.append(exc.message)
        return _render_form(form, proposal, 409)
    except DomainError as exc:
        db.session.rollback()
        put_error_on_form(form, exc)
        return _render_form(form, proposal)
    db.session.commit()
    if saved.state is ProposalState.DRAFT:
        flash(_("Your draft is saved. Submit it before the deadline."), "success")
    elif was_draft:
        flash(_("Thank you: your proposal is submitted. You can change it until the deadline."), "success")
    else:
        flash(_("Your changes are saved."), "success")
    return redirect(url_for("cfp.proposal_detail", proposal_id=saved.id))


@bp.route("/cfp/submit", methods=["GET", "POST"])
@login_required
@access.login
def proposal_submit() -> ResponseReturnValue:
    call = services.current_call()
    form = _proposal_form(call)
    if form.validate_on_submit():
        return _save(form, None)
    if request.method == "GET" and not services.is_open(call):
        try:
            services.ensure_open()
        except DomainError as exc:
            form.form_errors.append(exc.message)
    return _render_form(form, None)


@bp.route("/cfp/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
@access.owner("proposal", check=PROPOSAL_VISIBLE + "; only its submitter edits, the others are sent to its page")
def proposal_edit(proposal_id: int) -> ResponseReturnValue:
    proposal = visible_proposal_or_404(proposal_id)
    if proposal.submitter_id != current_user.id:
        return redirect(url_for("cfp.proposal_detail", proposal_id=proposal.id))
    form = _proposal_form(services.current_call())
    if request.method == "GET":
        form.fill_from(services.input_from_proposal(proposal))
    elif form.validate_on_submit():
        return _save(form, proposal)
    return _render_form(form, proposal)


@bp.get("/cfp/mine")
@login_required
@access.login
def proposals_mine() -> ResponseReturnValue:
    invitations = queries.invitations_for(current_user)
    return render_template(
        "cfp/proposals_mine.html", proposals=queries.proposals_of(current_user), invitations=invitations,
        tokens={s.id: services.invitation_token(s) for s in invitations},
        call=services.current_call(), is_open=services.is_open(services.current_call()),
    )


@bp.get("/cfp/proposals/<int:proposal_id>")
@login_required
@access.owner("proposal", check=PROPOSAL_VISIBLE, also=("organiser", "reviewer"))
def proposal_detail(proposal_id: int) -> ResponseReturnValue:
    proposal = visible_proposal_or_404(proposal_id)
    call = services.current_call()
    return render_template(
        "cfp/proposal_detail.html", proposal=proposal, call=call, is_open=services.is_open(call),
        is_submitter=proposal.submitter_id == current_user.id,
        may_withdraw=services.may_move(proposal.state, ProposalState.WITHDRAWN),
    )


@bp.post("/cfp/proposals/<int:proposal_id>/withdraw")
@login_required
@access.owner("proposal", check=PROPOSAL_VISIBLE + "; only its submitter withdraws (ensure_is_submitter)")
def proposal_withdraw(proposal_id: int) -> ResponseReturnValue:
    proposal = visible_proposal_or_404(proposal_id)
    form = VersionForm()
    if form.validate_on_submit():
        try:
            services.withdraw_proposal(proposal=proposal, author=current_user, seen_version=form.seen_version.data)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Your proposal is withdrawn."), "success")
    return redirect(url_for("cfp.proposal_detail", proposal_id=proposal_id))


@bp.post("/cfp/proposals/<int:proposal_id>/speakers/<int:speaker_id>/resend")
@login_required
@access.owner("proposal", check=PROPOSAL_VISIBLE + "; the speaker row must belong to it; only its submitter "
               "resends (resend_invitation)")
@limiter.limit(lambda: current_app.config.get("RATELIMIT_CFP_RESEND", "10 per hour"))
def speaker_resend(proposal_id: int, speaker_id: int) -> ResponseReturnValue:
    proposal = visible_proposal_or_404(proposal_id)
    speaker = db.get_or_404(ProposalSpeaker, speaker_id)
    if speaker.proposal_id != proposal.id:
        return redirect(url_for("cfp.proposal_detail", proposal_id=proposal_id))
    if ActionForm().validate_on_submit():
        try:
            services.resend_invitation(speaker=speaker, actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("A new invitation is on its way to %(email)s.", email=speaker.email), "success")
    return redirect(url_for("cfp.proposal_detail", proposal_id=proposal_id))


# --- co-speakers' invitations -------------------------------------------------------------

def _invalid_invitation(exc: DomainError) -> ResponseReturnValue:
    return render_template("cfp/invitation_invalid.html", message=exc.message), exc.status_code


@bp.route("/cfp/invitations/<token>", methods=["GET", "POST"])
@access.token("co-speaker invitation", check=INVITATION_CHECK)
def invitation_answer(token: str) -> ResponseReturnValue:
    try:
        speaker = services.read_invitation(token)
    except (services.InvitationInvalid, services.InvitationAnswered) as exc:
        return _invalid_invitation(exc)
    form = AnswerForm()
    if current_user.is_authenticated and form.validate_on_submit():
        accept = form.answer.data == "accept"
        try:
            services.answer_invitation(token=token, user=current_user, accept=accept)
        except (services.InvitationInvalid, services.InvitationAnswered) as exc:
            db.session.rollback()
            return _invalid_invitation(exc)
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            if accept:
                flash(_("Thank you: you are a speaker of “%(title)s”.", title=speaker.proposal.title), "success")
                return redirect(url_for("cfp.proposal_detail", proposal_id=speaker.proposal_id))
            flash(_("You declined the invitation. We let the submitter know."), "info")
            return redirect(url_for("cfp.call_detail"))
    has_account = find_user_by_email(speaker.email) is not None
    failed = bool(form.errors or form.form_errors)
    return render_template(
        "cfp/invitation_answer.html", speaker=speaker, proposal=speaker.proposal, form=form, token=token,
        has_account=has_account, signup_form=InvitedSignUpForm(formdata=None),
    ), 422 if failed else 200


@bp.post("/cfp/invitations/<token>/signup")
@access.token("co-speaker invitation", check=INVITATION_CHECK + "; makes an account for the invited address only")
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGNUP"], methods=["POST"])
def invitation_signup(token: str) -> ResponseReturnValue:
    """An account for the invited address, then back to the answer."""
    try:
        speaker = services.read_invitation(token)
    except (services.InvitationInvalid, services.InvitationAnswered) as exc:
        return _invalid_invitation(exc)
    if current_user.is_authenticated:
        return redirect(url_for("cfp.invitation_answer", token=token))
    form = InvitedSignUpForm()
    if form.validate_on_submit():
        try:
            user = services.create_invited_account(
                token=token, display_name=form.display_name.data, password=form.password.data,
                language=form.language.data,
            )
        except services.InvitationNeedsLogin:
            db.session.rollback()
            return redirect(url_for("accounts.login", next=url_for("cfp.invitation_answer", token=token)))
        except DomainError as exc:
            db.session.rollback()
            form.password.errors = [*form.password.errors, exc.message]
        else:
            db.session.commit()
            start_session(user)  # a new session: nothing planted before the sign-up survives
            flash(_("Your account is ready. Now answer the invitation."), "success")
            return redirect(url_for("cfp.invitation_answer", token=token))
    return render_template(
        "cfp/invitation_answer.html", speaker=speaker, proposal=speaker.proposal, form=AnswerForm(formdata=None),
        token=token, has_account=False, signup_form=form,
    ), 422
