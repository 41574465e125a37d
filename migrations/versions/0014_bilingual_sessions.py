"""programme: Dutch titles and abstracts of sessions, in the draft and in published versions

Revision ID: m1_bilingual_sessions
Revises: l1_speaker_area
"""
import sqlalchemy as sa
from alembic import op

revision = "m1_bilingual_sessions"
down_revision = "l1_speaker_area"
branch_labels = None
depends_on = None

TABLES = ("programme_session", "published_session")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("title_nl", sa.String(length=300), server_default="", nullable=False))
            batch_op.add_column(sa.Column("abstract_nl", sa.Text(), server_default="", nullable=False))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("abstract_nl")
            batch_op.drop_column("title_nl")
