"""Shared bench plumbing: a fresh PostgreSQL database with demo data, gunicorn on a free
port, and an HTTP load loop that reports rate and latency percentiles.

Only localhost is ever a target. Every process started here is stopped by its pid.
"""
from __future__ import annotations

import http.client
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
POSTGRES_ADMIN_URL = os.environ.get("ESOF_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


# A fresh key per bench run, shared by the servers and the bench that signs cookies/links.
BENCH_SECRET_KEY = secrets.token_urlsafe(32)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def fresh_postgres_database(prefix: str = "esof_bench") -> Iterator[str]:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def app_environment(database_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url,
        "SECRET_KEY": BENCH_SECRET_KEY,
        # Not "production", which refuses to start without MAIL_SERVER: a bench sends no mail
        # (it stays in the outbox; no worker runs). Staging differs only in Secure cookies and HSTS.
        "ESOF_ENV": "staging",
        "ESOF_BASE_URL": "http://127.0.0.1",
        "GUNICORN_ACCESS_LOG": "",  # writing a log line per request would be measured too
        # Steady state: a worker replaced mid-run (a 1.5 s start) would land in one scenario only.
        "GUNICORN_MAX_REQUESTS": "0",
    })
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def flask(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "-m", "flask", "--app", "esof", *args], cwd=REPO, env=env, check=True,
                   stdout=subprocess.DEVNULL)


@contextmanager
def gunicorn(env: dict[str, str], *, workers: int = 4, threads: int = 1) -> Iterator[str]:
    """Serve wsgi:app on a free port; yields 'host:port'."""
    port = free_port()
    process = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        cwd=REPO, env=env,
    )
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _body, _headers = get(address, "/livez")
                if status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not come up")
        yield address
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def get(address: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    host, port = address.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        conn.close()


@dataclass
class LoadResult:
    name: str
    requests: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else 0.0


def hammer(address: str, path: str, *, name: str, total: int, concurrency: int = 8,
           headers: dict[str, str] | None = None) -> LoadResult:
    """`total` GETs of `path` over `concurrency` keep-alive connections."""
    host, port = address.split(":")
    result = LoadResult(name=name, requests=total, seconds=0.0)
    lock = threading.Lock()
    remaining = [total]

    def worker() -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        latencies: list[float] = []
        statuses: Counter = Counter()
        while True:
            with lock:
                if remaining[0] <= 0:
                    break
                remaining[0] -= 1
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers or {})
                response = conn.getresponse()
                response.read()
                statuses[response.status] += 1
            except (OSError, http.client.HTTPException):
                statuses["error"] += 1
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=30)
            latencies.append(time.perf_counter() - started)
        conn.close()
        with lock:
            result.latencies.extend(latencies)
            result.statuses.update(statuses)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


def markdown_table(results: list[LoadResult], baseline: LoadResult) -> str:
    lines = ["| scenario | requests/s | ratio to baseline | p50 ms | p99 ms | statuses |",
             "| --- | ---: | ---: | ---: | ---: | --- |"]
    for r in [baseline, *results]:
        statuses = ", ".join(f"{k}×{v}" for k, v in sorted(r.statuses.items(), key=str))
        lines.append(f"| {r.name} | {r.rate:.0f} | {r.rate / baseline.rate:.2f} | {r.p50:.1f} | "
                     f"{r.percentile(99):.1f} | {statuses} |")
    return "\n".join(lines)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def redis_server() -> Iterator[str | None]:
    """Our own redis-server (rate limits and the feed cache, as in production), if installed."""
    if shutil.which("redis-server") is None:
        yield None
        return
    port = free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(process)
