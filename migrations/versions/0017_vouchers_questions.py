"""registration: vouchers, organisers' questions, billing details (placeholder, filled by issue 21)

Revision ID: p1_vouchers_questions
Revises: o1_announcements
"""

revision = "p1_vouchers_questions"
down_revision = "o1_announcements"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
