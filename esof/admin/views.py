"""Admin pages: people and roles, one person's page, the audit log."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from esof.accounts.auth import roles_required
from esof.accounts.models import Role, User
from esof.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_only = roles_required(Role.ADMIN)


@bp.get("/users")
@admin_only
def user_list() -> ResponseReturnValue:
    return render_template("admin/user_list.html")


@bp.get("/users/<int:user_id>")
@admin_only
def user_detail(user_id: int) -> ResponseReturnValue:
    person = db.get_or_404(User, user_id)
    return render_template("admin/user_detail.html", person=person)


@bp.get("/audit")
@admin_only
def audit_log() -> ResponseReturnValue:
    return render_template("admin/audit_log.html")
