"""How far a patient's leg pain has moved from their own baseline: the latest diary entry's leg pain
minus the median of their entries in the 7 days before it. Used to sort the queue by size of change,
so a flag from a patient whose pain has just jumped rises above one from a patient who is steady."""
from __future__ import annotations

from datetime import datetime, timedelta
from statistics import median
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.tables import DiaryEntry

BASELINE_DAYS = 7
_CHUNK = 200  # patients per query, to keep the IN list short


def change_from_baseline(points: Sequence[Tuple[datetime, int]], days: int = BASELINE_DAYS) -> Optional[float]:
    """Latest value minus the median of the values in the ``days`` before it (points in time order).
    None when there is no latest value or no baseline to compare it with."""
    scored = [(at, value) for at, value in points if value is not None]
    if not scored:
        return None
    latest_at, latest = scored[-1]
    window = [value for at, value in scored[:-1] if latest_at - timedelta(days=days) <= at < latest_at]
    if not window:
        return None
    return float(latest - median(window))


def leg_pain_changes(session: Session, patient_ids: Iterable[int],
                     days: int = BASELINE_DAYS) -> Dict[int, Optional[float]]:
    """``change_from_baseline`` of leg pain for each patient (None where it cannot be computed).

    Two queries per batch: each patient's latest scored entry, then every scored entry in one date
    range covering the batch's windows. Batches hold patients whose latest entries lie within
    ``_SPREAD`` of each other, so a patient who stopped writing long ago does not drag in months of
    everybody else's diary."""
    ids = sorted(set(patient_ids))
    changes: Dict[int, Optional[float]] = {pid: None for pid in ids}
    latest: Dict[int, datetime] = {}
    for start in range(0, len(ids), _CHUNK):
        latest.update(session.execute(
            select(DiaryEntry.patient_id, func.max(DiaryEntry.recorded_at))
            .where(DiaryEntry.patient_id.in_(ids[start:start + _CHUNK]), DiaryEntry.leg_pain.is_not(None))
            .group_by(DiaryEntry.patient_id)
        ).all())
    for batch in _batches(latest):
        low, high = latest[batch[0]] - timedelta(days=days), latest[batch[-1]]
        points: Dict[int, List[Tuple[datetime, int]]] = {}
        for pid, at, value in session.execute(
            select(DiaryEntry.patient_id, DiaryEntry.recorded_at, DiaryEntry.leg_pain)
            .where(DiaryEntry.patient_id.in_(batch), DiaryEntry.leg_pain.is_not(None),
                   DiaryEntry.recorded_at >= low, DiaryEntry.recorded_at <= high)
            .order_by(DiaryEntry.recorded_at, DiaryEntry.id)
        ):
            if latest[pid] - timedelta(days=days) <= at <= latest[pid]:
                points.setdefault(pid, []).append((at, value))
        for pid in batch:
            changes[pid] = change_from_baseline(points.get(pid, []), days)
    return changes


_SPREAD = timedelta(days=30)


def _batches(latest: Dict[int, datetime]) -> List[List[int]]:
    """Patients in order of their latest entry, cut where the batch would span too long or grow too big."""
    batches: List[List[int]] = []
    for pid in sorted(latest, key=lambda p: (latest[p], p)):
        if batches and len(batches[-1]) < _CHUNK and latest[pid] - latest[batches[-1][0]] <= _SPREAD:
            batches[-1].append(pid)
        else:
            batches.append([pid])
    return batches
