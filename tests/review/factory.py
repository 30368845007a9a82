"""Building flags, patients and diary entries for the review and alert tests, on the real database."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import count
from typing import Optional

from assistant.patients.identity import enrol, patient_for
from assistant.safety.scanner import Finding
from assistant.tables import DiaryEntry, Flag, Patient

NOW = datetime(2024, 6, 3, 12, 0, tzinfo=timezone.utc)
_keys = count(1)


def anonymous(session, sender_id: str) -> Patient:
    return patient_for(session, sender_id)


def enrolled(session, first_name: str = "Robin", clinic_number: str = "RM-100") -> Patient:
    return enrol(session, full_name=f"{first_name} Example", first_name=first_name,
                 date_of_birth=datetime(1970, 1, 2).date(), clinic_number=clinic_number, phone="0100 000000",
                 enrolled_by="test")


def flag(session, patient: Patient, level: str = "urgent", category: str = "weakness", *, minutes_ago: float = 0,
         evidence: str = "my foot is weaker", status: str = "open", group: Optional[Flag] = None,
         rule_id: Optional[str] = None, now: datetime = NOW) -> Flag:
    """A Flag row raised ``minutes_ago`` before ``now``, in ``group`` (else its own group)."""
    raised = now - timedelta(minutes=minutes_ago)
    row = Flag(patient_id=patient.id, source_key=f"message:test-{next(_keys)}", rule_id=rule_id or f"T-{level.upper()}",
               rule_version=1, level=level, category=category, evidence=evidence, assertion="affirmed", status=status,
               created_at=raised, updated_at=raised)
    session.add(row)
    session.flush()
    row.group_id = group.group_id if group is not None else row.id
    session.flush()
    return row


def finding(level: str = "urgent", category: str = "weakness", rule_id: str = "T-RULE",
            evidence: str = "my foot is weaker", status: str = "affirmed") -> Finding:
    return Finding(rule_id, 1, level, category, "test rule", evidence, status)


def diary(session, patient: Patient, leg_pain: Optional[int], days_ago: float, now: datetime = NOW) -> DiaryEntry:
    entry = DiaryEntry(patient_id=patient.id, recorded_at=now - timedelta(days=days_ago), leg_pain=leg_pain)
    session.add(entry)
    session.flush()
    return entry
