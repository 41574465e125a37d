"""PostgreSQL restarted (`pg_ctl restart -m fast` on our own cluster) while the new writers are
under load: a limited voucher, proposals, decisions and door phones' offline queues.

Requests caught in the restart may fail (they are counted, and only fall in its window); every
one after it is answered; nothing answered with success is lost and nothing is doubled. People
try again after a failed answer, as they do: a proposal sent again is the one stored.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.ops.processes import app_environment, fresh_database, gunicorn, migrate, postgres_cluster
from tests.ops.writers import Ledger, Stored, build_world, check_stored, data_app, run_writers

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

# The window in which a request may fail: the restart itself, then the seconds until every
# worker's pool has replaced its dead connections.
SETTLING = 10.0


def test_postgres_restart_mid_load_loses_no_confirmed_write_and_doubles_none(tmp_path: Path) -> None:
    with postgres_cluster() as cluster, fresh_database(cluster.admin_url, prefix="esof") as url:
        migrate(url)
        data = data_app(url)
        world = build_world(data, voucher_uses=6, registrants=14, speakers=10, decidable=6, tickets=18)
        env = app_environment(url, DATABASE_CONNECT_TIMEOUT="2")
        ledger = Ledger()
        window: list[float] = []

        def restart() -> None:
            window.append(time.monotonic())
            cluster.restart()
            window.append(time.monotonic())

        with gunicorn(env, tmp_path / "gunicorn.log") as server:
            master = server.process.pid if server.process else None
            finals = run_writers(data, world, [server.url], ledger, fault=restart, after=8)
            assert server.process is not None and server.process.pid == master and server.process.poll() is None
            answered_500 = server.log().count('" 500 ')  # the access log's status field
        stored = Stored.read(data, world)

    figures = check_stored(stored, world, finals)
    started, done = window
    failed = [(round(t - started, 1), what, status) for t, what, status in ledger.answers
              if status == 0 or status >= 500]
    # Failures only in the restart's window, and the writers went on after it.
    assert all(-0.5 <= t <= done - started + SETTLING for t, _, _ in failed), failed
    assert any(t > done for t, _, status in ledger.answers if status < 500 and status != 0)
    print(f"postgres restart ({done - started:.1f} s): {len(ledger.answers)} requests, {len(failed)} failed in the"
          f" window (at {[t for t, _, _ in failed][:12]} s; {sorted({(w, s) for _, w, s in failed})}),"
          f" 500s in the access log {answered_500}; {figures}")
