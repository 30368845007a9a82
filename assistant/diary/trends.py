"""Numbers a patient and a nurse want from a diary: weekly averages, rules on the patient's own
baseline, and pain before and after each treatment. Pure functions over dated entries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import mean
from typing import Optional, Sequence

from assistant.safety.rules import DiaryRule

BEFORE_TREATMENT_DAYS = 7
AFTER_TREATMENT_DAYS = 14


@dataclass(frozen=True)
class Point:
    """One diary entry's score at a time."""

    at: datetime
    value: Optional[int]


def average(points: Sequence[Point], start: datetime, end: datetime) -> Optional[float]:
    values = [p.value for p in points if p.value is not None and start <= p.at < end]
    return round(mean(values), 1) if values else None


def week_over_week(points: Sequence[Point], now: datetime):
    """(average of the last 7 days, average of the 7 days before that)."""
    return (average(points, now - timedelta(days=7), now + timedelta(seconds=1)),
            average(points, now - timedelta(days=14), now - timedelta(days=7)))


def rule_fires(rule: DiaryRule, points: Sequence[Point]) -> bool:
    """Whether a trend rule fires on the newest entries (points in time order)."""
    scored = [p for p in points if p.value is not None]
    needed = rule.consecutive_entries
    if len(scored) < needed:
        return False
    latest = scored[-needed:]
    if rule.at_least is not None:
        return all(p.value >= rule.at_least for p in latest)
    for point in latest:
        window_start = point.at - timedelta(days=rule.baseline_days)
        baseline = [p.value for p in scored if window_start <= p.at < point.at and p not in latest]
        if not baseline or point.value < mean(baseline) + rule.points_above_baseline:
            return False
    return True


@dataclass(frozen=True)
class BeforeAfter:
    therapy_slug: str
    occurred_on: date
    before: Optional[float]  # average leg pain in the week before
    after: Optional[float]   # average leg pain in the two weeks after


def before_after(points: Sequence[Point], therapy_slug: str, occurred_on: date) -> BeforeAfter:
    day = datetime.combine(occurred_on, datetime.min.time(), tzinfo=points[0].at.tzinfo if points else None)
    return BeforeAfter(
        therapy_slug, occurred_on,
        average(points, day - timedelta(days=BEFORE_TREATMENT_DAYS), day),
        average(points, day + timedelta(days=1), day + timedelta(days=AFTER_TREATMENT_DAYS + 1)),
    )
