"""Real processes for the ops tests: our own redis-server, our own PostgreSQL cluster,
gunicorn serving wsgi:app with gunicorn.conf.py, and mail workers.

Every process is started here on a free localhost port and stopped by its pid; the system
PostgreSQL (5432) and Redis (6379) are never touched except to create and drop our own
databases through tests.support.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from tests.support import POSTGRES_ADMIN_URL, csrf_token_from

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, *, timeout: float, interval: float = 0.1, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (OSError, requests.RequestException):
            pass
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def stop_process(process: subprocess.Popen, *, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    """Stop one process we started, by its pid."""
    if process.poll() is not None:
        return
    os.kill(process.pid, sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


# --------------------------------------------------------------------------- Redis


class RedisServer:
    """A private redis-server without persistence; `kill()` simulates a crash."""

    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            pytest.fail("redis-server is not installed") if os.environ.get("CI") == "true" else \
                pytest.skip("redis-server is not installed; set CI=true to make this a failure")
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until(self.ping, timeout=10, what="redis-server")

    def client(self):
        import redis

        return redis.Redis.from_url(self.url, socket_timeout=1, socket_connect_timeout=1)

    def ping(self) -> bool:
        import redis

        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def kill(self) -> None:
        if self.process is not None:
            stop_process(self.process, sig=signal.SIGKILL)
            self.process = None

    def keys(self, pattern: str) -> list[bytes]:
        return list(self.client().scan_iter(pattern))


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.kill()


# --------------------------------------------------------------------------- PostgreSQL


@contextmanager
def fresh_database(admin_url: str = POSTGRES_ADMIN_URL, prefix: str = "esof_ops") -> Iterator[str]:
    """An empty database of our own (created and dropped here); yields its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    _admin_execute(admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin_execute(admin_url: str, statement: str) -> None:
    """One statement on a connection of its own (a pooled one may not survive a restart)."""
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(statement))
    finally:
        admin.dispose()


def _postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        message = "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
        pytest.fail(message) if os.environ.get("CI") == "true" else pytest.skip(message)
    return found[-1]


class PostgresCluster:
    """A throwaway PostgreSQL cluster (initdb into a temp dir) on a free port.

    initdb refuses to run as root; then the cluster belongs to the `postgres` system user.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="esof-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=120)

    def init(self) -> None:
        self._run(_postgres_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--no-sync", "-E", "UTF8", "--locale=C.UTF-8")
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} "
                   "-c fsync=off -c max_connections=200")
        (self.directory / "options").write_text(options)

    def ctl(self, *args: str) -> None:
        options = (self.directory / "options").read_text()
        self._run(_postgres_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
                  "-w", "-t", "60", *args)

    def start(self) -> None:
        self.ctl("start")

    def restart(self) -> None:
        """What an operator does: a fast restart that drops every connection."""
        self.ctl("restart", "-m", "fast")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.ctl("stop", "-m", "immediate")

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


@contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        cluster.remove()


# --------------------------------------------------------------------------- the app


def app_environment(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of an app server or worker: no settings but these."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("ESOF_", "MAIL_", "DATABASE_", "GUNICORN_", "REDIS_"))}
    env.update({
        "DATABASE_URL": database_url,
        "SECRET_KEY": "ops-test-secret-key-not-for-production",
        # Not "production": that sets Secure cookies, which a client on http:// never returns.
        "ESOF_ENV": "staging",
        "ESOF_BASE_URL": "http://esof.test",
        "ESOF_PROXY_HOPS": "1",  # clients send X-Forwarded-For like a load balancer would
        "DATABASE_CONNECT_TIMEOUT": "3",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


def flask_command(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "flask", "--app", "esof", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


class Gunicorn:
    """gunicorn -c gunicorn.conf.py (wsgi:app) on a free port; its log is kept in a file."""

    def __init__(self, env: dict[str, str], log_path: Path, *, workers: int = 2) -> None:
        self.port = free_port()
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(workers),
                    "GUNICORN_LOG_LEVEL": "info"}
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "-c", str(REPO / "gunicorn.conf.py")],
            cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        wait_until(lambda: requests.get(self.url + "/livez", timeout=2).status_code == 200,
                   timeout=60, interval=0.2, what=f"gunicorn on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def gunicorn(env: dict[str, str], log_path: Path, *, workers: int = 2) -> Iterator[Gunicorn]:
    server = Gunicorn(env, log_path, workers=workers)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def mail_worker(env: dict[str, str], *, interval: float = 0.2) -> subprocess.Popen:
    """`flask send-mail --forever`, as deployed (a systemd unit or a container); output piped."""
    return subprocess.Popen(
        [PYTHON, "-m", "flask", "--app", "esof", "send-mail", "--forever", "--interval", str(interval)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def migrate(database_url: str) -> None:
    result = flask_command(app_environment(database_url), "db", "upgrade", "heads")
    assert result.returncode == 0, result.stderr[-2000:]


# --------------------------------------------------------------------------- HTTP clients


class WebUser:
    """A browser-like client of one app server: cookies, CSRF tokens, its own client address."""

    def __init__(self, base_url: str, *, address: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        self.http.headers["X-Forwarded-For"] = address

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.base_url + path, timeout=30, allow_redirects=False, **kwargs)

    def post_form(self, path: str, data: dict[str, Any], *, page: str | None = None,
                  **kwargs: Any) -> requests.Response:
        token = csrf_token_from(self.get(page or path).text)
        return self.http.post(self.base_url + path, data={"csrf_token": token, **data}, timeout=30,
                              allow_redirects=False, **kwargs)

    def log_in(self, email: str, password: str) -> requests.Response:
        return self.post_form("/account/login", {"email": email, "password": password})
