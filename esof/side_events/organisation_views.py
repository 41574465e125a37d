"""Partner organisations (organisers add them and invite editors) and accepting an invitation."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from esof import access
from esof.accounts.auth import roles_required, start_session
from esof.accounts.models import Role
from esof.accounts.services import find_user_by_email
from esof.db import utcnow
from esof.errors import DomainError, PermissionDenied
from esof.extensions import db
from esof.side_events import queries, services
from esof.side_events.blueprint import bp
from esof.side_events.forms import AcceptInvitationForm, InviteForm, OrganisationForm
from esof.side_events.models import PartnerOrganisation


@bp.route("/partners", methods=["GET", "POST"])
@roles_required(Role.ORGANISER)
def partners_index() -> ResponseReturnValue:
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = services.create_partner_organisation(
                name=form.name.data, website=form.website.data or "",
                contact_email=form.contact_email.data or "", actor=current_user,
            )
        except DomainError as exc:
            target = form[getattr(exc, "field", None) or "name"]
            target.errors = [*target.errors, exc.message]
        else:
            db.session.commit()
            flash(_("The partner organisation is added. Invite its editors now."), "success")
            return redirect(url_for("side_events.partner_detail", organisation_id=organisation.id))
    organisations = queries.partner_organisations(db.session)
    return render_template(
        "side_events/partners_index.html", form=form, organisations=organisations
    ), 422 if form.errors else 200


@bp.route("/partners/<int:organisation_id>", methods=["GET", "POST"])
@roles_required(Role.ORGANISER)
def partner_detail(organisation_id: int) -> ResponseReturnValue:
    organisation = db.get_or_404(PartnerOrganisation, organisation_id)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            services.invite_editor(organisation=organisation, email=form.email.data, invited_by=current_user)
        except DomainError as exc:
            form.email.errors = [*form.email.errors, exc.message]
        else:
            db.session.commit()
            flash(_("The invitation is on its way to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("side_events.partner_detail", organisation_id=organisation.id))
    invitations = queries.invitations_of(db.session, organisation.id)
    return render_template(
        "side_events/partner_detail.html", organisation=organisation, form=form,
        invitations=invitations, now=utcnow(),
    ), 422 if form.errors else 200


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@access.token("partner invitation", check="the SHA-256 of the token matches an invitation that is neither used nor"
              " expired (find_invitation); a signed-in user must be the invited address")
def invitation_accept(token: str) -> ResponseReturnValue:
    try:
        invitation = services.find_invitation(token)
    except services.InvitationInvalid as exc:
        return render_template("side_events/invitation_invalid.html", message=exc.message), 400
    form = AcceptInvitationForm()
    existing = find_user_by_email(invitation.email)
    if form.validate_on_submit():
        try:
            services.accept_invitation(
                token=token, user=current_user if current_user.is_authenticated else None,
                display_name=form.display_name.data or "", password=form.password.data or None,
                language=form.language.data,
            )
        except services.InvitationNeedsLogin:
            return redirect(url_for("accounts.login", next=request.path))
        except PermissionDenied as exc:
            form.form_errors.append(exc.message)
        except DomainError as exc:
            form.password.errors = [*form.password.errors, exc.message]
        else:
            db.session.commit()
            newcomer = None if current_user.is_authenticated else find_user_by_email(invitation.email)
            if newcomer is not None:
                start_session(newcomer)  # a new session, as at every log-in
            flash(_("Welcome! You can now submit events for %(name)s.", name=invitation.organisation.name), "success")
            return redirect(url_for("side_events.events_mine"))
    failed = bool(form.errors or form.form_errors)
    return render_template(
        "side_events/invitation_accept.html", form=form, invitation=invitation, existing=existing
    ), 422 if failed else 200

