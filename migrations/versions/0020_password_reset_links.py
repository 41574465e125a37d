"""accounts: a nonce in password-reset links, so a newer link or a password change voids older ones

Revision ID: s1_password_reset_links
Revises: r1_offline_scans
"""
import sqlalchemy as sa
from alembic import op

revision = "s1_password_reset_links"
down_revision = "r1_offline_scans"
branch_labels = None
depends_on = None


def upgrade():
    # Existing accounts get "" (no rows written); their next reset link sets a random one.
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("password_reset_nonce", sa.String(length=16), server_default="", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("password_reset_nonce")
