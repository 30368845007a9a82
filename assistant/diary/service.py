"""Saving diary entries and treatment events, and the summaries built from them.

A save is one unit of work in the caller's transaction: the entry and every flag it raises are
written together, or (if anything fails) nothing is.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.diary.trends import BeforeAfter, Point, before_after, rule_fires, week_over_week
from assistant.tables import DiaryEntry, PatientSender, TreatmentEvent, as_utc
from assistant.safety.flags import patient_for, record_flags
from assistant.safety.scanner import Finding, SafetyScanner, scanner_for

SCORES = ("leg_pain", "back_pain")


@dataclass
class DiaryAnswers:
    leg_pain: Optional[int] = None
    back_pain: Optional[int] = None
    numbness: Optional[str] = None
    weakness: Optional[str] = None
    bladder_bowel: Optional[str] = None
    saddle: Optional[str] = None
    fever: Optional[str] = None
    medicines: Optional[str] = None
    side_effects: Optional[str] = None
    sleep: Optional[str] = None
    notes: Optional[str] = None


@dataclass
class SavedEntry:
    entry_id: int
    flags: List[Finding] = field(default_factory=list)


def _points(entries: List[DiaryEntry], score: str) -> List[Point]:
    return [Point(as_utc(e.recorded_at), getattr(e, score)) for e in entries]


def entries_for(session: Session, sender_id: str) -> List[DiaryEntry]:
    return list(session.execute(
        select(DiaryEntry).join(PatientSender, PatientSender.patient_id == DiaryEntry.patient_id)
        .where(PatientSender.sender_id == sender_id)
        .order_by(DiaryEntry.recorded_at, DiaryEntry.id)
    ).scalars())


def answer_findings(scanner: SafetyScanner, answers: DiaryAnswers) -> List[Finding]:
    """Flags from the answers to the diary's screening questions (rules in rules.yml)."""
    findings = []
    for rule in scanner.rules.diary_answer_rules:
        answer = getattr(answers, rule.field)
        if answer and (answer in rule.answers or ("*" in rule.answers and answer.strip())):
            status = "possible" if answer == "unsure" else "affirmed"
            findings.append(Finding(rule.id, rule.version, rule.level, rule.category, rule.title,
                                    f"{rule.field.replace('_', ' ')}: {answer}"[:160], status))
    for text in (answers.notes, answers.medicines):
        findings.extend(f for f in scanner.scan(text).findings if f.raises_flag)
    return findings


def trend_findings(scanner: SafetyScanner, entries: List[DiaryEntry]) -> List[Finding]:
    findings = []
    for rule in scanner.rules.diary_rules:
        points = _points(entries, rule.score)
        if rule_fires(rule, points):
            recent = [p.value for p in points if p.value is not None][-rule.consecutive_entries:]
            evidence = f"{rule.score.replace('_', ' ')} over the last entries: {', '.join(map(str, recent))}"
            findings.append(Finding(rule.id, rule.version, rule.level, rule.category, rule.title, evidence,
                                    "affirmed"))
    return findings


def last_score(session: Session, sender_id: str, field: str) -> Optional[int]:
    """The patient's most recent leg or back pain score (for "a bit worse than last time")."""
    if field not in SCORES:
        return None
    column = getattr(DiaryEntry, field)
    return session.execute(
        select(column).join(PatientSender, PatientSender.patient_id == DiaryEntry.patient_id)
        .where(PatientSender.sender_id == sender_id, column.is_not(None))
        .order_by(DiaryEntry.recorded_at.desc(), DiaryEntry.id.desc()).limit(1)
    ).scalar_one_or_none()


_DAYS_AGO = re.compile(r"\b(?:(yesterday)|(\d{1,2}|one|two|three|four|five|six|seven)\s+days?\s+ago|"
                       r"(last\s+night))\b")
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}


def treatment_date(text: str, now: datetime) -> date:
    """The day a reported treatment happened, in UTC like every stored time: "today" (the default),
    "yesterday", "last night" or "N days ago" (up to 31)."""
    today = now.astimezone(timezone.utc).date()
    match = _DAYS_AGO.search((text or "").lower())
    if not match:
        return today
    if match.group(1) or match.group(3):
        return today - timedelta(days=1)
    word = match.group(2)
    days = int(word) if word.isdigit() else _NUMBER_WORDS[word]
    return today - timedelta(days=min(days, 31))


def save_entry(session: Session, sender_id: str, answers: DiaryAnswers, *,
               recorded_at: Optional[datetime] = None, scanner: Optional[SafetyScanner] = None) -> SavedEntry:
    """Store a whole entry and the flags it raises, in the caller's transaction."""
    scanner = scanner or scanner_for()
    patient = patient_for(session, sender_id)
    moment = as_utc(recorded_at or datetime.now(timezone.utc))
    entry = DiaryEntry(patient_id=patient.id, recorded_at=moment, **asdict(answers))
    session.add(entry)
    session.flush()
    findings = answer_findings(scanner, answers) + trend_findings(scanner, entries_for(session, sender_id))
    record_flags(session, sender_id, f"diary:{entry.id}", findings)
    return SavedEntry(entry.id, [f for f in findings if f.raises_flag])


def record_treatment(session: Session, sender_id: str, therapy_slug: str, occurred_on: date,
                     note: Optional[str] = None) -> TreatmentEvent:
    """A dated treatment; telling it twice for the same day stores it once."""
    patient = patient_for(session, sender_id)
    existing = session.execute(select(TreatmentEvent).where(
        TreatmentEvent.patient_id == patient.id, TreatmentEvent.therapy_slug == therapy_slug,
        TreatmentEvent.occurred_on == occurred_on)).scalar_one_or_none()
    if existing:
        return existing
    event = TreatmentEvent(patient_id=patient.id, therapy_slug=therapy_slug, occurred_on=occurred_on, note=note)
    session.add(event)
    session.flush()
    return event


@dataclass
class DiarySummary:
    patient_id: str
    entries: List[Dict[str, object]]
    leg_pain_this_week: Optional[float]
    leg_pain_last_week: Optional[float]
    back_pain_this_week: Optional[float]
    back_pain_last_week: Optional[float]
    treatments: List[BeforeAfter]

    def as_dict(self) -> Dict[str, object]:
        data = asdict(self)
        data["treatments"] = [dict(asdict(t), occurred_on=t.occurred_on.isoformat()) for t in self.treatments]
        return data


def summary(session: Session, sender_id: str, *, now: Optional[datetime] = None, last: int = 5) -> DiarySummary:
    now = as_utc(now or datetime.now(timezone.utc))
    entries = entries_for(session, sender_id)
    leg, back = _points(entries, "leg_pain"), _points(entries, "back_pain")
    events = list(session.execute(
        select(TreatmentEvent).join(PatientSender, PatientSender.patient_id == TreatmentEvent.patient_id)
        .where(PatientSender.sender_id == sender_id).order_by(TreatmentEvent.occurred_on)
    ).scalars())
    columns = ("leg_pain", "back_pain", "numbness", "weakness", "bladder_bowel", "saddle", "fever", "medicines",
               "side_effects", "sleep", "notes")
    return DiarySummary(
        sender_id,
        [dict({"id": e.id, "recorded_at": as_utc(e.recorded_at).isoformat()}, **{c: getattr(e, c) for c in columns})
         for e in entries[-last:]],
        *week_over_week(leg, now), *week_over_week(back, now),
        [before_after(leg, e.therapy_slug, e.occurred_on) for e in events],
    )
