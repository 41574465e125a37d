"""Moderation: the organisers' queue of waiting events and changes, the review page, decisions."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from esof.accounts.auth import roles_required
from esof.accounts.models import Role
from esof.extensions import db
from esof.side_events import queries, queue, services
from esof.side_events.blueprint import bp
from esof.side_events.forms import ApproveForm, BulkApproveForm, RejectForm
from esof.side_events.models import SideEvent
from esof.side_events.queue import QueueFilter


@bp.get("/moderation")
@roles_required(Role.ORGANISER)
def moderation_queue() -> ResponseReturnValue:
    queue_filter = QueueFilter.from_args(request.args)
    page = queue.moderation_page(db.session, queue_filter, page=request.args.get("page", 1, type=int) or 1)
    return render_template(
        "side_events/moderation_queue.html", page=page, queue_filter=queue_filter, form=BulkApproveForm(),
        organisations=queries.partner_organisations(db.session),
        neighbourhoods=queue.queue_neighbourhoods(db.session), dates_text=services.dates_text,
    )


@bp.post("/moderation/approve-selected")
@roles_required(Role.ORGANISER)
def moderation_approve_selected() -> ResponseReturnValue:
    """Approve the checked rows of the queue, each as the page showed it (the filters stay)."""
    args = QueueFilter.from_args(request.args).to_args()
    back = url_for("side_events.moderation_queue") + (f"?{urlencode(args)}" if args else "")
    form = BulkApproveForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for e in form.selected.errors) or _("Nothing was approved."), "error")
        return redirect(back)
    outcome = services.approve_side_events(
        items=[services.SeenRevision(*item) for item in form.seen_items()], moderator=current_user
    )
    db.session.commit()
    flash(bulk_message(outcome), "warning" if outcome.changed or outcome.gone else "success")
    return redirect(back)


def bulk_message(outcome: services.BulkApproval) -> str:
    """"2 approved, 1 changed since you looked (left pending): …" in the page's language."""
    language = str(get_locale() or "en")
    parts = [ngettext("%(num)d approved", "%(num)d approved", len(outcome.approved))]
    if outcome.changed:
        titles = ", ".join(services.revision_to_edit(e).title_in(language)[0] for e in outcome.changed)
        parts.append(ngettext("%(num)d changed since you looked (left pending): %(titles)s",
                              "%(num)d changed since you looked (left pending): %(titles)s",
                              len(outcome.changed), titles=titles))
    if outcome.gone:
        parts.append(ngettext("%(num)d decided or withdrawn by someone else meanwhile",
                              "%(num)d decided or withdrawn by someone else meanwhile", len(outcome.gone)))
    return "; ".join(parts) + "."


@bp.get("/moderation/<int:event_id>")
@roles_required(Role.ORGANISER)
def moderation_review(event_id: int) -> ResponseReturnValue:
    event = db.get_or_404(SideEvent, event_id)
    return _render_review(event, ApproveForm(), RejectForm())


def _render_review(
    event: SideEvent, approve_form: ApproveForm, reject_form: RejectForm, status: int = 200,
    changed: str | None = None,
) -> ResponseReturnValue:
    """The page shows the waiting revision as it is now, and its forms send its id and version."""
    return render_template(
        "side_events/moderation_review.html", event=event,
        pending=services.waiting_revision(event), approved=services.approved_revision(event),
        changes=services.revision_changes(event), approve_form=approve_form, reject_form=reject_form,
        changed=changed,
    ), status


@bp.post("/moderation/<int:event_id>/approve")
@roles_required(Role.ORGANISER)
def moderation_approve(event_id: int) -> ResponseReturnValue:
    event = db.get_or_404(SideEvent, event_id)
    form = ApproveForm()
    if not form.validate_on_submit():
        return _render_review(event, form, RejectForm(), 422)
    try:
        services.approve_side_event(
            event=event, moderator=current_user,
            seen_revision_id=form.seen_revision_id.data, seen_version=form.seen_version.data,
        )
    except services.RevisionChanged as exc:
        db.session.rollback()
        return _render_review(event, form, RejectForm(formdata=None), 409, changed=exc.message)
    except services.NothingToModerate as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("The event is approved and public."), "success")
    return redirect(url_for("side_events.moderation_queue"))


@bp.post("/moderation/<int:event_id>/reject")
@roles_required(Role.ORGANISER)
def moderation_reject(event_id: int) -> ResponseReturnValue:
    event = db.get_or_404(SideEvent, event_id)
    form = RejectForm()
    if not form.validate_on_submit():
        return _render_review(event, ApproveForm(), form, 422)
    try:
        services.reject_side_event(
            event=event, moderator=current_user, reason=form.reason.data,
            seen_revision_id=form.seen_revision_id.data, seen_version=form.seen_version.data,
        )
    except services.RevisionChanged as exc:
        db.session.rollback()  # the reason stays in the form for a second look
        return _render_review(event, ApproveForm(formdata=None), form, 409, changed=exc.message)
    except services.NothingToModerate as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("The change is rejected; the partner receives the reason by email."), "success")
    return redirect(url_for("side_events.moderation_queue"))


