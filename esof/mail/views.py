"""The outbox for organisers: what is queued, sent and given up on; retry a failed mail."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from esof.accounts.auth import roles_required
from esof.accounts.models import Role
from esof.extensions import db
from esof.mail import services
from esof.mail.models import OutboxMessage

bp = Blueprint("mail", __name__, url_prefix="/organiser/mail")


class RetryForm(FlaskForm):
    pass


@bp.get("/")
@roles_required(Role.ORGANISER)
def outbox_index() -> ResponseReturnValue:
    unsent = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None))
        .order_by(OutboxMessage.failed_at.is_(None), OutboxMessage.next_attempt_at)
        .limit(100)
    )
    return render_template(
        "mail/outbox_index.html", counts=services.outbox_counts(), messages=list(unsent), form=RetryForm()
    )


@bp.post("/<int:message_id>/retry")
@roles_required(Role.ORGANISER)
def outbox_retry(message_id: int) -> ResponseReturnValue:
    message = db.get_or_404(OutboxMessage, message_id)
    if not RetryForm().validate_on_submit():
        abort(400)
    services.retry_failed_mail(message=message)
    db.session.commit()
    flash(_("The mail is queued again."), "success")
    return redirect(url_for("mail.outbox_index"))
