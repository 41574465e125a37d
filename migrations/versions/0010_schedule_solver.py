"""programme: pinned sessions and the schedule solver's proposals

`programme_session.pinned`: organisers pin keynotes, the opening and the closing; the solver
leaves a pinned session where it is. `schedule_proposal`: one background run of the solver
(progress, result as JSON), applied to the draft only on an organiser's confirmation.

Revision ID: i1_schedule_solver
Revises: h1_side_event_cancellation
"""
import sqlalchemy as sa
from alembic import op

revision = "i1_schedule_solver"
down_revision = "h1_side_event_cancellation"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("programme_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pinned", sa.Boolean(), server_default=sa.false(), nullable=False))

    op.create_table(
        "schedule_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("baseline", sa.String(length=20), nullable=False),
        sa.Column("time_limit", sa.Integer(), nullable=False),
        sa.Column("status", sa.Enum("queued", "running", "done", "failed", name="status", native_enum=False,
                                    create_constraint=True, length=15), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(length=300), nullable=False),
        sa.Column("draft_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.CheckConstraint("progress >= 0 AND progress <= 100", name=op.f("ck_schedule_proposal_progress_0_100")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["user_account.id"],
                                name=op.f("fk_schedule_proposal_requested_by_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_proposal")),
    )
    with op.batch_alter_table("schedule_proposal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schedule_proposal_requested_by_id"), ["requested_by_id"], unique=False)


def downgrade():
    with op.batch_alter_table("schedule_proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedule_proposal_requested_by_id"))
    op.drop_table("schedule_proposal")
    with op.batch_alter_table("programme_session", schema=None) as batch_op:
        batch_op.drop_column("pinned")
