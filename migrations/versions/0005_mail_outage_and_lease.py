"""mail: count a message's own failures apart from outages; a claim lease for SQLite senders

Revision ID: d1_mail_failures_and_lease
Revises: c1_checkin_door_presence
"""
import sqlalchemy as sa
from alembic import op

revision = "d1_mail_failures_and_lease"
down_revision = "c1_checkin_door_presence"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_failures", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(op.f("ck_outbox_message_message_failures_not_negative"), "message_failures >= 0")


def downgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_outbox_message_message_failures_not_negative"), type_="check")
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claim_token")
        batch_op.drop_column("message_failures")
