"""A patient's right to their data: export all of it as JSON, or delete all of it.

"All of it" includes Rasa's stored conversation for every sender id bound to the patient, which
open-source Rasa offers no endpoint for: we delete those rows from the tracker store directly.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.patients.identity import senders_of
from assistant.tables import AlertDelivery, DiaryEntry, Flag, Patient, TreatmentEvent


def _iso(value) -> Optional[str]:
    return value.isoformat() if value is not None else None


def _row(obj, columns: List[str]) -> Dict[str, Any]:
    out = {}
    for column in columns:
        value = getattr(obj, column)
        out[column] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


DIARY_COLUMNS = ["id", "recorded_at", "leg_pain", "back_pain", "numbness", "weakness", "bladder_bowel", "saddle",
                 "fever", "medicines", "side_effects", "sleep", "notes"]
FLAG_COLUMNS = ["id", "level", "category", "rule_id", "rule_version", "evidence", "assertion", "status",
                "created_at", "acknowledged_at", "acknowledged_by", "resolved_at", "resolved_by", "patient_told_at"]


def export_patient(session: Session, patient_id: int, conversations=None) -> Dict[str, Any]:
    """Everything we hold about one patient, as plain JSON-ready data."""
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise LookupError(patient_id)
    senders = senders_of(session, patient_id)
    entries = session.execute(select(DiaryEntry).where(DiaryEntry.patient_id == patient_id)
                              .order_by(DiaryEntry.recorded_at)).scalars()
    flags = session.execute(select(Flag).where(Flag.patient_id == patient_id).order_by(Flag.created_at)).scalars()
    treatments = session.execute(select(TreatmentEvent).where(TreatmentEvent.patient_id == patient_id)
                                 .order_by(TreatmentEvent.occurred_on)).scalars()
    data = {
        "patient": {
            "id": patient.id, "full_name": patient.full_name, "first_name": patient.first_name,
            "date_of_birth": _iso(patient.date_of_birth), "clinic_number": patient.clinic_number,
            "phone": patient.phone, "enrolled_at": _iso(patient.enrolled_at), "enrolled_by": patient.enrolled_by,
            "created_at": _iso(patient.created_at),
        },
        "conversation_ids": senders,
        "enrolment_codes": [{"hint": c.code_hint, "created_at": _iso(c.created_at), "created_by": c.created_by,
                             "revoked_at": _iso(c.revoked_at), "last_used_at": _iso(c.last_used_at)}
                            for c in patient.codes],
        "diary_entries": [_row(e, DIARY_COLUMNS) for e in entries],
        "flags": [dict(_row(f, FLAG_COLUMNS), notes=[{"author": n.author, "action": n.action, "note": n.note,
                                                      "at": _iso(n.at)} for n in f.notes])
                  for f in flags],
        "treatments": [{"therapy": t.therapy_slug, "occurred_on": _iso(t.occurred_on), "note": t.note}
                       for t in treatments],
        "conversation_events": conversations.events_for(senders) if conversations is not None else [],
    }
    return data


@dataclass(frozen=True)
class DeletionReport:
    patient_id: int
    diary_entries: int
    flags: int
    treatments: int
    conversations: int
    conversation_events: int

    def as_dict(self) -> Dict[str, int]:
        return dict(self.__dict__)


def delete_patient(session: Session, patient_id: int, conversations=None) -> DeletionReport:
    """Delete the record and everything hanging off it (foreign keys cascade), and the stored
    conversations. The tracker rows go first: if that fails, nothing in our database is touched."""
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise LookupError(patient_id)
    senders = senders_of(session, patient_id)
    count = lambda table: len(list(session.execute(select(table.id).where(table.patient_id == patient_id))))
    report = DeletionReport(patient_id, count(DiaryEntry), count(Flag), count(TreatmentEvent), len(senders),
                            conversations.delete_for(senders) if conversations is not None and senders else 0)
    flag_ids = select(Flag.id).where(Flag.patient_id == patient_id)
    for delivery in session.execute(select(AlertDelivery).where(AlertDelivery.flag_id.in_(flag_ids))).scalars():
        session.delete(delivery)
    session.delete(patient)
    session.flush()
    return report
