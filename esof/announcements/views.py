"""Mail to delegates: the organisers' pages (write, preview, confirm, progress) and the
recipients' unsubscribe page. Routes carry their full paths: the organisers' pages sit beside
the outbox under /organiser/mail/, the unsubscribe page is public."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from esof import access
from esof.accounts.auth import roles_required
from esof.accounts.models import Role, User
from esof.announcements import queries, services
from esof.announcements.commands import register_commands
from esof.announcements.forms import AnnouncementForm
from esof.announcements.models import Announcement
from esof.errors import DomainError
from esof.extensions import csrf, db, limiter
from esof.programme.models import ProgrammeSession, Track
from esof.registration.countries import country_choices
from esof.registration.models import RegistrationCategory
from esof.tokens import InvalidToken

bp = Blueprint("announcements", __name__)
register_commands(bp)


class ConfirmForm(FlaskForm):
    pass


def _per_organiser() -> str:
    return f"announcements:user:{current_user.get_id() if current_user.is_authenticated else request.remote_addr}"


def _fill_choices(form: AnnouncementForm) -> None:
    dutch = str(get_locale() or "en").startswith("nl")
    categories = db.session.execute(
        sa.select(RegistrationCategory.id, RegistrationCategory.name, RegistrationCategory.name_nl)
        .order_by(RegistrationCategory.sort_order, RegistrationCategory.id)
    ).all()
    sessions = db.session.execute(
        sa.select(ProgrammeSession.id, ProgrammeSession.title, ProgrammeSession.title_nl)
        .where(ProgrammeSession.needs_booking.is_(True)).order_by(ProgrammeSession.title)
    ).all()
    tracks = db.session.execute(sa.select(Track.id, Track.name, Track.name_nl).order_by(Track.name)).all()
    form.fill_choices(
        categories=[(i, (nl or name) if dutch else name) for i, name, nl in categories],
        countries=country_choices("nl" if dutch else "en"),
        sessions=[(i, (nl or title) if dutch else title) for i, title, nl in sessions],
        tracks=[(i, (nl or name) if dutch else name) for i, name, nl in tracks],
    )


@bp.get("/organiser/mail/announcements")
@roles_required(Role.ORGANISER)
def message_list() -> ResponseReturnValue:
    page = queries.announcements_page(request.args.get("page", 1, type=int))
    progress = queries.progress_of([a.id for a in page.items])
    return render_template("announcements/message_list.html", page=page, progress=progress)


@bp.route("/organiser/mail/new", methods=["GET", "POST"])
@roles_required(Role.ORGANISER)
@limiter.limit(lambda: current_app.config.get("RATELIMIT_ANNOUNCEMENTS", "5 per hour;20 per day"),
               key_func=_per_organiser, methods=["POST"],
               deduct_when=lambda response: response.status_code == 302)  # only a sent announcement counts
def new_message() -> ResponseReturnValue:
    form = AnnouncementForm()
    _fill_choices(form)
    if not form.validate_on_submit() or form.action.data == "edit":
        return render_template("announcements/message_new.html", form=form)
    text = services.MessageText.from_input(form.subject_en.data, form.body_en.data,
                                           form.subject_nl.data, form.body_nl.data)
    segment = form.segment()
    if form.action.data == "confirm":
        try:
            announcement = services.create_announcement(
                actor=current_user, text=text, segment=segment, expected_count=form.expected())
        except services.SegmentChanged as exc:
            db.session.rollback()
            flash(exc.message, "error")  # the preview again, with the new number
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            return render_template("announcements/message_new.html", form=form)
        else:
            db.session.commit()
            return _queue_and_show(announcement.id)
    try:
        preview = services.preview_announcement(text=text, segment=segment)
    except DomainError as exc:
        form.form_errors.append(exc.message)
        return render_template("announcements/message_new.html", form=form)
    form.expected_count.data = str(preview.count)
    return render_template("announcements/message_preview.html", form=form, preview=preview)


def _queue_and_show(announcement_id: int) -> Response:
    # Committed first: if this request dies while queueing, the worker or a click on the
    # progress page finishes from the cursor.
    services.queue_announcement(announcement_id)
    flash(_("The announcement is queued; the outbox is sending it."), "success")
    return redirect(url_for("announcements.message_detail", announcement_id=announcement_id))


@bp.get("/organiser/mail/<int:announcement_id>")
@roles_required(Role.ORGANISER)
def message_detail(announcement_id: int) -> ResponseReturnValue:
    announcement = db.get_or_404(Announcement, announcement_id)
    progress = queries.progress_of([announcement.id])[announcement.id]
    return render_template(
        "announcements/message_detail.html", announcement=announcement, progress=progress,
        segment=queries.describe_segment(announcement.segment), form=ConfirmForm(),
    )


@bp.post("/organiser/mail/<int:announcement_id>/resume")
@roles_required(Role.ORGANISER)
def message_resume(announcement_id: int) -> ResponseReturnValue:
    db.get_or_404(Announcement, announcement_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.queue_announcement(announcement_id)
    flash(_("Queueing went on from where it stopped."), "success")
    return redirect(url_for("announcements.message_detail", announcement_id=announcement_id))


@bp.route("/mail/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
@access.csrf_exempt("RFC 8058 one-click unsubscribe: a mail client POSTs List-Unsubscribe=One-Click "
                    "with no session and no CSRF token; the signed token in the URL is the authentication")
@access.token("announcement opt-out", check="a signed token naming the account (esof.tokens, 400 days), else 404")
def unsubscribe(token: str) -> ResponseReturnValue:
    # GET only asks: mail scanners open links, and must not unsubscribe anyone. Any POST to
    # the signed link unsubscribes: the page's button and a mail client's one-click alike.
    try:
        user = services.user_from_token(token)
    except InvalidToken:
        user = None
    if user is None:
        return render_template("announcements/unsubscribe.html", invalid=True, form=None), 404
    done = services.has_opted_out(user)
    if request.method == "POST":
        services.opt_out(user=user, source="link")
        db.session.commit()
        done = True
    return render_template("announcements/unsubscribe.html", invalid=False, form=ConfirmForm(), done=done)


@bp.app_template_global()
def receives_announcements(user: User) -> bool:
    """For the account page's toggle."""
    return not services.has_opted_out(user)


@bp.post("/account/announcements")
@login_required
@access.login
def account_preference() -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if request.form.get("announcements") == "off":
        services.opt_out(user=current_user, source="account")
        flash(_("You will receive no more announcements. Mail about your registration and bookings still reaches you."),
              "success")
    else:
        services.opt_in(user=current_user)
        flash(_("You will receive announcements again."), "success")
    db.session.commit()
    return redirect(url_for("accounts.account_detail"))
