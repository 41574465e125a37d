"""registration: invoices, credit notes, refunds (placeholder, filled by issue 21)

Revision ID: q1_invoices_refunds
Revises: p1_vouchers_questions
"""

revision = "q1_invoices_refunds"
down_revision = "p1_vouchers_questions"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
