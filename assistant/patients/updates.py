"""Closing the loop for the patient: telling them, once, that a nurse reviewed what they reported, and
answering "has anyone seen my diary?" truthfully from the flags.

A flag counts as reviewed once a nurse acknowledged or resolved it. ``Flag.patient_told_at`` records
that the chat said so; flags are claimed with a conditional UPDATE, so two conversations starting at
the same moment cannot both tell the same review. Dates are UTC calendar days, said in words.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Dict, List, Optional, Tuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from assistant.numbers import whole_number
from assistant.patients.identity import find_patient
from assistant.staff import audit
from assistant.tables import DiaryEntry, Flag, Patient, utcnow

REVIEWED_STATUSES = ("acknowledged", "resolved")
WAITING_STATUS = "open"
DIARY, MESSAGE, CALLBACK = "diary", "message", "callback"
CHAT_ACTOR = "chat"

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def date_in_words(day: date, today: Optional[date] = None) -> str:
    """"Tuesday 17 November", with the year when it is not this year (fixed English, not the locale)."""
    today = today or utcnow().date()
    words = f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"
    return words if day.year == today.year else f"{words} {day.year}"


def utc_day(moment: datetime) -> date:
    """The UTC calendar day of a stored moment (SQLite hands back naive datetimes, which are UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.date()


@dataclass(frozen=True)
class ReviewUpdate:
    """One thing to tell: a nurse reviewed the diary entry / message / callback request of ``about``."""

    kind: str
    about: date
    flag_ids: Tuple[int, ...]


@dataclass(frozen=True)
class ReviewStatus:
    waiting: int                   # flags no nurse has looked at yet
    reviewed_on: Optional[date]    # the day of the latest review, if any


def kind_of(flag: Flag) -> str:
    if flag.source_key.startswith("diary:"):
        return DIARY
    if flag.source_key.startswith("callback:"):
        return CALLBACK
    return MESSAGE  # "message:<id>", "diary-answer:<id>" (an answer typed in the diary), anything else


def _entry_id(flag: Flag) -> Optional[int]:
    tail = flag.source_key.split(":", 1)[1]
    return whole_number(tail)


def _entry_days(session: Session, flags: List[Flag]) -> Dict[int, date]:
    ids = {_entry_id(f) for f in flags if kind_of(f) == DIARY} - {None}
    if not ids:
        return {}
    rows = session.execute(select(DiaryEntry.id, DiaryEntry.recorded_at).where(DiaryEntry.id.in_(ids))).all()
    return {entry_id: utc_day(recorded_at) for entry_id, recorded_at in rows}


def _flags(session: Session, patient: Patient, *statuses: str) -> List[Flag]:
    return list(session.execute(
        select(Flag).where(Flag.patient_id == patient.id, Flag.status.in_(statuses)).order_by(Flag.created_at, Flag.id)
    ).scalars())


def untold_reviews(session: Session, sender_id: str) -> List[ReviewUpdate]:
    """Reviews the patient has not been told about, one per (kind, day), oldest first.

    A diary flag is dated by its entry; any other flag by when it was raised."""
    patient = find_patient(session, sender_id)
    if patient is None:
        return []
    flags = [f for f in _flags(session, patient, *REVIEWED_STATUSES) if f.patient_told_at is None]
    entry_days = _entry_days(session, flags)
    grouped: Dict[Tuple[str, date], List[int]] = {}
    for flag in flags:
        kind = kind_of(flag)
        about = entry_days.get(_entry_id(flag)) if kind == DIARY else None
        grouped.setdefault((kind, about or utc_day(flag.created_at)), []).append(flag.id)
    ordered = sorted(grouped.items(), key=lambda item: (item[0][1], min(item[1])))
    return [ReviewUpdate(kind, about, tuple(ids)) for (kind, about), ids in ordered]


def tell_reviews(session: Session, sender_id: str, *, now: Optional[datetime] = None) -> List[ReviewUpdate]:
    """The reviews to tell the patient now, each marked told in the caller's transaction (exactly once)."""
    now = now or utcnow()
    told: List[ReviewUpdate] = []
    for item in untold_reviews(session, sender_id):
        claimed = session.execute(
            update(Flag).where(Flag.id.in_(item.flag_ids), Flag.patient_told_at.is_(None))
            .values(patient_told_at=now).execution_options(synchronize_session=False)
        ).rowcount
        if claimed:
            told.append(item)
    if told:
        session.expire_all()
        patient = find_patient(session, sender_id)
        audit.record(session, CHAT_ACTOR, "flag.patient_told", "patient", patient.id, patient_id=patient.id,
                     flag_ids=sorted(i for item in told for i in item.flag_ids))
    return told


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo is not None else moment


def reviewed_at(flag: Flag) -> Optional[datetime]:
    """When a nurse first looked: acknowledged, or resolved straight away."""
    moments = [_naive_utc(m) for m in (flag.acknowledged_at, flag.resolved_at) if m is not None]
    return min(moments) if moments else None


def review_status(session: Session, sender_id: str) -> ReviewStatus:
    """What is true right now: how many flags wait for a nurse, and when a nurse last reviewed one."""
    patient = find_patient(session, sender_id)
    if patient is None:
        return ReviewStatus(0, None)
    waiting = len(_flags(session, patient, WAITING_STATUS))
    days = [moment.date() for moment in map(reviewed_at, _flags(session, patient, *REVIEWED_STATUSES)) if moment]
    return ReviewStatus(waiting, max(days) if days else None)
