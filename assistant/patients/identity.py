"""Binding chat sender ids to patient records.

Every conversation has a sender id. The first time one is seen it gets an anonymous patient row.
A nurse enrols a patient and hands them a code (also usable as a personal link); a conversation
that presents the code is bound to the enrolled record, and anything it recorded while anonymous
(diary entries, flags, treatments) moves with it. A nurse can also link an anonymous id by hand.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date
from typing import List, Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from assistant.tables import DiaryEntry, EnrolmentCode, Flag, Patient, PatientSender, TreatmentEvent, utcnow

# Unambiguous letters and digits (no 0/O, 1/I/L), read over the phone without spelling trouble.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_PATTERN = re.compile(r"\b([A-HJ-NP-Z2-9]{4})[- ]?([A-HJ-NP-Z2-9]{4})\b", re.IGNORECASE)


class EnrolmentError(ValueError):
    """A request a nurse can correct (duplicate clinic number, unknown id, ...)."""


def patient_for(session: Session, sender_id: str) -> Patient:
    """The patient behind a conversation, created (anonymous) on first use."""
    patient = find_patient(session, sender_id)
    if patient is None:
        patient = Patient(sender_id=sender_id)
        session.add(patient)
        session.flush()
        session.add(PatientSender(sender_id=sender_id, patient_id=patient.id, method="first_use"))
        session.flush()
    return patient


def find_patient(session: Session, sender_id: str) -> Optional[Patient]:
    """The patient a conversation is bound to, or None if the sender id was never seen."""
    return session.execute(
        select(Patient).join(PatientSender).where(PatientSender.sender_id == sender_id)
    ).scalar_one_or_none()


def senders_of(session: Session, patient_id: int) -> List[str]:
    return list(session.execute(
        select(PatientSender.sender_id).where(PatientSender.patient_id == patient_id).order_by(PatientSender.linked_at)
    ).scalars())


def enrol(session: Session, *, full_name: str, date_of_birth: date, clinic_number: str, phone: str,
          enrolled_by: str, first_name: Optional[str] = None) -> Patient:
    """A new enrolled patient record (no conversation yet)."""
    full_name = " ".join(full_name.split())
    clinic_number = clinic_number.strip()
    if not full_name or not clinic_number:
        raise EnrolmentError("a name and a clinic number are needed")
    taken = session.execute(select(Patient.id).where(Patient.clinic_number == clinic_number)).first()
    if taken:
        raise EnrolmentError(f"clinic number {clinic_number} is already enrolled")
    patient = Patient(full_name=full_name, first_name=(first_name or full_name.split()[0]).strip(),
                      date_of_birth=date_of_birth, clinic_number=clinic_number, phone=phone.strip(),
                      enrolled_at=utcnow(), enrolled_by=enrolled_by)
    session.add(patient)
    session.flush()
    return patient


def normalise_code(text: str) -> Optional[str]:
    """The code in ``text`` as XXXX-XXXX, or None."""
    match = CODE_PATTERN.search(text or "")
    return f"{match.group(1)}-{match.group(2)}".upper() if match else None


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class IssuedCode:
    code: str        # shown once to the nurse
    record: EnrolmentCode


def issue_code(session: Session, patient: Patient, *, created_by: str) -> IssuedCode:
    """A fresh code for an enrolled patient; only its hash is kept."""
    if not patient.enrolled:
        raise EnrolmentError("only enrolled patients get a code")
    while True:
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        code = f"{raw[:4]}-{raw[4:]}"
        if not session.execute(select(EnrolmentCode.id).where(EnrolmentCode.code_hash == _hash(code))).first():
            break
    record = EnrolmentCode(patient=patient, code_hash=_hash(code), code_hint=code[-3:], created_by=created_by)
    session.add(record)
    session.flush()
    return IssuedCode(code, record)


def revoke_code(session: Session, code_id: int, *, revoked_by: str) -> EnrolmentCode:
    record = session.get(EnrolmentCode, code_id)
    if record is None:
        raise EnrolmentError("no such code")
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        record.revoked_by = revoked_by
    return record


def active_code(session: Session, code: str) -> Optional[EnrolmentCode]:
    normal = normalise_code(code)
    if not normal:
        return None
    return session.execute(
        select(EnrolmentCode).where(EnrolmentCode.code_hash == _hash(normal), EnrolmentCode.revoked_at.is_(None))
    ).scalar_one_or_none()


def bind_by_code(session: Session, sender_id: str, code: str) -> Optional[Patient]:
    """Bind the conversation to the patient the code belongs to; None if the code is unknown or revoked."""
    record = active_code(session, code)
    if record is None:
        return None
    record.last_used_at = utcnow()
    link_sender(session, sender_id, record.patient, method="code", linked_by=None)
    return record.patient


def link_sender(session: Session, sender_id: str, patient: Patient, *, method: str,
                linked_by: Optional[str]) -> Patient:
    """Bind ``sender_id`` to ``patient``. If it belonged to an anonymous record, that record's diary,
    flags and treatments move over and the empty anonymous record is removed."""
    current = find_patient(session, sender_id)
    if current is not None and current.id == patient.id:
        return patient
    if current is not None and current.enrolled:
        raise EnrolmentError("this conversation already belongs to another enrolled patient")
    if current is not None:
        _move_records(session, current, patient)
        session.execute(update(PatientSender).where(PatientSender.patient_id == current.id)
                        .values(patient_id=patient.id, method=method, linked_by=linked_by, linked_at=utcnow()))
        session.flush()
        session.expire_all()
        session.delete(session.get(Patient, current.id))
    else:
        session.add(PatientSender(sender_id=sender_id, patient_id=patient.id, method=method, linked_by=linked_by))
    session.flush()
    return patient


def _move_records(session: Session, source: Patient, target: Patient) -> None:
    for table in (DiaryEntry, Flag, TreatmentEvent):
        if table is TreatmentEvent:
            # The same treatment on the same day may already be on the enrolled record: keep one.
            existing = set(session.execute(select(TreatmentEvent.therapy_slug, TreatmentEvent.occurred_on)
                                           .where(TreatmentEvent.patient_id == target.id)).all())
            for event in session.execute(select(TreatmentEvent).where(TreatmentEvent.patient_id == source.id)).scalars():
                if (event.therapy_slug, event.occurred_on) in existing:
                    session.delete(event)
            session.flush()
        session.execute(update(table).where(table.patient_id == source.id).values(patient_id=target.id))


def find_by_clinic_number(session: Session, clinic_number: str) -> Optional[Patient]:
    number = (clinic_number or "").strip()
    if not number:
        return None
    return session.execute(select(Patient).where(Patient.clinic_number == number)).scalar_one_or_none()


def link_anonymous(session: Session, sender_id: str, patient: Patient, *, linked_by: str) -> int:
    """A nurse binds a conversation the assistant already knows to an enrolled patient. Refuses ids
    never seen (a typo would otherwise bind a stranger's future chat). Returns the id of the anonymous
    record whose diary and flags moved over (that record is then removed)."""
    sender_id = (sender_id or "").strip()
    if not patient.enrolled:
        raise EnrolmentError("a conversation can only be linked to an enrolled patient")
    current = find_patient(session, sender_id) if sender_id else None
    if current is None:
        raise EnrolmentError("no conversation with that id is known")
    if current.id == patient.id:
        raise EnrolmentError("this conversation already belongs to this patient")
    if current.enrolled:
        raise EnrolmentError("this conversation already belongs to another enrolled patient")
    source_id = current.id
    link_sender(session, sender_id, patient, method="nurse", linked_by=linked_by)
    return source_id
