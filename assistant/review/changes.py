"""Acknowledging and resolving a flag group, and adding notes: each change is one unit of work in the
caller's transaction, with a note per changed flag and an audit event (ids only, never the note).

A change that cannot happen (unknown flag, already resolved, already acknowledged) raises
``FlagChangeError`` with a message a nurse can act on; nothing is written.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import List, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.staff import audit
from assistant.tables import Flag, FlagNote, as_utc

MAX_NOTE_CHARS = 2000


class FlagChangeError(ValueError):
    """A change that cannot be made; ``status`` is the HTTP status a view should answer with."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message, self.status = message, status


@dataclass(frozen=True)
class Change:
    action: str
    flag_id: int
    group_id: int
    patient_id: int
    flag_ids: List[int]


def clean_note(text: Optional[str], required: bool) -> str:
    """Normalised note text: NFC, no control characters but newlines and tabs, trimmed, bounded."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))
    text = text.replace("\r", "").strip()
    if required and not text:
        raise FlagChangeError("Write a note saying what was done.", 400)
    if len(text) > MAX_NOTE_CHARS:
        raise FlagChangeError(f"The note is too long: at most {MAX_NOTE_CHARS} characters.", 400)
    return text


def _group(session: Session, flag_id: int) -> List[Flag]:
    flag = session.get(Flag, flag_id) if isinstance(flag_id, int) else None
    if flag is None:
        raise FlagChangeError(f"There is no flag {flag_id}.", 404)
    group_id = flag.group_id or flag.id
    return list(session.execute(
        select(Flag).where(func.coalesce(Flag.group_id, Flag.id) == group_id).order_by(Flag.id).with_for_update()
    ).scalars())


def _when(moment: Optional[datetime]) -> str:
    moment = as_utc(moment)
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "an unknown time"


def _apply(session: Session, flags: List[Flag], action: str, actor: str, note: str, now: datetime,
           flag_id: int) -> Change:
    for flag in flags:
        if action == "acknowledge":
            flag.status, flag.acknowledged_at, flag.acknowledged_by = "acknowledged", now, actor
        else:
            flag.status, flag.resolved_at, flag.resolved_by = "resolved", now, actor
        session.add(FlagNote(flag=flag, author=actor, action=action, note=note, at=now))
    session.flush()
    first = flags[0]
    change = Change(action, flag_id, first.group_id or first.id, first.patient_id, [f.id for f in flags])
    audit.record(session, actor, f"flag.{action}", "flag", flag_id, patient_id=change.patient_id,
                 group_id=change.group_id, flag_ids=change.flag_ids, with_note=bool(note))
    return change


def acknowledge(session: Session, flag_id: int, actor: str, note: str = "", now: Optional[datetime] = None) -> Change:
    """Mark every open flag of the group as seen by ``actor``."""
    note = clean_note(note, required=False)
    group = _group(session, flag_id)
    targets = [f for f in group if f.status == "open"]
    if not targets:
        if all(f.status == "resolved" for f in group):
            last = max(group, key=lambda f: as_utc(f.resolved_at) or datetime.min.replace(tzinfo=timezone.utc))
            raise FlagChangeError(f"This flag was already resolved by {last.resolved_by} at {_when(last.resolved_at)}.")
        done = next(f for f in group if f.status == "acknowledged")
        raise FlagChangeError(f"This flag was already acknowledged by {done.acknowledged_by} at "
                              f"{_when(done.acknowledged_at)}.")
    return _apply(session, targets, "acknowledge", actor, note, now or datetime.now(timezone.utc), flag_id)


def resolve(session: Session, flag_id: int, actor: str, note: str, now: Optional[datetime] = None) -> Change:
    """Close every unresolved flag of the group; a note saying what was done is required."""
    note = clean_note(note, required=True)
    group = _group(session, flag_id)
    targets = [f for f in group if f.status != "resolved"]
    if not targets:
        last = max(group, key=lambda f: as_utc(f.resolved_at) or datetime.min.replace(tzinfo=timezone.utc))
        raise FlagChangeError(f"This flag was already resolved by {last.resolved_by} at {_when(last.resolved_at)}.")
    return _apply(session, targets, "resolve", actor, note, now or datetime.now(timezone.utc), flag_id)


def add_note(session: Session, flag_id: int, actor: str, note: str, now: Optional[datetime] = None) -> FlagNote:
    """A note on one flag without changing its status."""
    note = clean_note(note, required=True)
    flag = session.get(Flag, flag_id) if isinstance(flag_id, int) else None
    if flag is None:
        raise FlagChangeError(f"There is no flag {flag_id}.", 404)
    entry = FlagNote(flag=flag, author=actor, action="note", note=note, at=now or datetime.now(timezone.utc))
    session.add(entry)
    session.flush()
    audit.record(session, actor, "flag.note", "flag", flag.id, patient_id=flag.patient_id,
                 group_id=flag.group_id or flag.id, note_id=entry.id)
    return entry
