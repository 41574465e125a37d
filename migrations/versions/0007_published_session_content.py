"""programme: a published version holds everything the public sees of a session

Abstract, format, language and needs-booking are copied into published_session, and the
speakers (names and affiliations as published) into published_speaker, so that an edit of
the draft stays private until the next publication. Rows published before this migration
take the draft's current values: the best record there is of what was shown.

Revision ID: f1_published_session_content
Revises: e1_side_event_revision_version
"""
import sqlalchemy as sa
from alembic import op

revision = "f1_published_session_content"
down_revision = "e1_side_event_revision_version"
branch_labels = None
depends_on = None

FORMATS = ("keynote", "plenary", "panel", "debate", "workshop", "seminar", "poster", "open-podium",
           "ceremony", "social")


def upgrade():
    with op.batch_alter_table("published_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("abstract", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("format", sa.String(length=19), server_default="seminar", nullable=False))
        batch_op.add_column(sa.Column("language", sa.String(length=2), server_default="en", nullable=False))
        batch_op.add_column(sa.Column("needs_booking", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(
        "UPDATE published_session SET "
        "abstract = (SELECT s.abstract FROM programme_session s WHERE s.id = published_session.session_id), "
        "format = (SELECT s.format FROM programme_session s WHERE s.id = published_session.session_id), "
        "language = (SELECT s.language FROM programme_session s WHERE s.id = published_session.session_id), "
        "needs_booking = (SELECT s.needs_booking FROM programme_session s "
        "WHERE s.id = published_session.session_id)"
    )
    with op.batch_alter_table("published_session", schema=None) as batch_op:
        # The model's columns carry Python defaults, not server defaults.
        batch_op.alter_column("abstract", server_default=None)
        batch_op.alter_column("format", server_default=None)
        batch_op.alter_column("language", server_default=None)
        batch_op.alter_column("needs_booking", server_default=None)
        batch_op.create_check_constraint(op.f("ck_published_session_format"), sa.column("format").in_(FORMATS))

    op.create_table(
        "published_speaker",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("published_session_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("affiliation", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_published_speaker_person_id_person"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["published_session_id"], ["published_session.id"],
                                name=op.f("fk_published_speaker_published_session_id_published_session"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_speaker")),
        sa.UniqueConstraint("published_session_id", "position",
                            name=op.f("uq_published_speaker_published_session_id_position")),
    )
    with op.batch_alter_table("published_speaker", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_published_speaker_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_published_speaker_published_session_id"), ["published_session_id"],
                              unique=False)
    op.execute(
        "INSERT INTO published_speaker (published_session_id, person_id, name, affiliation, role, position) "
        "SELECT p.id, l.person_id, pe.name, pe.affiliation, l.role, "
        "(SELECT count(*) FROM session_speaker o WHERE o.session_id = l.session_id "
        " AND (o.position < l.position OR (o.position = l.position AND o.person_id < l.person_id))) "
        "FROM published_session p JOIN session_speaker l ON l.session_id = p.session_id "
        "JOIN person pe ON pe.id = l.person_id"
    )


def downgrade():
    op.drop_table("published_speaker")
    with op.batch_alter_table("published_session", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_published_session_format"), type_="check")
        batch_op.drop_column("needs_booking")
        batch_op.drop_column("language")
        batch_op.drop_column("format")
        batch_op.drop_column("abstract")
