"""One patient's record as a nurse reads it: diary, treatments with pain before and after, flags
with the conversation around each, enrolment codes.

Queries go by patient id (not sender id) so an enrolled patient with no conversation yet, or with
several, reads the same way. The conversation store is a separate database that may be missing or
down: that is reported as a state, never as an error page.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from assistant.conversations import ConversationStore, Excerpt, Message, excerpt_from
from assistant.diary.trends import Point, before_after
from assistant.numbers import whole_number
from assistant.patients.identity import senders_of
from assistant.tables import DiaryEntry, EnrolmentCode, Flag, Patient, Topic, TreatmentEvent, as_utc

log = logging.getLogger(__name__)

# What the conversation store held for this patient.
STORED, NONE_STORED, UNAVAILABLE = "stored", "none", "unavailable"
EXCERPT_TURNS = 3


@dataclass(frozen=True)
class TreatmentView:
    id: int
    therapy_slug: str
    title: str
    occurred_on: object
    note: Optional[str]
    leg_pain_before: Optional[float]
    leg_pain_after: Optional[float]


@dataclass
class FlagView:
    flag: Flag
    excerpt: Optional[Excerpt] = None

    @property
    def diary_entry_id(self) -> Optional[int]:
        key = self.flag.source_key or ""
        return whole_number(key[6:]) if key.startswith("diary:") else None


@dataclass
class PatientRecord:
    patient: Patient
    sender_ids: List[str]
    entries: List[DiaryEntry]          # newest first
    treatments: List[TreatmentView]
    flags: List[FlagView]
    codes: List[EnrolmentCode] = field(default_factory=list)
    conversation: str = NONE_STORED

    @property
    def entries_oldest_first(self) -> List[DiaryEntry]:
        return list(reversed(self.entries))


def diary_entries(session: Session, patient_id: int) -> List[DiaryEntry]:
    """Oldest first."""
    return list(session.execute(select(DiaryEntry).where(DiaryEntry.patient_id == patient_id)
                                .order_by(DiaryEntry.recorded_at, DiaryEntry.id)).scalars())


def treatments(session: Session, patient_id: int, entries: List[DiaryEntry]) -> List[TreatmentView]:
    """Each treatment with the average leg pain in the week before and the two weeks after."""
    events = list(session.execute(select(TreatmentEvent).where(TreatmentEvent.patient_id == patient_id)
                                  .order_by(TreatmentEvent.occurred_on, TreatmentEvent.id)).scalars())
    if not events:
        return []
    titles: Dict[str, str] = dict(session.execute(
        select(Topic.slug, Topic.title).where(Topic.slug.in_({e.therapy_slug for e in events}))).all())
    leg = [Point(as_utc(e.recorded_at), e.leg_pain) for e in entries]
    result = []
    for event in events:
        comparison = before_after(leg, event.therapy_slug, event.occurred_on)
        result.append(TreatmentView(event.id, event.therapy_slug, titles.get(event.therapy_slug, event.therapy_slug),
                                    event.occurred_on, event.note, comparison.before, comparison.after))
    return result


def flags_of(session: Session, patient_id: int) -> List[Flag]:
    """Unresolved first, newest first within each."""
    flags = list(session.execute(select(Flag).where(Flag.patient_id == patient_id)
                                 .order_by(Flag.created_at.desc(), Flag.id.desc())).scalars())
    return sorted(flags, key=lambda f: f.status == "resolved")


def conversation_messages(conversations: Optional[ConversationStore], sender_ids: List[str]):
    """(messages, state). A store that cannot be read is logged by error type only (no content)."""
    if conversations is None or not sender_ids:
        return [], NONE_STORED
    try:
        messages = conversations.messages(sender_ids)
    except SQLAlchemyError as error:
        log.warning("conversation store unreadable: %s", type(error).__name__)
        return [], UNAVAILABLE
    return messages, STORED if messages else NONE_STORED


def load_record(session: Session, patient_id: int,
                conversations: Optional[ConversationStore] = None) -> Optional[PatientRecord]:
    patient = session.get(Patient, patient_id)
    if patient is None:
        return None
    senders = senders_of(session, patient_id)
    entries = diary_entries(session, patient_id)
    messages, state = conversation_messages(conversations, senders)
    flags = [FlagView(flag, _excerpt(messages, flag)) for flag in flags_of(session, patient_id)]
    codes = list(session.execute(select(EnrolmentCode).where(EnrolmentCode.patient_id == patient_id)
                                 .order_by(EnrolmentCode.created_at.desc(), EnrolmentCode.id.desc())).scalars())
    return PatientRecord(patient, senders, list(reversed(entries)), treatments(session, patient_id, entries), flags,
                         codes, state)


def _excerpt(messages: List[Message], flag: Flag) -> Optional[Excerpt]:
    if not messages:
        return None
    return excerpt_from(messages, flag.evidence, EXCERPT_TURNS, source_key=flag.source_key,
                        near=as_utc(flag.created_at))
