"""speakers: a photo address on people, and each speaker's answer to taking part in a session

Revision ID: l1_speaker_area
Revises: k1_call_for_sessions
"""
import sqlalchemy as sa
from alembic import op

revision = "l1_speaker_area"
down_revision = "k1_call_for_sessions"
branch_labels = None
depends_on = None

PARTICIPATION = ("pending", "confirmed", "declined")


def upgrade():
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("photo_url", sa.String(length=500), server_default="", nullable=False))
    with op.batch_alter_table("session_speaker", schema=None) as batch_op:
        batch_op.add_column(sa.Column("participation", sa.String(length=17), server_default="pending",
                                      nullable=False))
        batch_op.add_column(sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(op.f("ck_session_speaker_participation"),
                                         sa.column("participation").in_(PARTICIPATION))


def downgrade():
    with op.batch_alter_table("session_speaker", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_session_speaker_participation"), type_="check")
        batch_op.drop_column("answered_at")
        batch_op.drop_column("participation")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("photo_url")
