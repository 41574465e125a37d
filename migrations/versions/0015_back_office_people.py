"""accounts: log-in history and log-out-everywhere (placeholder, filled by issue 20)

Revision ID: n1_back_office_people
Revises: m1_bilingual_sessions
"""

revision = "n1_back_office_people"
down_revision = "m1_bilingual_sessions"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
