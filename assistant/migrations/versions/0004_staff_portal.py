"""Staff portal: accounts, audit log, enrolled patients and their conversations, enrolment codes,
flag review (groups, notes, who and when), webhook alerts, and the answer-text review workflow.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "staff_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", TZ, nullable=True),
        sa.Column("locked_until", TZ, nullable=True),
        sa.Column("last_login_at", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_user")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_user_username")),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("target_type", sa.String(length=40), nullable=False),
        sa.Column("target_id", sa.String(length=80), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index(op.f("ix_audit_event_at"), "audit_event", ["at"])
    op.create_index(op.f("ix_audit_event_action"), "audit_event", ["action"])
    op.create_index(op.f("ix_audit_event_patient_id"), "audit_event", ["patient_id"])
    _make_audit_append_only()

    with op.batch_alter_table("patient") as batch:
        batch.alter_column("sender_id", existing_type=sa.String(length=128), nullable=True)
        batch.add_column(sa.Column("full_name", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("first_name", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("date_of_birth", sa.Date(), nullable=True))
        batch.add_column(sa.Column("clinic_number", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("phone", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("enrolled_at", TZ, nullable=True))
        batch.add_column(sa.Column("enrolled_by", sa.String(length=80), nullable=True))
        batch.create_unique_constraint(op.f("uq_patient_clinic_number"), ["clinic_number"])

    op.create_table(
        "patient_sender",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=128), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("linked_by", sa.String(length=80), nullable=True),
        sa.Column("linked_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_patient_sender_patient_id_patient"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_sender")),
        sa.UniqueConstraint("sender_id", name=op.f("uq_patient_sender_sender_id")),
    )
    op.create_index(op.f("ix_patient_sender_patient_id"), "patient_sender", ["patient_id"])
    op.execute("INSERT INTO patient_sender (sender_id, patient_id, method, linked_at) "
               "SELECT sender_id, id, 'first_use', created_at FROM patient WHERE sender_id IS NOT NULL")

    op.create_table(
        "enrolment_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("code_hint", sa.String(length=8), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
        sa.Column("revoked_by", sa.String(length=80), nullable=True),
        sa.Column("last_used_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_enrolment_code_patient_id_patient"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_enrolment_code_code_hash")),
    )
    op.create_index(op.f("ix_enrolment_code_patient_id"), "enrolment_code", ["patient_id"])

    with op.batch_alter_table("flag") as batch:
        batch.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("acknowledged_at", TZ, nullable=True))
        batch.add_column(sa.Column("acknowledged_by", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("resolved_at", TZ, nullable=True))
        batch.add_column(sa.Column("resolved_by", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("patient_told_at", TZ, nullable=True))
        batch.create_index(op.f("ix_flag_group_id"), ["group_id"])
    op.execute("UPDATE flag SET group_id = id")

    op.create_table(
        "flag_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["flag_id"], ["flag.id"], name=op.f("fk_flag_note_flag_id_flag"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flag_note")),
    )
    op.create_index(op.f("ix_flag_note_flag_id"), "flag_note", ["flag_id"])
    op.create_table(
        "alert_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("delivered_at", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["flag_id"], ["flag.id"], name=op.f("fk_alert_delivery_flag_id_flag"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_delivery")),
    )
    op.create_index(op.f("ix_alert_delivery_flag_id"), "alert_delivery", ["flag_id"])
    op.create_index(op.f("ix_alert_delivery_state"), "alert_delivery", ["state"])
    op.create_table(
        "alert_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["alert_delivery.id"],
                                name=op.f("fk_alert_attempt_delivery_id_alert_delivery"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_attempt")),
    )
    op.create_index(op.f("ix_alert_attempt_delivery_id"), "alert_attempt", ["delivery_id"])

    with op.batch_alter_table("answer_text") as batch:
        batch.add_column(sa.Column("submitted_by", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("submitted_at", TZ, nullable=True))
        batch.add_column(sa.Column("reviewed_by", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("reviewed_at", TZ, nullable=True))
        batch.add_column(sa.Column("rolled_back_from", sa.Integer(), nullable=True))


def _make_audit_append_only() -> None:
    """Refuse UPDATE and DELETE on audit_event in the database itself, not only in our code."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
                       "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END")
    elif op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$")
        op.execute("CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
                   "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()")


def downgrade() -> None:
    with op.batch_alter_table("answer_text") as batch:
        for column in ("rolled_back_from", "reviewed_at", "reviewed_by", "submitted_at", "submitted_by"):
            batch.drop_column(column)
    op.drop_index(op.f("ix_alert_attempt_delivery_id"), table_name="alert_attempt")
    op.drop_table("alert_attempt")
    op.drop_index(op.f("ix_alert_delivery_state"), table_name="alert_delivery")
    op.drop_index(op.f("ix_alert_delivery_flag_id"), table_name="alert_delivery")
    op.drop_table("alert_delivery")
    op.drop_index(op.f("ix_flag_note_flag_id"), table_name="flag_note")
    op.drop_table("flag_note")
    with op.batch_alter_table("flag") as batch:
        batch.drop_index(op.f("ix_flag_group_id"))
        for column in ("patient_told_at", "resolved_by", "resolved_at", "acknowledged_by", "acknowledged_at",
                       "group_id"):
            batch.drop_column(column)
    op.drop_index(op.f("ix_enrolment_code_patient_id"), table_name="enrolment_code")
    op.drop_table("enrolment_code")
    op.drop_index(op.f("ix_patient_sender_patient_id"), table_name="patient_sender")
    op.drop_table("patient_sender")
    op.execute("DELETE FROM patient WHERE sender_id IS NULL")
    with op.batch_alter_table("patient") as batch:
        batch.drop_constraint(op.f("uq_patient_clinic_number"), type_="unique")
        for column in ("enrolled_by", "enrolled_at", "phone", "clinic_number", "date_of_birth", "first_name",
                       "full_name"):
            batch.drop_column(column)
        batch.alter_column("sender_id", existing_type=sa.String(length=128), nullable=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION audit_event_append_only()")
    op.drop_index(op.f("ix_audit_event_patient_id"), table_name="audit_event")
    op.drop_index(op.f("ix_audit_event_action"), table_name="audit_event")
    op.drop_index(op.f("ix_audit_event_at"), table_name="audit_event")
    op.drop_table("audit_event")
    op.drop_table("staff_user")
