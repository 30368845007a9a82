"""A code typed in the chat: bind the conversation (``identity.bind_by_code``), audit the attempt, and
collect the nurse reviews a returning patient has not heard about yet. The code itself is never
stored in clear, logged or audited."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

from sqlalchemy.orm import Session

from assistant.patients.identity import EnrolmentError, bind_by_code, find_patient
from assistant.patients.updates import CHAT_ACTOR, ReviewUpdate, tell_reviews
from assistant.staff import audit

LINKED, UNKNOWN, OTHER_RECORD = "linked", "unknown", "other_record"


@dataclass(frozen=True)
class LinkResult:
    outcome: str                      # linked | unknown (or revoked) | other_record
    first_name: Optional[str] = None  # only the first name is ever said back
    updates: List[ReviewUpdate] = field(default_factory=list)


def link_by_code(session: Session, sender_id: str, code: Optional[str]) -> LinkResult:
    """In the caller's transaction. An unknown or revoked code, or a chat that already belongs to another
    enrolled patient, changes nothing but the audit log."""
    try:
        with session.begin_nested():  # a refused binding leaves nothing behind, not even last_used_at
            patient = bind_by_code(session, sender_id, code) if code else None
    except EnrolmentError:
        current = find_patient(session, sender_id)
        audit.record(session, CHAT_ACTOR, "patient.code_refused", "patient", current.id, patient_id=current.id,
                     reason="linked_to_another_patient")
        return LinkResult(OTHER_RECORD)
    if patient is None:
        audit.record(session, CHAT_ACTOR, "patient.code_unknown", "patient_sender")
        return LinkResult(UNKNOWN)
    audit.record(session, CHAT_ACTOR, "patient.link_code", "patient", patient.id, patient_id=patient.id,
                 method="code")
    return LinkResult(LINKED, (patient.first_name or "").strip() or None, tell_reviews(session, sender_id))
