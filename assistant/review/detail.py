"""Everything the flag page shows: the flag, the other flags of its group, its notes, its alerts."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import List, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.review.queue import patient_label
from assistant.tables import as_utc
from assistant.review.targets import load_targets
from assistant.tables import AlertDelivery, Flag, FlagNote


@dataclass
class FlagDetail:
    flag: Flag
    group: List[Flag]            # every flag of the group, this one included, oldest first
    notes: List[FlagNote]        # this flag's notes, oldest first
    deliveries: List[AlertDelivery]  # webhook alerts for flags of the group
    patient_label: str
    target: Optional[timedelta]
    waited: timedelta
    overdue: bool

    @property
    def group_id(self) -> int:
        return self.flag.group_id or self.flag.id


def flag_detail(session: Session, flag_id: int, now: Optional[datetime] = None) -> Optional[FlagDetail]:
    flag = session.get(Flag, flag_id)
    if flag is None:
        return None
    now = as_utc(now) if now else datetime.now(timezone.utc)
    group_id = flag.group_id or flag.id
    group = list(session.execute(
        select(Flag).where(func.coalesce(Flag.group_id, Flag.id) == group_id).order_by(Flag.created_at, Flag.id)
    ).scalars())
    notes = list(session.execute(
        select(FlagNote).where(FlagNote.flag_id == flag.id).order_by(FlagNote.at, FlagNote.id)).scalars())
    deliveries = list(session.execute(
        select(AlertDelivery).where(AlertDelivery.flag_id.in_([f.id for f in group]))
        .order_by(AlertDelivery.created_at, AlertDelivery.id)).scalars())
    target = load_targets().for_level(flag.level)
    answered = as_utc(flag.acknowledged_at or flag.resolved_at)
    waited = (answered or now) - as_utc(flag.created_at)
    overdue = flag.status == "open" and target is not None and waited > target
    return FlagDetail(flag, group, notes, deliveries, patient_label(flag.patient), target, waited, overdue)
