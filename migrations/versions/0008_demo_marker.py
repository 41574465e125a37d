"""registration: the conference settings say whether the site holds demo data

`flask demo-data` sets demo_loaded_at (and demo_historic with --historic), so the home and
registration pages can tell a visitor that this is demo data of a past event.

Revision ID: g1_demo_marker
Revises: f1_published_session_content
"""
import sqlalchemy as sa
from alembic import op

revision = "g1_demo_marker"
down_revision = "f1_published_session_content"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("conference_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("demo_loaded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("demo_historic", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("conference_settings", schema=None) as batch_op:
        batch_op.drop_column("demo_historic")
        batch_op.drop_column("demo_loaded_at")
