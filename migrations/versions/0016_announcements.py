"""mail: announcements to delegates and their opt-out (placeholder, filled by issue 20)

Revision ID: o1_announcements
Revises: n1_back_office_people
"""

revision = "o1_announcements"
down_revision = "n1_back_office_people"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
