"""checkin: scans made offline at the door (placeholder, filled by issue 19)

Revision ID: r1_offline_scans
Revises: q1_invoices_refunds
"""

revision = "r1_offline_scans"
down_revision = "q1_invoices_refunds"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
