"""Patients, the conversations bound to them, enrolment codes, red flags and their alerts."""
from __future__ import annotations

from sqlalchemy import (
    Column, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import relationship

from assistant.tables.base import Base, utcnow

FLAG_STATUSES = ("open", "acknowledged", "resolved")
ALERT_STATES = ("pending", "delivered", "failed")


class Patient(Base):
    """A person the assistant keeps records for.

    Anonymous visitors get a row on first use, keyed by their chat sender id (``sender_id``, the id
    the row was created under). A nurse enrols a patient with their details; each conversation bound
    to the patient is a ``PatientSender`` row, which is what every lookup by sender id goes through.
    """

    __tablename__ = "patient"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(128), unique=True)
    full_name = Column(String(200))
    first_name = Column(String(100))
    date_of_birth = Column(Date)
    clinic_number = Column(String(40), unique=True)
    phone = Column(String(40))
    enrolled_at = Column(DateTime(timezone=True))
    enrolled_by = Column(String(80))
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    flags = relationship("Flag", back_populates="patient", cascade="all, delete-orphan")
    senders = relationship("PatientSender", back_populates="patient", cascade="all, delete-orphan")
    codes = relationship("EnrolmentCode", back_populates="patient", cascade="all, delete-orphan")

    @property
    def enrolled(self) -> bool:
        return self.enrolled_at is not None


class PatientSender(Base):
    """A chat sender id bound to a patient: created with the record, by a code, or by a nurse."""

    __tablename__ = "patient_sender"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(128), nullable=False, unique=True)
    patient_id = Column(Integer, ForeignKey("patient.id", ondelete="CASCADE"), nullable=False, index=True)
    method = Column(String(20), nullable=False)  # first_use | code | nurse
    linked_by = Column(String(80))
    linked_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    patient = relationship("Patient", back_populates="senders")


class EnrolmentCode(Base):
    """A short code (and the personal link built on it) that binds a chat to a patient.

    Only a hash is stored: the nurse sees the code once, when it is made."""

    __tablename__ = "enrolment_code"

    id = Column(Integer, primary_key=True)
    patient_id = Column(Integer, ForeignKey("patient.id", ondelete="CASCADE"), nullable=False, index=True)
    code_hash = Column(String(64), nullable=False, unique=True)
    code_hint = Column(String(8), nullable=False)  # the last characters, to tell codes apart
    created_by = Column(String(80), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    revoked_at = Column(DateTime(timezone=True))
    revoked_by = Column(String(80))
    last_used_at = Column(DateTime(timezone=True))

    patient = relationship("Patient", back_populates="codes")


class Flag(Base):
    """One firing of one rule on one message or diary entry, with its evidence.

    ``source_key`` names what fired ("message:<id>" or "diary:<id>"); with the rule id it is
    unique, so the same message never creates the same flag twice. Flags of one category for one
    patient within a day share a ``group_id`` (the first flag's id): one item in the nurse queue.
    """

    __tablename__ = "flag"
    __table_args__ = (UniqueConstraint("source_key", "rule_id"),)

    id = Column(Integer, primary_key=True)
    patient_id = Column(Integer, ForeignKey("patient.id", ondelete="CASCADE"), nullable=False, index=True)
    source_key = Column(String(200), nullable=False)
    rule_id = Column(String(40), nullable=False)
    rule_version = Column(Integer, nullable=False)
    level = Column(String(20), nullable=False, index=True)
    category = Column(String(40), nullable=False)
    evidence = Column(Text, nullable=False)
    assertion = Column(String(20), nullable=False)  # affirmed | possible
    status = Column(String(20), nullable=False, default="open", index=True)
    group_id = Column(Integer, index=True)
    acknowledged_at = Column(DateTime(timezone=True))
    acknowledged_by = Column(String(80))
    resolved_at = Column(DateTime(timezone=True))
    resolved_by = Column(String(80))
    patient_told_at = Column(DateTime(timezone=True))  # when the chat told the patient a nurse had looked
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)

    patient = relationship("Patient", back_populates="flags")
    notes = relationship("FlagNote", back_populates="flag", cascade="all, delete-orphan",
                         order_by="FlagNote.at")


class FlagNote(Base):
    """A nurse's note on a flag, written with each status change (or on its own)."""

    __tablename__ = "flag_note"

    id = Column(Integer, primary_key=True)
    flag_id = Column(Integer, ForeignKey("flag.id", ondelete="CASCADE"), nullable=False, index=True)
    author = Column(String(80), nullable=False)
    action = Column(String(20), nullable=False)  # acknowledge | resolve | reopen | note
    note = Column(Text, nullable=False, default="")
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    flag = relationship("Flag", back_populates="notes")


class AlertDelivery(Base):
    """An emergency or urgent flag to be sent to the clinic's webhook, retried until delivered."""

    __tablename__ = "alert_delivery"

    id = Column(Integer, primary_key=True)
    flag_id = Column(Integer, ForeignKey("flag.id", ondelete="CASCADE"), nullable=False, index=True)
    url = Column(String(500), nullable=False)
    state = Column(String(20), nullable=False, default="pending", index=True)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    last_status = Column(Integer)
    last_error = Column(String(300))
    delivered_at = Column(DateTime(timezone=True))
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    attempt_log = relationship("AlertAttempt", back_populates="delivery", cascade="all, delete-orphan",
                               order_by="AlertAttempt.at")


class AlertAttempt(Base):
    """One try at delivering an alert: its HTTP status or error and how long it took."""

    __tablename__ = "alert_attempt"

    id = Column(Integer, primary_key=True)
    delivery_id = Column(Integer, ForeignKey("alert_delivery.id", ondelete="CASCADE"), nullable=False, index=True)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    status_code = Column(Integer)
    error = Column(String(300))
    duration_ms = Column(Integer, nullable=False, default=0)

    delivery = relationship("AlertDelivery", back_populates="attempt_log")
