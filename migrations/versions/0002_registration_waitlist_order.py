"""registration: conference-wide waiting-list sequence, cancel reason, settings row

Revision ID: a3_registration_waitlist
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "a3_registration_waitlist"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("conference_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("waitlist_issued", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancel_reason", sa.String(length=20), server_default="", nullable=False))
        batch_op.create_index("uq_registration_waitlist_position", ["waitlist_position"], unique=True)
    # The one settings row the capacity UPDATEs work on.
    op.execute(
        "INSERT INTO conference_settings (id, onsite_cap, onsite_confirmed, waitlist_issued) "
        "SELECT 1, NULL, 0, 0 WHERE NOT EXISTS (SELECT 1 FROM conference_settings WHERE id = 1)"
    )


def downgrade():
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_index("uq_registration_waitlist_position")
        batch_op.drop_column("cancel_reason")
    with op.batch_alter_table("conference_settings", schema=None) as batch_op:
        batch_op.drop_column("waitlist_issued")
