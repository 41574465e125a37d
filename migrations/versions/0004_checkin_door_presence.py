"""checkin: who is behind each door, whether a scan was counted, one occupancy row per door

Revision ID: c1_checkin_door_presence
Revises: b6_bookings_confirmed_at
"""
from alembic import op
import sqlalchemy as sa

revision = "c1_checkin_door_presence"
down_revision = "b6_bookings_confirmed_at"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.add_column(sa.Column("counted", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "door_presence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=True),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(venue_id IS NULL) <> (room_id IS NULL)", name=op.f("ck_door_presence_exactly_one_door")),
        sa.ForeignKeyConstraint(["registration_id"], ["registration.id"], name=op.f("fk_door_presence_registration_id_registration"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["room_id"], ["room.id"], name=op.f("fk_door_presence_room_id_room"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["venue_id"], ["venue.id"], name=op.f("fk_door_presence_venue_id_venue"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_door_presence")),
    )
    with op.batch_alter_table("door_presence", schema=None) as batch_op:
        batch_op.create_index(
            "uq_door_presence_room", ["registration_id", "room_id"], unique=True,
            postgresql_where=sa.text("room_id IS NOT NULL"), sqlite_where=sa.text("room_id IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_door_presence_venue", ["registration_id", "venue_id"], unique=True,
            postgresql_where=sa.text("venue_id IS NOT NULL"), sqlite_where=sa.text("venue_id IS NOT NULL"),
        )
    with op.batch_alter_table("occupancy", schema=None) as batch_op:
        batch_op.create_index(
            "uq_occupancy_room", ["room_id"], unique=True,
            postgresql_where=sa.text("room_id IS NOT NULL"), sqlite_where=sa.text("room_id IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_occupancy_venue", ["venue_id"], unique=True,
            postgresql_where=sa.text("venue_id IS NOT NULL"), sqlite_where=sa.text("venue_id IS NOT NULL"),
        )


def downgrade():
    with op.batch_alter_table("occupancy", schema=None) as batch_op:
        batch_op.drop_index("uq_occupancy_venue", postgresql_where=sa.text("venue_id IS NOT NULL"), sqlite_where=sa.text("venue_id IS NOT NULL"))
        batch_op.drop_index("uq_occupancy_room", postgresql_where=sa.text("room_id IS NOT NULL"), sqlite_where=sa.text("room_id IS NOT NULL"))
    with op.batch_alter_table("door_presence", schema=None) as batch_op:
        batch_op.drop_index("uq_door_presence_venue", postgresql_where=sa.text("venue_id IS NOT NULL"), sqlite_where=sa.text("venue_id IS NOT NULL"))
        batch_op.drop_index("uq_door_presence_room", postgresql_where=sa.text("room_id IS NOT NULL"), sqlite_where=sa.text("room_id IS NOT NULL"))
    op.drop_table("door_presence")
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.drop_column("counted")
