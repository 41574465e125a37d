"""Partner organisations and their editors: who may submit and edit which events, invitations.

Functions flush, never commit.
"""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from esof.accounts.models import Role, User
from esof.accounts.services import (
    create_user,
    find_user_by_email,
    grant_role,
    normalise_email,
    record_audit,
)
from esof.db import utcnow
from esof.errors import PermissionDenied, ValidationFailed
from esof.extensions import db
from esof.mail.services import queue_mail
from esof.side_events import queries
from esof.side_events.errors import EventInputRejected, InvitationInvalid, InvitationNeedsLogin, OrganisationExists
from esof.side_events.models import PartnerInvitation, PartnerMembership, PartnerOrganisation, SideEvent
from esof.text import slugify
from esof.tokens import random_token, token_hash
from esof.urls import external_url

INVITATION_DAYS = 14
# A web address pages may link to: http or https, no spaces, quotes or angle brackets.
WEB_ADDRESS = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


def check_web_address(value: str, field_name: str) -> str:
    value = value.strip()
    if value and not WEB_ADDRESS.match(value):
        raise EventInputRejected(_l("Enter a web address starting with https:// or http://."), field_name)
    return value


def create_partner_organisation(
    *, name: str, website: str = "", contact_email: str = "", actor: User | None
) -> PartnerOrganisation:
    """A new organisation; one whose name or slug is taken already is refused."""
    name = name.strip()
    website = check_web_address(website, "website")
    slug = slugify(name, fallback="partner")
    exists = db.session.scalar(
        sa.select(PartnerOrganisation.id).where(
            sa.or_(PartnerOrganisation.name == name, PartnerOrganisation.slug == slug)
        )
    )
    if exists is not None:
        raise OrganisationExists()
    organisation = PartnerOrganisation(
        name=name, slug=slug, website=website, contact_email=contact_email.strip()
    )
    db.session.add(organisation)
    db.session.flush()
    record_audit(actor, "create-partner-organisation", organisation)
    return organisation


def organisation_ids_of(user: User) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(
        db.session.scalars(
            sa.select(PartnerMembership.organisation_id).where(PartnerMembership.user_id == user.id)
        )
    )


def organisations_of(user: User) -> list[PartnerOrganisation]:
    return list(
        db.session.scalars(
            sa.select(PartnerOrganisation)
            .join(PartnerMembership)
            .where(PartnerMembership.user_id == user.id)
            .order_by(PartnerOrganisation.name)
        )
    )


def submittable_organisations(user: User) -> list[PartnerOrganisation]:
    """The organisations `user` may submit events for: every one for organisers, else their own."""
    if can_moderate_side_events(user):
        return queries.partner_organisations(db.session)
    return organisations_of(user)


# --- permissions --------------------------------------------------------------------------

def can_moderate_side_events(user: User) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.ORGANISER))


def can_edit_side_event(user: User, event: SideEvent) -> bool:
    """Organisers edit every event; a partner editor only their organisation's events."""
    if not user.is_authenticated:
        return False
    if can_moderate_side_events(user):
        return True
    return user.has_role(Role.PARTNER) and event.organisation_id in organisation_ids_of(user)


def ensure_can_edit(user: User, event: SideEvent) -> None:
    if not can_edit_side_event(user, event):
        raise PermissionDenied(_l("You can only change events of your own organisation."))


def ensure_can_submit_for(user: User, organisation: PartnerOrganisation) -> None:
    if can_moderate_side_events(user):
        return
    if not (user.has_role(Role.PARTNER) and organisation.id in organisation_ids_of(user)):
        raise PermissionDenied(_l("You can only submit events for your own organisation."))


# --- invitations --------------------------------------------------------------------------

def invite_editor(
    *, organisation: PartnerOrganisation, email: str, invited_by: User
) -> PartnerInvitation:
    """Mail a one-time link; only the SHA-256 of its token is stored."""
    email = normalise_email(email)
    if "@" not in email:
        raise ValidationFailed(_l("Enter a valid email address."))
    token = random_token()
    invitation = PartnerInvitation(
        organisation_id=organisation.id,
        email=email,
        token_hash=token_hash(token),
        invited_by_id=invited_by.id,
        expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
    )
    db.session.add(invitation)
    db.session.flush()
    existing = find_user_by_email(email)
    queue_mail(
        to=email,
        template="side_events/invitation",
        language=existing.language if existing else invited_by.language,
        organisation=organisation,
        inviter=invited_by,
        link=external_url("side_events.invitation_accept", token=token),
        days=INVITATION_DAYS,
    )
    record_audit(invited_by, "invite-partner-editor", organisation, email=email)
    return invitation


def find_invitation(token: str) -> PartnerInvitation:
    invitation = db.session.scalar(
        sa.select(PartnerInvitation).where(PartnerInvitation.token_hash == token_hash(token))
    )
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= utcnow():
        raise InvitationInvalid()
    return invitation


def accept_invitation(
    *,
    token: str,
    user: User | None,
    display_name: str = "",
    password: str | None = None,
    language: str = "en",
) -> User:
    """Link the signed-in account, or create one; either way the user becomes an editor.

    The link reached the invited address, so a new account counts as verified. A signed-in
    user must be the invited address; an existing account must log in first.
    """
    invitation = find_invitation(token)
    if user is not None and user.is_authenticated:
        if user.email != invitation.email:
            raise PermissionDenied(
                _l("This invitation is for %(email)s. Log out and open the link again.", email=invitation.email)
            )
    else:
        if find_user_by_email(invitation.email) is not None:
            raise InvitationNeedsLogin()
        if not password:
            raise ValidationFailed(_l("Choose a password."))
        user = create_user(
            email=invitation.email,
            password=password,
            display_name=display_name,
            language=language,
            roles=(Role.PARTNER,),
            verified=True,
        )
    grant_role(user=user, role=Role.PARTNER, actor=user)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    if db.session.get(PartnerMembership, (invitation.organisation_id, user.id)) is None:
        db.session.add(PartnerMembership(organisation_id=invitation.organisation_id, user_id=user.id))
    invitation.accepted_at = utcnow()
    db.session.flush()
    record_audit(user, "accept-partner-invitation", invitation.organisation)
    return user
