"""Diary entries and dated treatment events, per patient."""
from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint

from assistant.tables.base import Base, utcnow


class DiaryEntry(Base):
    """One completed diary entry; saved whole or not at all."""

    __tablename__ = "diary_entry"

    id = Column(Integer, primary_key=True)
    patient_id = Column(Integer, ForeignKey("patient.id", ondelete="CASCADE"), nullable=False, index=True)
    recorded_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    leg_pain = Column(Integer)        # 0-10, leg or arm
    back_pain = Column(Integer)       # 0-10, back or neck
    numbness = Column(String(20))     # none | as_usual | worse | new_place
    weakness = Column(String(20))     # none | as_usual | worse | new
    bladder_bowel = Column(String(10))  # yes | no | unsure: any change in bladder or bowel control
    saddle = Column(String(10))       # yes | no | unsure: numbness in the saddle area
    fever = Column(String(10))        # yes | no | unsure
    medicines = Column(Text)
    side_effects = Column(Text)
    sleep = Column(String(20))        # good | ok | poor | woken_by_pain
    notes = Column(Text)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class TreatmentEvent(Base):
    """A dated treatment ("I had my nerve root block today"), the anchor of before/after comparisons."""

    __tablename__ = "treatment_event"
    __table_args__ = (UniqueConstraint("patient_id", "therapy_slug", "occurred_on"),)

    id = Column(Integer, primary_key=True)
    patient_id = Column(Integer, ForeignKey("patient.id", ondelete="CASCADE"), nullable=False, index=True)
    therapy_slug = Column(String(80), nullable=False)
    occurred_on = Column(Date, nullable=False)
    note = Column(Text)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
