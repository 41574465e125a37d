"""Several app servers may run `flask db upgrade heads` at the same moment on deploy."""
from __future__ import annotations

import subprocess

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from tests.ops.processes import PYTHON, REPO, app_environment, fresh_database
from tests.support import POSTGRES_ADMIN_URL, require_service
from tests.test_migrations import differences


@pytest.mark.postgres
@pytest.mark.slow
def test_two_simultaneous_upgrades_on_an_empty_database_both_succeed_once() -> None:
    require_service("postgres", POSTGRES_ADMIN_URL)
    with fresh_database() as url:
        env = app_environment(url)
        upgrades = [
            subprocess.Popen([PYTHON, "-m", "flask", "--app", "esof", "db", "upgrade", "heads"],
                             cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        outcomes = [(p.wait(timeout=180), p.stderr.read()) for p in upgrades]

        assert [code for code, _ in outcomes] == [0, 0], [err[-1500:] for _, err in outcomes]
        # One of them ran the migrations; the other waited for the advisory lock and found nothing to do.
        ran = [err.count("Running upgrade") for _, err in outcomes]
        assert sorted(ran)[0] == 0 and sorted(ran)[1] > 0
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            stamped = set(conn.scalars(sa.text("SELECT version_num FROM alembic_version")))
        engine.dispose()
        heads = set(ScriptDirectory(str(REPO / "migrations")).get_heads())
        assert stamped == heads
        assert differences(url) == []
