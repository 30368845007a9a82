"""Patients and the red flags raised for them."""
from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from assistant.tables.base import Base, utcnow

FLAG_STATUSES = ("open", "acknowledged", "resolved")


class Patient(Base):
    """A person the assistant keeps records for. ``sender_id`` is the chat's sender id for now;
    an enrolment code or login can map to the same row later."""

    __tablename__ = "patient"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(128), nullable=False, unique=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    flags = relationship("Flag", back_populates="patient", cascade="all, delete-orphan")


class Flag(Base):
    """One firing of one rule on one message or diary entry, with its evidence.

    ``source_key`` names what fired ("message:<id>" or "diary:<id>"); with the rule id it is
    unique, so the same message never creates the same flag twice.
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
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)

    patient = relationship("Patient", back_populates="flags")
