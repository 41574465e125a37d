"""accounts: the reviewer role (the committee that scores proposals of the call for sessions)

Revision ID: j1_reviewer_role
Revises: i1_schedule_solver
"""
import sqlalchemy as sa
from alembic import op

revision = "j1_reviewer_role"
down_revision = "i1_schedule_solver"
branch_labels = None
depends_on = None

BEFORE = ("delegate", "speaker", "partner", "organiser", "checkin", "admin")
AFTER = ("delegate", "speaker", "partner", "organiser", "checkin", "reviewer", "admin")


def _allow(roles: tuple[str, ...]) -> None:
    with op.batch_alter_table("user_role", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_role_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_user_role_role"), sa.column("role").in_(roles))


def upgrade():
    _allow(AFTER)


def downgrade():
    op.execute("DELETE FROM user_role WHERE role = 'reviewer'")
    _allow(BEFORE)
