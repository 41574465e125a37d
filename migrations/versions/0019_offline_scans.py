"""checkin: scans made offline at the door, sent later with the scanner's own id for each

Revision ID: r1_offline_scans
Revises: q1_invoices_refunds
"""
import sqlalchemy as sa
from alembic import op

revision = "r1_offline_scans"
down_revision = "q1_invoices_refunds"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(length=16), server_default="", nullable=False))
        batch_op.create_unique_constraint(batch_op.f("uq_check_in_client_id"), ["client_id"])


def downgrade():
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_check_in_client_id"), type_="unique")
        batch_op.drop_column("source")
        batch_op.drop_column("client_id")
