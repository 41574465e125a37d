"""The app factory, configuration, health check, errors and security headers."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from esof import create_app
from esof.config import ConfigurationError, normalise_database_url

PRODUCTION = {
    "ESOF_ENV": "production",
    "SECRET_KEY": "s" * 40,
    "ESOF_BASE_URL": "https://esof2022.example.org",
    "MAIL_SERVER": "smtp.example.org",
}


def production_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **changes: str | None) -> None:
    """A complete production environment, with `changes` (None: the variable is not set)."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite")
    for name, value in {**PRODUCTION, **changes}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def test_production_refuses_to_start_without_secret_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    production_environment(monkeypatch, tmp_path, SECRET_KEY=None)
    with pytest.raises(ConfigurationError) as refused:
        create_app()
    assert str(refused.value) == "SECRET_KEY must be set in production (environment variable SECRET_KEY)."


@pytest.mark.parametrize(
    "base_url",
    [None, "http://127.0.0.1:5000", "http://localhost:8000", "http://127.0.0.1", "http://[::1]:5000",
     "esof2022.example.org", ""],
)
def test_production_refuses_to_start_with_a_base_url_nobody_can_open(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, base_url: str | None
) -> None:
    production_environment(monkeypatch, tmp_path, ESOF_BASE_URL=base_url)
    with pytest.raises(ConfigurationError) as refused:
        create_app()
    shown = repr(base_url or "http://127.0.0.1:5000")  # unset or empty: the default
    assert str(refused.value) == (
        "ESOF_BASE_URL must be the public address of the site in production, such as "
        f"https://esof2022.example.org (links in mails and feeds use it); it is {shown}."
    )


def test_production_refuses_to_start_without_mail_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    production_environment(monkeypatch, tmp_path, MAIL_SERVER=None)
    with pytest.raises(ConfigurationError, match="^MAIL_SERVER must be set in production") as refused:
        create_app()
    assert "ESOF_ENV=staging" in str(refused.value)


def test_production_names_every_missing_setting_at_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    production_environment(monkeypatch, tmp_path, SECRET_KEY=None, ESOF_BASE_URL=None, MAIL_SERVER=None)
    with pytest.raises(ConfigurationError) as refused:
        create_app()
    message = str(refused.value)
    assert [f"{name} must be" in message for name in ("SECRET_KEY", "ESOF_BASE_URL", "MAIL_SERVER")] == [True] * 3


def test_staging_starts_without_mail_server_on_a_local_address(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The explicit way to run production code that must not send mail (benches, trials)."""
    production_environment(monkeypatch, tmp_path, ESOF_ENV="staging", ESOF_BASE_URL="http://127.0.0.1:8000",
                           MAIL_SERVER=None)
    app = create_app()
    assert (app.config["ESOF_ENV"], app.config["MAIL_SERVER"], app.config["MAIL_SEND_INLINE"]) == (
        "staging", None, False)


def test_production_with_complete_settings_uses_secure_cookies(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    production_environment(monkeypatch, tmp_path)
    app = create_app()
    assert app.config["SECRET_KEY"] == "s" * 40
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["MAIL_SERVER"] == "smtp.example.org"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/x.sqlite"


def test_environment_variables_override_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.internal:5432/esof")
    monkeypatch.setenv("ESOF_BASE_URL", "https://esof2022.example.org")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("MAIL_USE_TLS", "true")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.internal:5432/esof"
    assert app.config["ESOF_BASE_URL"] == "https://esof2022.example.org"
    assert app.config["MAIL_SERVER"] == "smtp.example.org"
    assert app.config["MAIL_PORT"] == 2525
    assert app.config["MAIL_USE_TLS"] is True
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"


def test_development_secret_key_is_generated_once_and_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("ESOF_ENV", raising=False)
    first = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    first_key = first.config["SECRET_KEY"]
    second = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert len(first_key) >= 40
    assert second.config["SECRET_KEY"] == first_key


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://a@h/d", "postgresql+psycopg://a@h/d"),
        ("postgresql://a@h/d", "postgresql+psycopg://a@h/d"),
        ("postgresql+psycopg://a@h/d", "postgresql+psycopg://a@h/d"),
        ("sqlite:///x.sqlite", "sqlite:///x.sqlite"),
    ],
)
def test_database_url_is_normalised_to_psycopg3(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


def test_healthz_reports_database_ok(any_app: Flask) -> None:
    response = any_app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_unreachable_database(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_security_headers_on_every_page(client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_unknown_page_is_a_404_in_the_layout(client) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert '<main id="main"' in html
    assert "This page does not exist." in html


def test_unknown_api_path_answers_json_404(client) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json()["status"] == 404
    assert response.get_json()["reason"]


def test_unhandled_error_is_a_500_page_and_rolls_back(app: Flask) -> None:
    from esof.accounts.models import User
    from esof.extensions import db

    @app.get("/boom")
    def boom():
        db.session.add(User(email="half@example.org", password_hash=None))
        db.session.flush()
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
    db.session.remove()
    assert db.session.query(User).filter_by(email="half@example.org").count() == 0


def test_home_page_states_dates_in_amsterdam_time(client) -> None:
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Wednesday 13 July 2022, 09:00 CEST" in html
    assert "Saturday 16 July 2022, 17:00 CEST" in html
    assert "Europe/Amsterdam" in html
