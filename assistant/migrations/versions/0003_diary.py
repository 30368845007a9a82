"""Diary entries and treatment events.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "diary_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("leg_pain", sa.Integer(), nullable=True),
        sa.Column("back_pain", sa.Integer(), nullable=True),
        sa.Column("numbness", sa.String(length=20), nullable=True),
        sa.Column("weakness", sa.String(length=20), nullable=True),
        sa.Column("bladder_bowel", sa.String(length=10), nullable=True),
        sa.Column("saddle", sa.String(length=10), nullable=True),
        sa.Column("fever", sa.String(length=10), nullable=True),
        sa.Column("medicines", sa.Text(), nullable=True),
        sa.Column("side_effects", sa.Text(), nullable=True),
        sa.Column("sleep", sa.String(length=20), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_diary_entry_patient_id_patient"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diary_entry")),
    )
    op.create_index(op.f("ix_diary_entry_patient_id"), "diary_entry", ["patient_id"])
    op.create_index(op.f("ix_diary_entry_recorded_at"), "diary_entry", ["recorded_at"])
    op.create_table(
        "treatment_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("therapy_slug", sa.String(length=80), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"],
                                name=op.f("fk_treatment_event_patient_id_patient"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_treatment_event")),
        sa.UniqueConstraint("patient_id", "therapy_slug", "occurred_on", name=op.f("uq_treatment_event_patient_id")),
    )
    op.create_index(op.f("ix_treatment_event_patient_id"), "treatment_event", ["patient_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_treatment_event_patient_id"), table_name="treatment_event")
    op.drop_table("treatment_event")
    op.drop_index(op.f("ix_diary_entry_recorded_at"), table_name="diary_entry")
    op.drop_index(op.f("ix_diary_entry_patient_id"), table_name="diary_entry")
    op.drop_table("diary_entry")
