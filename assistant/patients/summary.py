"""The pre-visit summary: what a clinician wants on one printed page before seeing the patient.

``build_summary`` returns plain JSON-ready data; the printable page and the JSON download both use
it, so they can never disagree. Diary figures cover the last ``weeks`` weeks; flags, treatments and
questions cover the whole record.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone
from statistics import mean
from typing import Any, Dict, List, Optional

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from assistant.conversations import ConversationStore
from assistant.diary.trends import Point, week_over_week
from assistant.patients.identity import senders_of
from assistant.patients.record import (
    NONE_STORED, STORED, UNAVAILABLE, diary_entries, flags_of, treatments,
)
from assistant.tables import Patient, as_utc

log = logging.getLogger(__name__)
SUMMARY_WEEKS = 12


def _iso(value) -> Optional[str]:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    return value.isoformat() if value is not None else None


def _avg(values: List[Optional[int]]) -> Optional[float]:
    scored = [v for v in values if v is not None]
    return float(round(mean(scored), 1)) if scored else None


def _week_start(moment: datetime) -> date:
    day = moment.astimezone(timezone.utc).date()
    return day - timedelta(days=day.weekday())


def weekly_averages(entries, since: datetime) -> List[Dict[str, Any]]:
    """Monday-based weeks that have entries, oldest first: count and average leg and back pain."""
    weeks: Dict[date, list] = {}
    for entry in entries:
        at = as_utc(entry.recorded_at)
        if at >= since:
            weeks.setdefault(_week_start(at), []).append(entry)
    return [{"week_start": start.isoformat(), "entries": len(rows),
             "leg_pain": _avg([e.leg_pain for e in rows]), "back_pain": _avg([e.back_pain for e in rows])}
            for start, rows in sorted(weeks.items())]


def _patient(patient: Patient, senders: List[str]) -> Dict[str, Any]:
    return {"id": patient.id, "enrolled": patient.enrolled, "full_name": patient.full_name,
            "date_of_birth": _iso(patient.date_of_birth), "clinic_number": patient.clinic_number,
            "anonymous_id": None if patient.enrolled else patient.sender_id, "conversations": len(senders)}


def _flag(flag) -> Dict[str, Any]:
    return {"id": flag.id, "level": flag.level, "category": flag.category, "rule_id": flag.rule_id,
            "evidence": flag.evidence, "assertion": flag.assertion, "status": flag.status,
            "created_at": _iso(flag.created_at), "acknowledged_at": _iso(flag.acknowledged_at),
            "acknowledged_by": flag.acknowledged_by, "resolved_at": _iso(flag.resolved_at),
            "resolved_by": flag.resolved_by,
            "notes": [{"author": n.author, "action": n.action, "note": n.note, "at": _iso(n.at)} for n in flag.notes]}


def _questions(conversations: Optional[ConversationStore], senders: List[str]):
    if conversations is None or not senders:
        return [], NONE_STORED
    try:
        asked = conversations.questions_asked(senders)
        state = STORED if asked or conversations.has_events(senders) else NONE_STORED
    except SQLAlchemyError as error:
        log.warning("conversation store unreadable: %s", type(error).__name__)
        return [], UNAVAILABLE
    return [{"at": _iso(q.at), "text": q.text, "intent": q.intent} for q in asked], state


def build_summary(session: Session, patient_id: int, conversations: Optional[ConversationStore] = None, *,
                  now: Optional[datetime] = None, weeks: int = SUMMARY_WEEKS) -> Optional[Dict[str, Any]]:
    """The summary of one patient, or None if there is no such patient."""
    patient = session.get(Patient, patient_id)
    if patient is None:
        return None
    now = as_utc(now or datetime.now(timezone.utc))
    since = now - timedelta(weeks=weeks)
    senders = senders_of(session, patient_id)
    entries = diary_entries(session, patient_id)
    recent = [e for e in entries if as_utc(e.recorded_at) >= since]
    leg = [Point(as_utc(e.recorded_at), e.leg_pain) for e in entries]
    back = [Point(as_utc(e.recorded_at), e.back_pain) for e in entries]
    (leg_now, leg_before), (back_now, back_before) = week_over_week(leg, now), week_over_week(back, now)
    questions, conversation = _questions(conversations, senders)
    return {
        "patient": _patient(patient, senders),
        "generated_at": now.isoformat(),
        "period": {"weeks": weeks, "from": since.date().isoformat(), "to": now.date().isoformat()},
        "diary": {
            "entries_total": len(entries),
            "entries_in_period": len(recent),
            "first_entry": _iso(entries[0].recorded_at) if entries else None,
            "last_entry": _iso(entries[-1].recorded_at) if entries else None,
            "this_week": {"leg_pain": leg_now, "back_pain": back_now},
            "last_week": {"leg_pain": leg_before, "back_pain": back_before},
            "weekly_averages": weekly_averages(entries, since),
            "points": [{"at": _iso(e.recorded_at), "leg_pain": e.leg_pain, "back_pain": e.back_pain} for e in recent],
        },
        "flags": [_flag(f) for f in flags_of(session, patient_id)],
        "treatments": [{"therapy": t.therapy_slug, "title": t.title, "occurred_on": _iso(t.occurred_on),
                        "leg_pain_before": t.leg_pain_before, "leg_pain_after": t.leg_pain_after}
                       for t in treatments(session, patient_id, entries)],
        "questions": questions,
        "conversation": conversation,
    }
