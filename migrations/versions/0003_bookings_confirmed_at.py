"""bookings: when a booking got its seat

Revision ID: b6_bookings_confirmed_at
Revises: a3_registration_waitlist
"""
from alembic import op
import sqlalchemy as sa

revision = "b6_bookings_confirmed_at"
down_revision = "a3_registration_waitlist"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_column("confirmed_at")
