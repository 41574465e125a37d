"""ESOF 2022 event platform: the application factory."""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask

from esof import config as settings
from esof.form_input import FormRequest


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.request_class = FormRequest
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    app.config.from_object(settings.DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(settings.settings_from_environment(os.environ))
    if test_config:
        app.config.update(test_config)
    finalise_config(app)

    register_extensions(app)
    register_signal_receivers(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_request_hooks(app)
    register_commands(app)
    return app


def finalise_config(app: Flask) -> None:
    """Derive settings that depend on others, and refuse unsafe production settings."""
    production = app.config["ESOF_ENV"] == "production"
    if production:
        problems = settings.production_problems(app.config)
        if problems:  # all of them at once, so one restart fixes them
            raise settings.ConfigurationError(" ".join(problems))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.development_secret_key(Path(app.instance_path))
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(app.instance_path) / "esof.sqlite")
    app.config["SQLALCHEMY_DATABASE_URI"] = settings.normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # Set once per connection rather than per transaction: one round trip less on
        # every booking. A per-connection default, so each statement may still lower it.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("options", f"-c lock_timeout={int(app.config['DATABASE_LOCK_TIMEOUT_MS'])}")
        options["connect_args"] = connect_args
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # Waits for a busy writer instead of failing at once; see docs/ARCHITECTURE.md.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("connect_args", {}).setdefault("timeout", 30)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if production:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"
    if app.config.get("MAIL_SEND_INLINE") is None:
        app.config["MAIL_SEND_INLINE"] = app.config["ESOF_ENV"] == "development"
    if app.config.get("REDIS_URL") and not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis", "rediss")):
        # Redis away: count in process memory (logged), ask Redis again with back-off and
        # go back to it when it answers; a hung Redis costs at most 0.5 s. docs/DEPLOYMENT.md.
        app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
        app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS", {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
        )


def register_extensions(app: Flask) -> None:
    from esof import i18n
    from esof.accounts.auth import handle_unauthorized, load_user
    from esof.extensions import babel, csrf, db, limiter, login_manager, migrate
    from esof.security import SessionInterface, skip_rate_limit_middleware

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    skip_rate_limit_middleware(app, limiter._check_request_limit)
    app.session_interface = SessionInterface()
    # Set before init_app: Flask-Babel reads the directories once, there. Catalogues without a
    # current .mo (a wheel, a fresh clone) are compiled into the instance folder first.
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(
        i18n.translation_directories(Path(app.instance_path) / "translations")
    )
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=i18n.select_timezone,
    )
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(handle_unauthorized)

    from esof.db_events import register_database_events

    register_database_events(app)
    import esof.models  # noqa: F401  (every table known to metadata)


def register_signal_receivers(app: Flask) -> None:
    """Areas react to each other's signals and to commits here, never as a side effect of an import."""
    from esof.announcements import receivers as announcement_receivers
    from esof.bookings.receivers import connect_receivers
    from esof.checkin import receivers as checkin_receivers
    from esof.feeds.links import register_link_helpers
    from esof.feeds.stamps import listen_for_feed_changes
    from esof.speakers import receivers as speaker_receivers

    connect_receivers()
    speaker_receivers.connect_receivers()
    announcement_receivers.connect_receivers()
    checkin_receivers.connect_receivers()
    listen_for_feed_changes()
    register_link_helpers(app)


AREAS_WITH_VIEWS = (
    "accounts", "venues", "programme", "registration", "bookings", "side_events",
    "mail", "feeds", "checkin", "api", "cfp", "speakers", "admin", "announcements",
    "organiser",
)


def register_blueprints(app: Flask) -> None:
    from importlib import import_module

    from esof.main import bp as main_bp

    app.register_blueprint(main_bp)
    for area in AREAS_WITH_VIEWS:
        app.register_blueprint(import_module(f"esof.{area}.views").bp)


def register_error_handlers(app: Flask) -> None:
    from esof.errors import register_error_handlers as register

    register(app)


def register_request_hooks(app: Flask) -> None:
    from esof import i18n, security

    security.register_security_headers(app)
    register_inline_mail_delivery(app)
    i18n.register_template_helpers(app)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)


def register_commands(app: Flask) -> None:
    from esof.cli import register_cli

    register_cli(app)


def register_inline_mail_delivery(app: Flask) -> None:
    from flask import Response, g

    @app.after_request
    def deliver_queued_mail(response: Response) -> Response:
        if app.config["MAIL_SEND_INLINE"] and g.get("mail_queued"):
            from esof.mail.services import deliver_due_mail

            try:
                deliver_due_mail(limit=20)
            except Exception:  # the outbox keeps it; the worker retries
                app.logger.exception("Inline mail delivery failed; the message stays queued")
        return response
