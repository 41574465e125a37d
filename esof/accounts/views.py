"""Account pages: sign up, verify, log in and out, reset a password, the account page."""
from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from esof import access
from esof.accounts import services
from esof.accounts.auth import is_safe_redirect, landing_page, start_session
from esof.accounts.forms import (
    LoginForm,
    LogoutEverywhereForm,
    LogoutForm,
    PasswordResetForm,
    PasswordResetRequestForm,
    ProfileForm,
    ResendVerificationForm,
    SignUpForm,
)
from esof.errors import DomainError
from esof.extensions import db, limiter
from esof.tokens import same_secret

bp = Blueprint("accounts", __name__, url_prefix="/account")


def _limit(name: str):  # a Flask-Limiter decorator
    return limiter.limit(lambda: current_app.config[name], methods=["POST"])


def safe_next(target: str | None) -> str:
    """Only same-site paths, so a crafted link cannot send people elsewhere after log-in;
    without one, staff go to their tool and everyone else to their account page."""
    if target and is_safe_redirect(target):
        return target
    return landing_page(current_user) if current_user.is_authenticated else url_for("accounts.account_detail")


# The browser that signed up is logged in by the confirmation link of that address, and only
# that browser: a link opened elsewhere proves the mailbox, not who chose the password.
SIGNED_UP_ADDRESS = "signed_up_address"


def address_digest(email: str) -> str:
    """Kept in the session cookie instead of the address itself."""
    return hashlib.sha256(services.normalise_email(email).encode()).hexdigest()


@bp.route("/signup", methods=["GET", "POST"])
@access.public
@_limit("RATELIMIT_SIGNUP")
def signup() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account_detail"))
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            services.sign_up(
                email=form.email.data,
                password=form.password.data,
                display_name=form.display_name.data,
                language=form.language.data,
            )
        except DomainError as exc:
            form.password.errors.append(exc.message)
        else:
            db.session.commit()
            # One answer for a new and a known address (the mail tells them apart), and no
            # log-in: a session cookie holding a user id would tell them apart too.
            session[SIGNED_UP_ADDRESS] = address_digest(form.email.data)
            session["lang"] = form.language.data  # the pages follow the chosen language
            with force_locale(form.language.data):
                flash(_("Check your inbox: we sent a mail to %(email)s with the next step.",
                        email=services.normalise_email(form.email.data)), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/signup.html", form=form), 200 if not form.errors else 422


@bp.get("/verify/<token>")
@access.token("email verification", check="a signed token (esof.tokens, EMAIL_VERIFY_MAX_AGE) naming the account "
                                          "and its current address, else 400")
def verify_email(token: str) -> ResponseReturnValue:
    try:
        user = services.verify_email(token)
    except DomainError as exc:
        return render_template("accounts/verify_failed.html", message=exc.message), 400
    db.session.commit()
    if not current_user.is_authenticated and same_secret(session.get(SIGNED_UP_ADDRESS), address_digest(user.email)):
        start_session(user)
    flash(_("Thank you, your email address is confirmed."), "success")
    return redirect(url_for("accounts.account_detail") if current_user.is_authenticated else url_for("accounts.login"))


@bp.post("/verify/resend")
@login_required
@access.login
@_limit("RATELIMIT_PASSWORD_RESET")
def resend_verification() -> ResponseReturnValue:
    form = ResendVerificationForm()
    if form.validate_on_submit() and not current_user.is_verified:
        services.send_verification_mail(current_user)
        db.session.commit()
        flash(_("We sent a new confirmation link."), "success")
    return redirect(url_for("accounts.account_detail"))


@bp.route("/login", methods=["GET", "POST"])
@access.public
@_limit("RATELIMIT_LOGIN")
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                email=form.email.data, password=form.password.data,
                ip_address=request.remote_addr or "", user_agent=request.user_agent.string,
            )
        except DomainError as exc:
            db.session.commit()  # the failed attempt in the account's log-in history, nothing else
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            start_session(user, remember=form.remember.data)
            flash(_("You are logged in."), "success")
            return redirect(safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form), 200 if not form.errors and not form.form_errors else 422


@bp.post("/logout")
@access.public
def logout() -> ResponseReturnValue:
    form = LogoutForm()
    if not form.validate_on_submit():
        return redirect(url_for("main.home"))
    logout_user()
    flash(_("You are logged out."), "info")
    return _forget_this_browser(redirect(url_for("main.home")))


def _forget_this_browser(response: Response) -> Response:
    """What a shared phone at the door must not keep after log-out: the offline door list and
    scan queue (IndexedDB), the door app's service worker and cached pages. The door page's
    script clears them too; this covers a log-out from any other page."""
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/password-reset", methods=["GET", "POST"])
@access.public
@_limit("RATELIMIT_PASSWORD_RESET")
def password_reset_request() -> ResponseReturnValue:
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(email=form.email.data)
        db.session.commit()
        # The same answer whether or not the address has an account.
        flash(_("If an account exists for that address, we sent it a link to set a new password."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/password_reset_request.html", form=form)


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
@access.token("password reset", check="a signed token (esof.tokens, PASSWORD_RESET_MAX_AGE) naming the account "
                                      "with its current log-in and reset nonces (single use, void after a newer link "
                                      "or a password change), else 400")
def reset_password(token: str) -> ResponseReturnValue:
    try:
        services.user_for_reset_token(token)
    except DomainError as exc:
        return render_template("accounts/verify_failed.html", message=exc.message), 400
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token=token, password=form.password.data)
        except DomainError as exc:
            form.password.errors.append(exc.message)
        else:
            db.session.commit()
            logout_user()
            flash(_("Your password is changed. Log in with the new one."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/password_reset.html", form=form)


@bp.route("/", methods=["GET", "POST"])
@login_required
@access.login
def account_detail() -> ResponseReturnValue:
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            services.update_profile(
                user=current_user, display_name=form.display_name.data, language=form.language.data
            )
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            session["lang"] = current_user.language  # the pages follow the chosen language
            flash(_("Your details are saved."), "success")
            return redirect(url_for("accounts.account_detail"))
    return render_template(
        "accounts/account_detail.html",
        form=form,
    ), 422 if form.errors or form.form_errors else 200


@bp.post("/logout-everywhere")
@login_required
@access.login
def logout_everywhere() -> ResponseReturnValue:
    form = LogoutEverywhereForm()
    if form.validate_on_submit():
        services.log_out_everywhere(user=current_user)
        db.session.commit()
        logout_user()
        flash(_("You are logged out on every device, this one included."), "info")
        return _forget_this_browser(redirect(url_for("accounts.login")))
    return redirect(url_for("accounts.account_detail"))
