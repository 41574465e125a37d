"""mail: announcements to delegates and their opt-out

Revision ID: o1_announcements
Revises: n1_back_office_people
"""
import sqlalchemy as sa
from alembic import op

revision = "o1_announcements"
down_revision = "n1_back_office_people"
branch_labels = None
depends_on = None

STATES = ("queueing", "queued")


def upgrade():
    op.create_table(
        "announcement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_en", sa.String(length=200), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("subject_nl", sa.String(length=200), nullable=False),
        sa.Column("body_nl", sa.Text(), nullable=False),
        sa.Column("segment", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.Column("queued_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("queue_cursor", sa.Integer(), server_default="0", nullable=False),
        sa.Column("batch_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("recipient_count >= 0", name=op.f("ck_announcement_recipient_count_not_negative")),
        sa.CheckConstraint("queued_count >= 0 AND queued_count <= recipient_count",
                           name=op.f("ck_announcement_queued_within_recipients")),
        sa.CheckConstraint(sa.column("state").in_(STATES), name=op.f("ck_announcement_state")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_announcement_created_by_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement")),
    )
    with op.batch_alter_table("announcement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_announcement_created_by_id"), ["created_by_id"], unique=False)

    op.create_table(
        "announcement_recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["announcement_id"], ["announcement.id"],
                                name=op.f("fk_announcement_recipient_announcement_id_announcement"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["outbox_message_id"], ["outbox_message.id"],
                                name=op.f("fk_announcement_recipient_outbox_message_id_outbox_message"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_announcement_recipient_user_id_user_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_recipient")),
        sa.UniqueConstraint("announcement_id", "user_id", name="uq_announcement_recipient_once"),
        sa.UniqueConstraint("outbox_message_id", name=op.f("uq_announcement_recipient_outbox_message_id")),
    )
    with op.batch_alter_table("announcement_recipient", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_announcement_recipient_user_id"), ["user_id"], unique=False)

    op.create_table(
        "announcement_opt_out",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_announcement_opt_out_user_id_user_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_announcement_opt_out")),
    )


def downgrade():
    op.drop_table("announcement_opt_out")
    with op.batch_alter_table("announcement_recipient", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_announcement_recipient_user_id"))
    op.drop_table("announcement_recipient")
    with op.batch_alter_table("announcement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_announcement_created_by_id"))
    op.drop_table("announcement")
