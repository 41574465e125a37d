"""HTTP handlers of the bookings area: star, book, cancel (or leave the waiting list), and
the delegate's agenda. Paths sit under /programme as the contract says."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from esof import access
from esof.accounts.auth import is_safe_redirect
from esof.bookings import services
from esof.bookings.forms import SeatActionForm, StarForm
from esof.bookings.list_marks import ListMarks, list_marks
from esof.bookings.models import BookingStatus
from esof.errors import Busy, DomainError, busy_on_lock_timeout, wants_json
from esof.extensions import db
from esof.programme.models import ProgrammeSession

bp = Blueprint("bookings", __name__)


@bp.app_context_processor
def booking_helpers() -> dict[str, Any]:
    """`booking_panel(session_id)` for the programme's session page (its session_actions hook);
    `list_marks(session_ids)` for the delegate's own marks on the programme list."""

    def panel(session_id: int) -> services.BookingPanel:
        return services.booking_panel(session_id=session_id, user=current_user)

    def marks(session_ids: list[int]) -> ListMarks:
        return list_marks(session_ids=session_ids, user=current_user)

    return {"booking_panel": panel, "list_marks": marks, "seat_action_form": SeatActionForm, "star_form": StarForm}


def _back(target: str | None, session_id: int) -> str:
    if target and is_safe_redirect(target):
        return target
    return url_for("programme.session_detail", session_id=session_id)


def _commit() -> None:
    with busy_on_lock_timeout():
        db.session.commit()


def _answer(message: str, back: str, *, category: str = "success", status: int = 200,
            **data: Any) -> ResponseReturnValue:
    if wants_json():
        return jsonify(ok=status < 400, message=message, **data), status
    flash(message, category)
    return redirect(back)


def _busy(item: ProgrammeSession, exc: Busy, back: str) -> ResponseReturnValue:
    """503 with a message and a way to try again, never the error page."""
    db.session.rollback()
    if wants_json():
        return jsonify(ok=False, error="Busy", message=exc.message), 503, exc.headers
    return render_template("bookings/busy.html", item=item, message=exc.message, back=back,
                           form=SeatActionForm(back=back)), 503, exc.headers


def _seat_change(session_id: int, change: Callable[..., Any]) -> ResponseReturnValue:
    item = db.get_or_404(ProgrammeSession, session_id)
    form = SeatActionForm()
    back = _back(form.back.data, session_id)
    try:
        result = change(item=item, delegate=current_user)
        outcome = str(getattr(result, "outcome", BookingStatus.CANCELLED))
        message, position = result.message, getattr(result, "position", None)
        _commit()
    except Busy as exc:
        return _busy(item, exc, back)
    except DomainError as exc:
        db.session.rollback()
        return _answer(exc.message, back, category="error", status=exc.status_code, error=type(exc).__name__)
    return _answer(message, back, status=200, status_after=outcome, position=position)


@bp.post("/programme/sessions/<int:session_id>/book")
@login_required
@access.login
def session_book(session_id: int) -> ResponseReturnValue:
    return _seat_change(session_id, services.book_seat)


@bp.post("/programme/sessions/<int:session_id>/cancel-booking")
@login_required
@access.login
def session_cancel_booking(session_id: int) -> ResponseReturnValue:
    """Cancel a seat, or leave the waiting list."""
    return _seat_change(session_id, services.cancel_booking)


@bp.post("/programme/sessions/<int:session_id>/star")
@login_required
@access.login
def session_star(session_id: int) -> ResponseReturnValue:
    item = db.get_or_404(ProgrammeSession, session_id)
    form = StarForm()
    back = _back(form.back.data, session_id)
    starring = form.starred.data != "0"
    try:
        if starring:
            services.star_session(item=item, delegate=current_user)
        else:
            services.unstar_session(item=item, delegate=current_user)
        _commit()
    except Busy as exc:
        return _busy(item, exc, back)
    except DomainError as exc:
        db.session.rollback()
        return _answer(exc.message, back, category="error", status=exc.status_code, error=type(exc).__name__)
    message = _("Starred: the session is in your agenda.") if starring else _("Star removed.")
    return _answer(message, back, starred=starring)


@bp.get("/programme/agenda")
@login_required
@access.login
def agenda_index() -> ResponseReturnValue:
    days = services.build_agenda(current_user)
    return render_template("bookings/agenda_index.html", days=days,
                           can_book=services.is_confirmed_delegate(current_user))

