"""cfp: the call for sessions, proposals with their speakers, reviews, criteria scores and conflicts

Revision ID: k1_call_for_sessions
Revises: j1_reviewer_role
"""
import sqlalchemy as sa
from alembic import op

revision = "k1_call_for_sessions"
down_revision = "j1_reviewer_role"
branch_labels = None
depends_on = None

FORMATS = ("keynote", "plenary", "panel", "debate", "workshop", "seminar", "poster", "open-podium",
           "ceremony", "social")
STATES = ("draft", "submitted", "waitlisted", "accepted", "rejected", "withdrawn")
SPEAKER_STATUSES = ("invited", "accepted", "declined")
SCORE_RANGE = "score BETWEEN 1 AND 5"


def upgrade():
    op.create_table(
        "cfp_call",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("formats", sa.JSON(), nullable=False),
        sa.Column("guidance_en", sa.Text(), nullable=False),
        sa.Column("guidance_nl", sa.Text(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("reviewing_open", sa.Boolean(), nullable=False),
        sa.Column("decision_texts", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_cfp_call_one_call")),
        sa.CheckConstraint("closes_at > opens_at", name=op.f("ck_cfp_call_closes_after_opens")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user_account.id"],
                                name=op.f("fk_cfp_call_updated_by_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cfp_call")),
    )
    op.create_table(
        "cfp_call_track",
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["cfp_call.id"], name=op.f("fk_cfp_call_track_call_id_cfp_call"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["track_id"], ["track.id"], name=op.f("fk_cfp_call_track_track_id_track"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("call_id", "track_id", name=op.f("pk_cfp_call_track")),
    )
    op.create_table(
        "cfp_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.Enum(*STATES, name="state", native_enum=False, create_constraint=True,
                                   length=18), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("abstract", sa.Text(), nullable=False),
        sa.Column("title_nl", sa.String(length=300), nullable=False),
        sa.Column("abstract_nl", sa.Text(), nullable=False),
        sa.Column("format", sa.Enum(*FORMATS, name="format", native_enum=False, create_constraint=True,
                                    length=19), nullable=True),
        sa.Column("track_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("expected_audience", sa.Integer(), nullable=False),
        sa.Column("needs_step_free", sa.Boolean(), nullable=False),
        sa.Column("needs_streaming", sa.Boolean(), nullable=False),
        sa.Column("equipment", sa.String(length=500), nullable=False),
        sa.Column("submitter_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("format IS NULL OR format <> 'keynote'", name=op.f("ck_cfp_proposal_keynote_by_invitation")),
        sa.CheckConstraint("expected_audience >= 0", name=op.f("ck_cfp_proposal_audience_not_negative")),
        sa.CheckConstraint(
            "state IN ('draft', 'withdrawn') OR (title <> '' AND abstract <> '' AND format IS NOT NULL)",
            name=op.f("ck_cfp_proposal_complete_unless_draft"),
        ),
        sa.ForeignKeyConstraint(["track_id"], ["track.id"], name=op.f("fk_cfp_proposal_track_id_track"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["submitter_id"], ["user_account.id"],
                                name=op.f("fk_cfp_proposal_submitter_id_user_account"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user_account.id"],
                                name=op.f("fk_cfp_proposal_decided_by_id_user_account"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["session_id"], ["programme_session.id"],
                                name=op.f("fk_cfp_proposal_session_id_programme_session"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cfp_proposal")),
        sa.UniqueConstraint("session_id", name=op.f("uq_cfp_proposal_session_id")),
    )
    with op.batch_alter_table("cfp_proposal", schema=None) as batch_op:
        batch_op.create_index("ix_cfp_proposal_state", ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_cfp_proposal_track_id"), ["track_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cfp_proposal_submitter_id"), ["submitter_id"], unique=False)

    op.create_table(
        "cfp_speaker",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("is_submitter", sa.Boolean(), nullable=False),
        sa.Column("status", sa.Enum(*SPEAKER_STATUSES, name="status", native_enum=False, create_constraint=True,
                                    length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=16), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["proposal_id"], ["cfp_proposal.id"],
                                name=op.f("fk_cfp_speaker_proposal_id_cfp_proposal"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_cfp_speaker_user_id_user_account"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cfp_speaker")),
        sa.UniqueConstraint("proposal_id", "email", name=op.f("uq_cfp_speaker_proposal_id_email")),
        sa.UniqueConstraint("proposal_id", "user_id", name=op.f("uq_cfp_speaker_proposal_id_user_id")),
    )
    with op.batch_alter_table("cfp_speaker", schema=None) as batch_op:
        batch_op.create_index("ix_cfp_speaker_email", ["email"], unique=False)
        batch_op.create_index("ix_cfp_speaker_user_id", ["user_id"], unique=False)
        batch_op.create_index("uq_cfp_speaker_one_submitter", ["proposal_id"], unique=True,
                              postgresql_where=sa.text("is_submitter"), sqlite_where=sa.text("is_submitter"))

    op.create_table(
        "cfp_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(SCORE_RANGE, name=op.f("ck_cfp_review_score_range")),
        sa.ForeignKeyConstraint(["proposal_id"], ["cfp_proposal.id"],
                                name=op.f("fk_cfp_review_proposal_id_cfp_proposal"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewer_id"], ["user_account.id"],
                                name=op.f("fk_cfp_review_reviewer_id_user_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cfp_review")),
        sa.UniqueConstraint("proposal_id", "reviewer_id", name=op.f("uq_cfp_review_proposal_id_reviewer_id")),
    )
    with op.batch_alter_table("cfp_review", schema=None) as batch_op:
        batch_op.create_index("ix_cfp_review_reviewer_id", ["reviewer_id"], unique=False)

    op.create_table(
        "cfp_review_score",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.CheckConstraint(SCORE_RANGE, name=op.f("ck_cfp_review_score_score_range")),
        sa.ForeignKeyConstraint(["review_id"], ["cfp_review.id"],
                                name=op.f("fk_cfp_review_score_review_id_cfp_review"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("review_id", "criterion", name=op.f("pk_cfp_review_score")),
    )
    op.create_table(
        "cfp_review_conflict",
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["proposal_id"], ["cfp_proposal.id"],
                                name=op.f("fk_cfp_review_conflict_proposal_id_cfp_proposal"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewer_id"], ["user_account.id"],
                                name=op.f("fk_cfp_review_conflict_reviewer_id_user_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("proposal_id", "reviewer_id", name=op.f("pk_cfp_review_conflict")),
    )
    with op.batch_alter_table("cfp_review_conflict", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cfp_review_conflict_reviewer_id"), ["reviewer_id"], unique=False)


def downgrade():
    op.drop_table("cfp_review_conflict")
    op.drop_table("cfp_review_score")
    op.drop_table("cfp_review")
    op.drop_table("cfp_speaker")
    op.drop_table("cfp_proposal")
    op.drop_table("cfp_call_track")
    op.drop_table("cfp_call")
