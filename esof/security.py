"""HTTP security headers on every response; what the public calendar feeds skip (rate limits,
the session cookie)."""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data: https:",
        "style-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def add_security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "geolocation=(), microphone=()")
        if app.config.get("ESOF_ENV") == "production":
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response


# Calendar clients poll these all day: public, read-only, cached, the same for everybody.
# No rate limit, and no session cookie in the answer, so shared caches may keep them.
FEED_BLUEPRINTS = frozenset({"feeds"})


def skip_rate_limit_middleware(app: Flask, check: Callable[[], None]) -> None:
    """Flask-Limiter resolves (and then exempts) every request in a before_request hook, which
    costs a polled feed about a tenth of its time. Run that hook for other requests only.
    Limits set with @limiter.limit are checked by their decorator, not by this hook."""
    hooks = app.before_request_funcs.setdefault(None, [])
    position = hooks.index(check)

    def check_rate_limits() -> None:
        if request.blueprint not in FEED_BLUEPRINTS:
            check()

    hooks[position] = check_rate_limits


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except that a feed answer whose session nobody changed
    neither refreshes the cookie nor says `Vary: Cookie` (Flask-Login reads the session after
    every request, which would otherwise add it): a feed is the same whoever asks."""

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if request.blueprint in FEED_BLUEPRINTS and not session.modified:
            return
        super().save_session(app, session, response)
