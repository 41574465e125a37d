"""A delegate's personal data: the export of everything we hold, and erasure.

Other areas contribute sections to the export: an area registers a function
`user -> JSON-able value` under a name, and the export calls each one. Registration imports
nothing from the areas built on it (bookings, programme stars ...); before erasing it sends
`account_erasing` so they drop what they keep.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from esof.accounts.models import AuditLog, FeedToken, User, new_login_nonce
from esof.accounts.services import forget_user_in_audit_log, login_history, record_audit
from esof.db import utcnow
from esof.errors import busy_on_lock_timeout
from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.registration.billing_models import BillingDetails
from esof.registration.delegates import active_registration_for, cancel_registration
from esof.registration.models import Answer, Registration
from esof.registration.questions import answer_cell, answers_of
from esof.registration.signals import account_erasing

PersonalDataSection = Callable[[User], Any]
_sections: dict[str, PersonalDataSection] = {}


def register_personal_data_section(name: str, collect: PersonalDataSection) -> None:
    _sections[name] = collect


def extra_sections(user: User) -> dict[str, Any]:
    return {name: collect(user) for name, collect in sorted(_sections.items())}


def _iso(moment: datetime | date | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _answers_as_list(answers: dict[int, Answer]) -> list[dict[str, Any]]:
    return [
        {"question": answer.question.text, "answer": answer_cell(answer), "updated_at": _iso(answer.updated_at)}
        for answer in sorted(answers.values(), key=lambda a: (a.question.position, a.question_id))
    ]


def _billing_as_dict(registration_id: int) -> dict[str, str] | None:
    details = db.session.get(BillingDetails, registration_id)
    if details is None:
        return None
    return {"name": details.name, "address": details.address, "vat_number": details.vat_number,
            "po_reference": details.po_reference}


def registration_as_dict(registration: Registration, answers: dict[int, Answer] | None = None) -> dict[str, Any]:
    return {
        "id": registration.id,
        "category": registration.category.code,
        "status": registration.status.value,
        "attendance": registration.attendance.value,
        "waitlist_number": registration.waitlist_position,
        "first_name": registration.first_name,
        "last_name": registration.last_name,
        "affiliation": registration.affiliation,
        "country": registration.country,
        "dietary_needs": registration.dietary_needs,
        "accessibility_needs": registration.accessibility_needs,
        "public_listing": registration.public_listing,
        "consent_version": registration.consent_version,
        "consent_at": _iso(registration.consent_at),
        "amount_due_cents": registration.amount_due_cents,
        "payment_status": registration.payment_status.value,
        "payment_reference": registration.payment_reference,
        "paid_at": _iso(registration.paid_at),
        "created_at": _iso(registration.created_at),
        "confirmed_at": _iso(registration.confirmed_at),
        "cancelled_at": _iso(registration.cancelled_at),
        "voucher": registration.voucher.code if registration.voucher else None,
        "discount_cents": registration.discount_cents,
        "answers": _answers_as_list(answers or {}),
        "billing_details": _billing_as_dict(registration.id),
    }


def export_personal_data(user: User) -> dict[str, Any]:
    """Everything we hold about the user, as JSON-able data."""
    registrations = list(db.session.scalars(
        sa.select(Registration).where(Registration.user_id == user.id).order_by(Registration.id)
    ))
    answers = answers_of([r.id for r in registrations])
    mails = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.to_address == user.email).order_by(OutboxMessage.id)
    )
    actions = db.session.scalars(
        sa.select(AuditLog).where(
            sa.or_(AuditLog.actor_id == user.id, sa.and_(AuditLog.target_type == "User", AuditLog.target_id == user.id))
        ).order_by(AuditLog.id)
    )
    return {
        "exported_at": utcnow().isoformat(),
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "language": user.language,
            "roles": sorted(role.value for role in user.roles),
            "created_at": _iso(user.created_at),
            "email_verified_at": _iso(user.email_verified_at),
            "last_login_at": _iso(user.last_login_at),
        },
        "registrations": [registration_as_dict(r, answers.get(r.id)) for r in registrations],
        "login_history": [
            {"at": _iso(a.attempted_at), "ip_address": a.ip_address, "user_agent": a.user_agent,
             "succeeded": a.succeeded}
            for a in login_history(user)
        ],
        "mails": [
            {"subject": m.subject, "created_at": _iso(m.created_at), "sent_at": _iso(m.sent_at), "body": m.body_text}
            for m in mails
        ],
        "audit_log": [
            {"action": a.action, "target": a.target_type, "at": _iso(a.created_at)} for a in actions
        ],
        **extra_sections(user),
    }


@busy_on_lock_timeout()
def erase_account(*, user: User, now: datetime | None = None) -> None:
    """Erase the user's personal data; anonymous registration rows stay for the statistics.

    The active registration is cancelled first, so its place goes to the next person waiting.
    """
    now = now or utcnow()
    active = active_registration_for(user)
    if active is not None:
        cancel_registration(registration=active, actor=None, reason="erased", notify=False, now=now)
    account_erasing.send(user)
    # Before the names and the address below are overwritten: the audit rows keep who did what,
    # but lose this person's address and names (esof.accounts.services).
    names = db.session.scalars(sa.select(Registration).where(Registration.user_id == user.id)).all()
    forget_user_in_audit_log(user=user, names=tuple(r.full_name for r in names))
    # Answers and billing details are personal data too. Issued invoices keep the buyer as
    # issued (bookkeeping law); the editable details behind them are emptied.
    ids = [r.id for r in names]
    db.session.execute(sa.delete(Answer).where(Answer.registration_id.in_(ids)))
    db.session.execute(
        sa.update(BillingDetails).where(BillingDetails.registration_id.in_(ids))
        .values(name="", address="", vat_number="", po_reference="")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(Registration)
        .where(Registration.user_id == user.id)
        .values(
            user_id=None, first_name="", last_name="", affiliation="", dietary_needs="",
            accessibility_needs="", public_listing=False, updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.to_address == user.email))
    db.session.execute(sa.delete(FeedToken).where(FeedToken.user_id == user.id))
    user.email = f"erased-{user.id}@erased.invalid"
    user.password_hash = None
    user.display_name = ""
    user.erased_at = now
    user.is_active_account = False
    user.login_nonce = new_login_nonce()
    user.role_rows.clear()
    record_audit(None, "erase-account", user)
    db.session.flush()
    db.session.expire_all()
