"""gunicorn.conf.py and the production settings of wsgi.py, read from the environment."""
from __future__ import annotations

import os
import runpy
import subprocess
from pathlib import Path

import pytest
from flask import Flask, request

from esof.ops import engine_options_from_environment, trust_proxies
from tests.ops.processes import PYTHON, REPO


def gunicorn_settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, object]:
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT", "GUNICORN_BIND"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(REPO / "gunicorn.conf.py"))


def test_gunicorn_defaults_follow_the_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = gunicorn_settings(monkeypatch)
    cpus = settings["cpu_count"]()
    assert settings["workers"] == min(2 * cpus + 1, 17)
    assert (settings["wsgi_app"], settings["worker_class"], settings["threads"]) == ("wsgi:app", "sync", 1)
    assert (settings["timeout"], settings["accesslog"], settings["preload_app"]) == (30, "-", False)
    assert settings["bind"] == "127.0.0.1:8000"


def test_gunicorn_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = gunicorn_settings(monkeypatch, WEB_CONCURRENCY="3", GUNICORN_THREADS="4",
                                 GUNICORN_TIMEOUT="60", GUNICORN_BIND="0.0.0.0:9000")
    assert (settings["workers"], settings["threads"], settings["worker_class"]) == (3, 4, "gthread")
    assert (settings["timeout"], settings["bind"]) == (60, "0.0.0.0:9000")


def test_default_workers_are_capped() -> None:
    settings = runpy.run_path(str(REPO / "gunicorn.conf.py"))
    assert [settings["default_workers"](n) for n in (1, 2, 4, 8, 16)] == [3, 5, 9, 17, 17]


def test_pool_options_from_environment() -> None:
    assert engine_options_from_environment({}) == {}
    assert engine_options_from_environment({
        "DATABASE_URL": "postgresql://db/esof", "DATABASE_POOL_SIZE": "4", "DATABASE_MAX_OVERFLOW": "2",
        "DATABASE_POOL_RECYCLE": "1800", "DATABASE_POOL_TIMEOUT": "10", "DATABASE_CONNECT_TIMEOUT": "3",
    }) == {"pool_size": 4, "max_overflow": 2, "pool_recycle": 1800,
           "pool_timeout": 10, "connect_args": {"connect_timeout": 3}}
    with pytest.raises(ValueError):
        engine_options_from_environment({"DATABASE_POOL_SIZE": "many"})


def _client_seen(environ: dict[str, str]) -> tuple[str, str]:
    app = Flask(__name__)

    @app.get("/")
    def who() -> str:
        return f"{request.remote_addr} {request.scheme}"

    trust_proxies(app, environ)
    answer = app.test_client().get("/", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
                                   environ_base={"REMOTE_ADDR": "10.0.0.2"})
    address, scheme = answer.get_data(as_text=True).split()
    return address, scheme


def test_forwarded_headers_believed_only_behind_configured_proxies() -> None:
    assert _client_seen({}) == ("10.0.0.2", "http")  # a client cannot forge its address
    assert _client_seen({"ESOF_PROXY_HOPS": "1"}) == ("203.0.113.7", "https")


def test_redis_rate_limit_storage_falls_back_to_memory() -> None:
    from tests.conftest import make_app

    app = make_app("sqlite://", RATELIMIT_STORAGE_URI=None, REDIS_URL="redis://127.0.0.1:1/0")
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:1/0"
    assert app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] is True
    assert app.config["RATELIMIT_SWALLOW_ERRORS"] is True
    assert app.config["RATELIMIT_STORAGE_OPTIONS"] == {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
    without = make_app("sqlite://")
    assert without.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED" not in without.config


def import_wsgi(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess:
    """Load wsgi.py as gunicorn does, in a process whose only settings are these."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("ESOF_", "MAIL_", "DATABASE_", "REDIS_", "SECRET_KEY"))}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path}/esof.sqlite", "SECRET_KEY": "k" * 40, **settings})
    return subprocess.run([PYTHON, "-c", "import wsgi"], cwd=REPO, env=env, capture_output=True, text=True,
                          check=False, timeout=60)


def test_wsgi_refuses_to_start_on_the_default_address_without_mail_server(tmp_path: Path) -> None:
    """wsgi.py means production unless told otherwise: no dead links in mails, no lost mail."""
    result = import_wsgi(tmp_path)

    assert result.returncode == 1
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("esof.config.ConfigurationError: ESOF_BASE_URL must be the public address")
    assert "'http://127.0.0.1:5000'" in last_line
    assert "MAIL_SERVER must be set in production" in last_line


def test_wsgi_starts_with_a_public_address_and_mail_server(tmp_path: Path) -> None:
    result = import_wsgi(tmp_path, ESOF_BASE_URL="https://esof2022.example.org", MAIL_SERVER="smtp.example.org")

    assert (result.returncode, result.stderr) == (0, "")


def test_wsgi_in_staging_starts_without_mail_server(tmp_path: Path) -> None:
    """The explicit opt-out the benches and the ops tests use: staging sends no mail by itself."""
    result = import_wsgi(tmp_path, ESOF_ENV="staging", ESOF_BASE_URL="http://127.0.0.1:8000")

    assert (result.returncode, result.stderr) == (0, "")
