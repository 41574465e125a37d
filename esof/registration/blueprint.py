"""The registration blueprint and what its delegate and organiser pages share: template
filters, the page language, and the 503 answer when the database is busy."""
from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_currency, get_locale

from esof.accounts.auth import is_safe_redirect
from esof.errors import Busy, busy_on_lock_timeout, wants_json
from esof.extensions import db
from esof.registration.countries import country_name
from esof.registration.models import RegistrationStatus

bp = Blueprint("registration", __name__, url_prefix="/registration")


def page_language() -> str:
    return str(get_locale() or "en")


@bp.app_template_filter("euro")
def euro(cents_value: int | None) -> str:
    return "" if cents_value is None else format_currency(cents_value / 100, "EUR")


@bp.app_template_filter("country_name")
def country_name_filter(code: str) -> str:
    return country_name(code, page_language()) if code else ""


@bp.app_template_global("registration_count_total")
def count_total(counts: dict[int, dict[RegistrationStatus, int]], status: RegistrationStatus) -> int:
    return sum(per.get(status, 0) for per in counts.values())


def busy_response(exc: Busy, page: Callable[[], str]) -> ResponseReturnValue:
    """503 with Retry-After: a row lock was not granted in time, nothing was saved. JSON for
    API clients, otherwise `page` (a friendly page, never the error page)."""
    db.session.rollback()
    if wants_json():
        return jsonify(ok=False, error="Busy", message=exc.message), 503, exc.headers
    return page(), 503, exc.headers


def _busy_page(message: str) -> str:
    # Back to the page the form was on, when that page is on this site.
    referrer = urlsplit(request.referrer or "")
    back = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    if referrer.netloc != request.host or not is_safe_redirect(back):
        back = url_for("main.home")
    return render_template("registration/busy.html", message=message, back=back)


def answers_busy(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """A lock wait past DATABASE_LOCK_TIMEOUT_MS, in a service or at commit, answers 503."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        try:
            with busy_on_lock_timeout():
                return view(*args, **kwargs)
        except Busy as exc:
            return busy_response(exc, partial(_busy_page, exc.message))

    return wrapper
