"""Domain errors and the one place that turns errors into HTML pages or JSON."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask, Response, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from esof.extensions import db

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the domain refused an action; the message is safe to show to the user."""

    status_code = 400
    default_message = _l("This action is not possible.")

    def __init__(self, message: str | None = None) -> None:
        self.message = str(message) if message is not None else str(self.default_message)
        super().__init__(self.message)


class NotFound(DomainError):
    status_code = 404
    default_message = _l("Not found.")


class PermissionDenied(DomainError):
    status_code = 403
    default_message = _l("You do not have permission to do this.")


class ValidationFailed(DomainError):
    status_code = 400
    default_message = _l("The input is not valid.")


class Conflict(DomainError):
    status_code = 409
    default_message = _l("This conflicts with the current state.")


class CapacityExceeded(Conflict):
    default_message = _l("There is no capacity left.")


class RegistrationClosed(Conflict):
    default_message = _l("Registration is closed.")


class SlotClash(Conflict):
    default_message = _l("This clashes with another session.")


class Busy(DomainError):
    """A row lock was not granted in time: nothing was saved, the same request may be sent again."""

    status_code = 503
    default_message = _l("The system is busy, please try again in a moment.")
    retry_after_seconds = 1

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_seconds)}


def is_lock_failure(exc: sa.exc.DBAPIError) -> bool:
    """A lock that was not granted in time (or a deadlock): worth retrying, not a bug."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in {"55P03", "40P01", "40001", "57014"}:  # lock_not_available, deadlock, serialization, cancel
        return True
    message = str(exc.orig).lower()
    return "database is locked" in message or "database table is locked" in message


@contextmanager
def busy_on_lock_timeout() -> Iterator[None]:
    """Turn a lock wait past the database's limit into Busy ("try again"), not a 500.

    Shared by every area that takes row locks; also usable as a decorator."""
    try:
        yield
    except sa.exc.OperationalError as exc:
        if is_lock_failure(exc):
            raise Busy() from exc
        raise


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def _render(status: int, title: str, message: str) -> tuple[Response | str, int]:
    if wants_json():
        return jsonify(error=title, reason=message, status=status), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError) -> ResponseReturnValue:
        db.session.rollback()
        body, status = _render(error.status_code, type(error).__name__, error.message)
        return body, status, error.headers if isinstance(error, Busy) else {}

    @app.errorhandler(sa.exc.OperationalError)
    def handle_lock_failure(error: sa.exc.OperationalError) -> ResponseReturnValue:
        """Every area: a lock wait past the limit that no view turned into Busy is still a 503."""
        if not is_lock_failure(error):
            raise error  # a real failure: the 500 handler (or, in tests, the test) gets it
        db.session.rollback()  # first: the message's language is read from the (failed) session's user
        return handle_domain_error(Busy())

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError) -> ResponseReturnValue:
        message = _l("The form has expired or is missing its security token. Please try again.")
        return _render(400, "CSRFError", str(message))

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException) -> ResponseReturnValue:
        status = error.code or 500
        messages = {
            400: _l("The request could not be understood."),
            403: _l("You do not have permission to see this page."),
            404: _l("This page does not exist."),
            405: _l("This method is not allowed here."),
            413: _l("The request is too large: send less at once (a smaller file, fewer items)."),
            429: _l("Too many attempts. Please wait a moment and try again."),
        }
        message = str(messages.get(status, error.description or ""))
        return _render(status, error.name, message)

    @app.errorhandler(500)
    def handle_server_error(error: Exception) -> ResponseReturnValue:
        db.session.rollback()
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return _render(500, "Internal Server Error", str(_l("Something went wrong on our side. It has been logged.")))
