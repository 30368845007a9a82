"""Staff accounts and the append-only audit log."""
from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Integer, String, Text

from assistant.tables.base import Base, utcnow

STAFF_ROLES = ("nurse", "editor", "admin")


class StaffUser(Base):
    """A nurse, editor or admin. The password is stored only as an argon2 hash."""

    __tablename__ = "staff_user"

    id = Column(Integer, primary_key=True)
    username = Column(String(80), nullable=False, unique=True)
    display_name = Column(String(120), nullable=False)
    role = Column(String(20), nullable=False)
    password_hash = Column(String(255), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    failed_logins = Column(Integer, nullable=False, default=0)
    last_failed_at = Column(DateTime(timezone=True))
    locked_until = Column(DateTime(timezone=True))
    last_login_at = Column(DateTime(timezone=True))
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class AuditEvent(Base):
    """Who did what, when, to which record. Rows are only ever inserted: database triggers refuse
    updates and deletes (see migration 0004). ``patient_id`` has no foreign key on purpose, so the
    record of a patient's deletion outlives the patient."""

    __tablename__ = "audit_event"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    actor = Column(String(80), nullable=False)
    action = Column(String(60), nullable=False, index=True)
    target_type = Column(String(40), nullable=False)
    target_id = Column(String(80))
    patient_id = Column(Integer, index=True)
    detail = Column(Text, nullable=False, default="{}")  # JSON; ids and field names, never free text
