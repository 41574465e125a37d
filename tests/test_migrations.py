"""The migrations build the whole schema, and the models have nothing they lack."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from esof.extensions import db
from tests.conftest import BASE_TEST_CONFIG, make_app
from tests.support import POSTGRES_ADMIN_URL, postgres_url_for, require_service, run_migrations


def differences(database_url: str) -> list[object]:
    app = make_app(database_url)
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            found = compare_metadata(context, db.metadata)
            tables = set(sa.inspect(connection).get_table_names())
        db.engine.dispose()
    assert {"user_account", "registration", "programme_session", "side_event", "booking"} <= tables
    return found


def test_sqlite_upgrade_from_empty_matches_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    run_migrations(url, BASE_TEST_CONFIG)
    assert differences(url) == []


def test_postgresql_upgrade_from_empty_matches_models() -> None:
    require_service("postgres", POSTGRES_ADMIN_URL)
    name = f"esof_mig_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = postgres_url_for(name)
        run_migrations(url, BASE_TEST_CONFIG)
        # Running it again (a second app server starting) is a no-op, not an error.
        run_migrations(url, BASE_TEST_CONFIG)
        assert differences(url) == []
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_foreign_keys_are_enforced_on_sqlite(app) -> None:
    from esof.venues.models import Room

    db.session.add(Room(venue_id=999_999, name="Nowhere", capacity=10))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()


def test_migration_history_is_one_line() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from tests.support import REPO_ROOT

    config = Config()
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    script = ScriptDirectory.from_config(config)
    assert len(script.get_heads()) == 1, "two migrations claim the same parent: chain them"


def test_every_role_can_be_stored_by_the_migrated_schema(any_app) -> None:
    """The role column's CHECK constraint comes from the migrations: a new role needs one."""
    from esof.accounts.models import Role
    from esof.accounts.services import grant_role
    from tests.factories import UserFactory

    user = UserFactory()
    for role in Role:
        grant_role(user=user, role=role, actor=None)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(type(user), user.id).roles == set(Role)
