"""Organisers' pages for announcements (mail to delegates)."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from esof.accounts.auth import roles_required
from esof.accounts.models import Role

bp = Blueprint("announcements", __name__, url_prefix="/organiser/mail")


@bp.get("/announcements")
@roles_required(Role.ORGANISER)
def message_list() -> ResponseReturnValue:
    return render_template("announcements/message_list.html", messages=[])


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ORGANISER)
def new_message() -> ResponseReturnValue:
    return render_template("announcements/message_list.html", messages=[])
