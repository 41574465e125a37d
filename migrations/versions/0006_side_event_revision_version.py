"""side events: a version number on revisions, for optimistic concurrency in moderation

Revision ID: e1_side_event_revision_version
Revises: d1_mail_failures_and_lease
"""
import sqlalchemy as sa
from alembic import op

revision = "e1_side_event_revision_version"
down_revision = "d1_mail_failures_and_lease"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("side_event_revision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    with op.batch_alter_table("side_event_revision", schema=None) as batch_op:
        batch_op.drop_column("version")
