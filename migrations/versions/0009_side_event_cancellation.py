"""side events: cancelling an event or one of its dates; alt text for an event's image

A cancelled event keeps its rows (it stays listed, struck through, and in the feeds with
STATUS:CANCELLED): side_event gets cancelled_at and cancellation_reason. One cancelled date
of a recurring event is a row of side_event_occurrence_cancellation, keyed by the local day
it starts (as EXDATE is). side_event_revision gets image_alt, the partner's description of
the image.

Revision ID: h1_side_event_cancellation
Revises: g1_demo_marker
"""
import sqlalchemy as sa
from alembic import op

revision = "h1_side_event_cancellation"
down_revision = "g1_demo_marker"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("side_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("cancellation_reason", sa.Text(), server_default="", nullable=False))
    with op.batch_alter_table("side_event_revision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("image_alt", sa.String(length=300), server_default="", nullable=False))
    op.create_table(
        "side_event_occurrence_cancellation",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("local_day", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["side_event.id"],
            name=op.f("fk_side_event_occurrence_cancellation_event_id_side_event"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["cancelled_by_id"], ["user_account.id"],
            name=op.f("fk_side_event_occurrence_cancellation_cancelled_by_id_user_account"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("event_id", "local_day", name=op.f("pk_side_event_occurrence_cancellation")),
    )


def downgrade():
    op.drop_table("side_event_occurrence_cancellation")
    with op.batch_alter_table("side_event_revision", schema=None) as batch_op:
        batch_op.drop_column("image_alt")
    with op.batch_alter_table("side_event", schema=None) as batch_op:
        batch_op.drop_column("cancellation_reason")
        batch_op.drop_column("cancelled_at")
