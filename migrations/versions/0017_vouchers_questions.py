"""registration: vouchers (codes, discounts, uses) and organisers' questions with delegates' answers

Revision ID: p1_vouchers_questions
Revises: o1_announcements
"""
import sqlalchemy as sa
from alembic import op

revision = "p1_vouchers_questions"
down_revision = "o1_announcements"
branch_labels = None
depends_on = None

QUESTION_KINDS = ("text", "choice", "choices", "yes-no", "number", "date")
DISCOUNT_KINDS = ("percent", "amount", "price")
UTC_DATETIME = sa.DateTime(timezone=True)


def _kind(values):
    return sa.Enum(*values, name="kind", native_enum=False, create_constraint=True, length=15)


def upgrade():
    op.create_table(
        "registration_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", _kind(QUESTION_KINDS), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("text_nl", sa.String(length=300), server_default="", nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_question")),
    )
    with op.batch_alter_table("registration_question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registration_question_position"), ["position"], unique=False)
    op.create_table(
        "question_category",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["registration_category.id"],
                                name=op.f("fk_question_category_category_id_registration_category"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["question_id"], ["registration_question.id"],
                                name=op.f("fk_question_category_question_id_registration_question"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("question_id", "category_id", name=op.f("pk_question_category")),
    )
    op.create_table(
        "question_choice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("text_nl", sa.String(length=200), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["question_id"], ["registration_question.id"],
                                name=op.f("fk_question_choice_question_id_registration_question"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_choice")),
    )
    op.create_table(
        "voucher",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("kind", _kind(DISCOUNT_KINDS), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("used_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("valid_from", UTC_DATETIME, nullable=True),
        sa.Column("valid_until", UTC_DATETIME, nullable=True),
        sa.Column("beyond_capacity", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("note", sa.String(length=200), server_default="", nullable=False),
        sa.Column("batch", sa.String(length=40), server_default="", nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind <> 'percent' OR value <= 100", name=op.f("ck_voucher_percent_at_most_100")),
        sa.CheckConstraint("max_uses >= 1", name=op.f("ck_voucher_max_uses_positive")),
        sa.CheckConstraint("used_count >= 0 AND used_count <= max_uses", name=op.f("ck_voucher_used_within_max")),
        sa.CheckConstraint("valid_from IS NULL OR valid_until IS NULL OR valid_until > valid_from",
                           name=op.f("ck_voucher_until_after_from")),
        sa.CheckConstraint("value >= 0", name=op.f("ck_voucher_value_not_negative")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_voucher_created_by_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucher")),
        sa.UniqueConstraint("code", name=op.f("uq_voucher_code")),
    )
    with op.batch_alter_table("voucher", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_voucher_batch"), ["batch"], unique=False)
    op.create_table(
        "voucher_category",
        sa.Column("voucher_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["registration_category.id"],
                                name=op.f("fk_voucher_category_category_id_registration_category"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["voucher_id"], ["voucher.id"], name=op.f("fk_voucher_category_voucher_id_voucher"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("voucher_id", "category_id", name=op.f("pk_voucher_category")),
    )
    op.create_table(
        "registration_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Text(), server_default="", nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["question_id"], ["registration_question.id"],
                                name=op.f("fk_registration_answer_question_id_registration_question"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["registration_id"], ["registration.id"],
                                name=op.f("fk_registration_answer_registration_id_registration"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_answer")),
        sa.UniqueConstraint("registration_id", "question_id",
                            name=op.f("uq_registration_answer_registration_id_question_id")),
    )
    with op.batch_alter_table("registration_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registration_answer_question_id"), ["question_id"], unique=False)
    op.create_table(
        "answer_choice",
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("choice_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["answer_id"], ["registration_answer.id"],
                                name=op.f("fk_answer_choice_answer_id_registration_answer"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["choice_id"], ["question_choice.id"],
                                name=op.f("fk_answer_choice_choice_id_question_choice"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("answer_id", "choice_id", name=op.f("pk_answer_choice")),
    )
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("voucher_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("discount_cents", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index(batch_op.f("ix_registration_voucher_id"), ["voucher_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_registration_voucher_id_voucher"), "voucher", ["voucher_id"], ["id"])
        batch_op.create_check_constraint(op.f("ck_registration_discount_not_negative"), "discount_cents >= 0")


def downgrade():
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_registration_discount_not_negative"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_registration_voucher_id_voucher"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_registration_voucher_id"))
        batch_op.drop_column("discount_cents")
        batch_op.drop_column("voucher_id")
    op.drop_table("answer_choice")
    op.drop_table("registration_answer")
    op.drop_table("voucher_category")
    op.drop_table("voucher")
    op.drop_table("question_choice")
    op.drop_table("question_category")
    op.drop_table("registration_question")
