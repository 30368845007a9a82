"""Recording and listing red flags: the queries the CLI uses now and the staff portal later."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.tables import Flag, Patient
from assistant.safety.rules import LEVEL_RANK
from assistant.safety.scanner import Finding


def patient_for(session: Session, sender_id: str) -> Patient:
    """The patient behind a conversation, created on first use."""
    patient = session.execute(select(Patient).where(Patient.sender_id == sender_id)).scalar_one_or_none()
    if patient is None:
        patient = Patient(sender_id=sender_id)
        session.add(patient)
        session.flush()
    return patient


def record_flags(session: Session, sender_id: str, source_key: str, findings: Iterable[Finding]) -> List[Flag]:
    """Store each flag-raising finding once per source; a repeat of the same source adds nothing."""
    findings = [f for f in findings if f.raises_flag]
    if not findings:
        return []
    patient = patient_for(session, sender_id)
    existing = set(session.execute(select(Flag.rule_id).where(Flag.source_key == source_key)).scalars())
    created = []
    for finding in findings:
        if finding.rule_id in existing:
            continue
        flag = Flag(patient=patient, source_key=source_key, rule_id=finding.rule_id,
                    rule_version=finding.rule_version, level=finding.level, category=finding.category,
                    evidence=finding.evidence, assertion=finding.status, status="open")
        session.add(flag)
        existing.add(finding.rule_id)
        created.append(flag)
    session.flush()
    return created


@dataclass(frozen=True)
class FlagView:
    id: int
    patient_id: str
    level: str
    category: str
    rule_id: str
    rule_version: int
    evidence: str
    assertion: str
    status: str
    created_at: str

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def list_flags(session: Session, status: Optional[str] = None, patient: Optional[str] = None) -> List[FlagView]:
    """Flags, most serious first, then oldest first within a level."""
    query = select(Flag, Patient.sender_id).join(Patient)
    if status:
        query = query.where(Flag.status == status)
    if patient:
        query = query.where(Patient.sender_id == patient)
    rows = session.execute(query).all()
    rows.sort(key=lambda row: (LEVEL_RANK[row[0].level], row[0].created_at, row[0].id))
    return [FlagView(f.id, sender, f.level, f.category, f.rule_id, f.rule_version, f.evidence, f.assertion,
                     f.status, f.created_at.isoformat()) for f, sender in rows]
