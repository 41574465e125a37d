"""Site-wide pages: home, health check, language switch."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_login import current_user

from esof import access, page_cache
from esof.accounts.auth import is_safe_redirect
from esof.accounts.services import set_language as set_account_language
from esof.conference import CLOSES_AT, OPENS_AT
from esof.extensions import db, limiter
from esof.feeds.stamps import stamps
from esof.registration.queries import demo_notice

bp = Blueprint("main", __name__)


def change_token(topic: str) -> str:
    return stamps().current(topic)


@bp.record_once
def cache_pages_by_feed_tokens(state: BlueprintSetupState) -> None:
    """The public pages' cache (a shared module) keys pages by the feeds' change tokens: the
    site's composition, which knows both, hands them over."""
    page_cache.install(state.app, change_token)


@bp.get("/")
@access.public
def home() -> ResponseReturnValue:
    return render_template("main/home.html", opens=OPENS_AT, closes=CLOSES_AT, demo_notice=demo_notice())


@bp.get("/livez")
@access.public
@limiter.exempt
def livez() -> ResponseReturnValue:
    """Liveness without touching the database: the trivial baseline of every bench."""
    return jsonify(status="ok")


@bp.get("/healthz")
@access.public
@limiter.exempt
def healthz() -> ResponseReturnValue:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        return jsonify(status="error", database="unreachable", reason=type(exc).__name__), 503
    return jsonify(status="ok", database="ok")


@bp.get("/language/<code>")
@access.public
def language_link(code: str) -> ResponseReturnValue:
    """A plain link (shared, bookmarked, the switch of a visitor without a session): the
    language of this browser only. It never writes to the database, so a link or an image
    on another site cannot change anybody's account."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(_same_site(request.args.get("next", "")))


@bp.post("/language/<code>")
@access.public
def set_language(code: str) -> ResponseReturnValue:
    """The switch in the layout (a form with a CSRF token): this browser, and for a logged-in
    person the account's language too, which their mails follow."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if current_user.is_authenticated:
            set_account_language(current_user, code)
            db.session.commit()
    return redirect(_same_site(request.form.get("next", "")))


def _same_site(target: str) -> str:
    return target if is_safe_redirect(target) else url_for("main.home")
