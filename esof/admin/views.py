"""Admin pages: people and their roles, one person's page (roles, log-ins, log out
everywhere), the audit log and its CSV. Admins only; the rules are in esof.accounts.services."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, logout_user

from esof.accounts import services as accounts
from esof.accounts.auth import roles_required
from esof.accounts.models import Role, User
from esof.admin import csv_export, queries
from esof.admin.actions import action_label
from esof.admin.forms import ROLE_LABELS, AuditFilterForm, LogoutEverywhereForm, RoleForm
from esof.errors import DomainError
from esof.extensions import db, limiter

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_only = roles_required(Role.ADMIN)
PAGE_SIZE = 50


def _acting_admin() -> str:
    """Changes are counted per admin (per address for anyone not logged in)."""
    return f"admin-{current_user.id}" if current_user.is_authenticated else get_remote_address()


# Modest: an admin clicking through roles never meets it; a script or a stolen session does.
changes_limited = limiter.limit(
    lambda: current_app.config.get("RATELIMIT_ADMIN_CHANGES", "60 per minute"),
    key_func=_acting_admin, methods=["POST"],
)


@bp.context_processor
def admin_context() -> dict[str, object]:
    return {"role_labels": {role.value: str(label) for role, label in ROLE_LABELS.items()},
            "action_label": action_label}


@bp.get("/users")
@admin_only
def user_list() -> ResponseReturnValue:
    filters = queries.UserFilters(q=request.args.get("q", "")[:200], role=request.args.get("role", "")[:20])
    page = db.paginate(queries.filtered_users(filters), per_page=PAGE_SIZE, max_per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/user_list.html", page=page, filters=filters, roles=list(Role))


def _render_detail(person: User, role_form: RoleForm | None = None, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "admin/user_detail.html",
        person=person,
        roles=list(Role),
        role_form=role_form or RoleForm(),
        logout_form=LogoutEverywhereForm(),
        registrations=queries.registrations_of(person),
        logins=accounts.login_history(person),
        changes=queries.audit_about(person),
    ), status


@bp.get("/users/<int:user_id>")
@admin_only
def user_detail(user_id: int) -> ResponseReturnValue:
    return _render_detail(db.get_or_404(User, user_id))


@bp.post("/users/<int:user_id>/roles/<any(grant, revoke):change>")
@admin_only
@changes_limited
def user_role(user_id: int, change: str) -> ResponseReturnValue:
    person = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        form.role.errors = list(form.role.errors) or [_("Choose one of the roles.")]
        return _render_detail(person, form, 400)
    role = Role(form.role.data)
    try:
        if change == "grant":
            changed = accounts.grant_role(user=person, role=role, actor=current_user).added
        else:
            changed = accounts.revoke_role(user=person, role=role, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        form.role.errors = [exc.message]
        return _render_detail(db.get_or_404(User, user_id), form, exc.status_code)
    db.session.commit()
    label = str(ROLE_LABELS[role])
    if not changed:
        flash(_("Nothing changed: %(role)s was already so.", role=label), "info")
    elif change == "grant":
        flash(_("%(name)s is now %(role)s.", name=person.display_name or person.email, role=label), "success")
    else:
        flash(_("%(name)s is no longer %(role)s.", name=person.display_name or person.email, role=label), "success")
    return redirect(url_for("admin.user_detail", user_id=person.id))


@bp.post("/users/<int:user_id>/logout-everywhere")
@admin_only
@changes_limited
def user_logout_everywhere(user_id: int) -> ResponseReturnValue:
    person = db.get_or_404(User, user_id)
    if not LogoutEverywhereForm().validate_on_submit():
        abort(400)
    accounts.log_out_everywhere(user=person, actor=current_user)
    db.session.commit()
    if person.id == current_user.id:
        logout_user()
        flash(_("You are logged out on every device, this one included."), "info")
        return redirect(url_for("accounts.login"))
    flash(_("%(name)s is logged out on every device.", name=person.display_name or person.email), "success")
    return redirect(url_for("admin.user_detail", user_id=person.id))


def _audit_filters(form: AuditFilterForm) -> queries.AuditFilters:
    """The filters that are valid; a wrong one is shown on the form and left out."""
    def valid(field: str) -> bool:
        return not form[field].errors

    return queries.AuditFilters(
        actor=(form.actor.data or "") if valid("actor") else "",
        action=(form.action.data or "") if valid("action") else "",
        target_type=(form.target_type.data or "") if valid("target_type") else "",
        target_id=form.target_id.data if valid("target_id") else None,
        date_from=form.date_from.data if valid("date_from") else None,
        date_to=form.date_to.data if valid("date_to") and valid("date_from") else None,
    )


def _read_audit_form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.validate()
    return form


@bp.get("/audit")
@admin_only
def audit_log() -> ResponseReturnValue:
    form = _read_audit_form()
    page = db.paginate(
        queries.filtered_audit(_audit_filters(form)), per_page=PAGE_SIZE, max_per_page=PAGE_SIZE, error_out=False
    )
    rows = list(page.items)
    return render_template(
        "admin/audit_log.html",
        form=form,
        page=page,
        rows=rows,
        people=queries.people_named_in(rows),
        actions=queries.audit_actions(),
        target_types=queries.audit_target_types(),
    ), 400 if form.errors else 200


@bp.get("/audit.csv")
@admin_only
def audit_csv() -> ResponseReturnValue:
    form = _read_audit_form()
    if form.errors:
        abort(400)
    stmt = queries.audit_export_rows(_audit_filters(form)).execution_options(yield_per=500)
    response = Response(stream_with_context(csv_export.audit_csv(db.session.execute(stmt))), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="esof2022-audit.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
