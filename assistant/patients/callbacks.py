"""A patient's request to be called by a nurse ("I want to talk to a nurse"), kept as a flag so it shows
in the nurses' queue beside the red flags, at level and category "callback".

The same words from the same conversation are one request while it is waiting (a retried message
must not queue two calls); once a nurse has resolved it, asking again is a new request.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.patients.identity import patient_for
from assistant.safety.flags import record_flags
from assistant.safety.scanner import Finding
from assistant.staff import audit
from assistant.tables import Flag

CALLBACK_LEVEL = CALLBACK_CATEGORY = "callback"
CALLBACK_RULE_ID = "callback-request"
CALLBACK_RULE_VERSION = 1
MAX_EVIDENCE = 2000  # the patient's words, as they wrote them, up to a readable length


@dataclass(frozen=True)
class CallbackRequest:
    flag: Flag
    created: bool      # False: the same request was already waiting
    reachable: bool    # the patient is enrolled with a phone number the team can call


def source_key(sender_id: str, text: str, attempt: int = 0) -> str:
    """``callback:<sha256 of sender|text>``; a repeat after a resolved request adds ``|<attempt>``."""
    seed = f"{sender_id}|{text}" if attempt == 0 else f"{sender_id}|{text}|{attempt}"
    return "callback:" + hashlib.sha256(seed.encode("utf-8")).hexdigest()


def _flag_for(session: Session, key: str) -> Optional[Flag]:
    return session.execute(
        select(Flag).where(Flag.source_key == key, Flag.rule_id == CALLBACK_RULE_ID)
    ).scalar_one_or_none()


def request_callback(session: Session, sender_id: str, text: str) -> CallbackRequest:
    """Queue a call from a nurse for the patient behind ``sender_id``, in the caller's transaction."""
    patient = patient_for(session, sender_id)
    reachable = bool(patient.enrolled and (patient.phone or "").strip())
    attempt = 0
    while True:
        key = source_key(sender_id, text, attempt)
        existing = _flag_for(session, key)
        if existing is None:
            break
        if existing.status != "resolved":
            return CallbackRequest(existing, False, reachable)
        attempt += 1
    finding = Finding(CALLBACK_RULE_ID, CALLBACK_RULE_VERSION, CALLBACK_LEVEL, CALLBACK_CATEGORY,
                      "Callback request", (text or "").strip()[:MAX_EVIDENCE], "affirmed")
    (flag,) = record_flags(session, sender_id, key, [finding])
    audit.record(session, "chat", "flag.callback_request", "flag", flag.id, patient_id=flag.patient_id)
    return CallbackRequest(flag, True, reachable)
