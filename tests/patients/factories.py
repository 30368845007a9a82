"""Building patient records for tests straight into the real database (no NLP models needed)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Optional

from sqlalchemy.orm import Session

from assistant.patients.identity import enrol, patient_for
from assistant.safety.flags import record_flags
from assistant.safety.scanner import Finding
from assistant.tables import DiaryEntry, Flag, TreatmentEvent

NOW = datetime(2025, 3, 20, 12, 0, tzinfo=timezone.utc)


def day(n: int, hour: int = 9) -> datetime:
    """``n`` days before NOW (0 = NOW's day)."""
    return (NOW - timedelta(days=n)).replace(hour=hour)


def enrolled(session: Session, name: str = "Ann Example", clinic: str = "C-100", **extra):
    return enrol(session, full_name=name, date_of_birth=extra.pop("dob", date(1970, 1, 2)), clinic_number=clinic,
                 phone=extra.pop("phone", "0123 456"), enrolled_by="nina", **extra)


def anonymous(session: Session, sender_id: str):
    return patient_for(session, sender_id)


def entry(session: Session, patient_id: int, at: datetime, leg: Optional[int], back: Optional[int] = None,
          **answers) -> DiaryEntry:
    row = DiaryEntry(patient_id=patient_id, recorded_at=at, leg_pain=leg, back_pain=back, **answers)
    session.add(row)
    session.flush()
    return row


def flag(session: Session, sender_id: str, source_key: str, evidence: str, *, level: str = "emergency",
         category: str = "cauda_equina", rule_id: str = "test-rule") -> Flag:
    finding = Finding(rule_id, 1, level, category, "Test rule", evidence, "affirmed")
    return record_flags(session, sender_id, source_key, [finding])[0]


def treatment(session: Session, patient_id: int, slug: str, on: date) -> TreatmentEvent:
    row = TreatmentEvent(patient_id=patient_id, therapy_slug=slug, occurred_on=on)
    session.add(row)
    session.flush()
    return row
