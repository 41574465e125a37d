"""The organiser home at /organiser/: links to every organiser tool and the dashboard."""
from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_login import current_user

from esof import access
from esof.accounts.auth import roles_required
from esof.accounts.models import Role
from esof.organiser import charts, panels
from esof.organiser.navigation import navigation_helpers
from esof.organiser.tools import tools_for

bp = Blueprint("organiser", __name__, url_prefix="/organiser")
# The header of every page asks whether the person is a delegate (base.html).
bp.app_context_processor(navigation_helpers)


@bp.get("/")
@roles_required(Role.ORGANISER)
def home() -> ResponseReturnValue:
    language = str(get_locale() or "en")
    return render_template(
        "organiser/organiser_home.html", groups=tools_for(current_user), panels=panels.all_panels(language),
    )


@bp.get("/charts.css")
@access.public
def chart_styles() -> ResponseReturnValue:
    """pygal's chart styles as a stylesheet of this site (the CSP allows no inline style)."""
    response = Response(charts.chart_stylesheet(), mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
