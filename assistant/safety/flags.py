"""Recording and listing red flags: the queries the CLI uses now and the staff portal later."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Iterable, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.alerts.enqueue import enqueue_alerts
from assistant.patients.identity import patient_for
from assistant.tables import Flag, Patient, PatientSender
from assistant.review.levels import rank
from assistant.safety.scanner import Finding


def record_flags(session: Session, sender_id: str, source_key: str, findings: Iterable[Finding]) -> List[Flag]:
    """Store each flag-raising finding once per source; a repeat of the same source adds nothing.
    Emergency and urgent flags queue a webhook alert in the same transaction when one is configured."""
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
        session.flush()
        flag.group_id = _group_for(session, flag)
        existing.add(finding.rule_id)
        created.append(flag)
    session.flush()
    enqueue_alerts(session, created)
    return created


GROUP_WINDOW = timedelta(days=1)


def _group_for(session: Session, flag: Flag) -> int:
    """Flags of one category for one patient within a day, not yet resolved, are one queue item."""
    since = flag.created_at - GROUP_WINDOW
    earlier = session.execute(
        select(Flag.group_id).where(Flag.patient_id == flag.patient_id, Flag.category == flag.category,
                                    Flag.id != flag.id, Flag.status != "resolved", Flag.created_at >= since,
                                    Flag.group_id.is_not(None))
        .order_by(Flag.created_at).limit(1)
    ).scalar_one_or_none()
    return earlier if earlier is not None else flag.id


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
    query = select(Flag, Patient.sender_id, Patient.id).join(Patient)
    if status:
        query = query.where(Flag.status == status)
    if patient:
        query = query.where(Flag.patient_id.in_(
            select(PatientSender.patient_id).where(PatientSender.sender_id == patient).scalar_subquery()))
    rows = session.execute(query).all()
    rows.sort(key=lambda row: (rank(row[0].level), row[0].created_at, row[0].id))
    return [FlagView(f.id, sender or f"patient-{patient_id}", f.level, f.category, f.rule_id, f.rule_version, f.evidence, f.assertion,
                     f.status, f.created_at.isoformat()) for f, sender, patient_id in rows]
