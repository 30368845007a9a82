"""Response targets per level, read from ``targets.yml`` (a reviewed clinical data file, not code).

A malformed file raises ``TargetsFileError`` naming the problem, so the portal refuses to start with
targets it cannot trust rather than marking nothing as overdue.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional

import yaml

from assistant.review.levels import QUEUE_LEVELS

TARGETS_PATH = Path(__file__).resolve().parent / "targets.yml"


class TargetsFileError(ValueError):
    """The targets file cannot be used; the message says why."""


@dataclass(frozen=True)
class Targets:
    version: int
    reviewed_by: str
    by_level: Dict[str, timedelta]

    def for_level(self, level: str) -> Optional[timedelta]:
        return self.by_level.get(level)


def parse_targets(data: object) -> Targets:
    if not isinstance(data, dict) or not isinstance(data.get("targets"), dict):
        raise TargetsFileError("targets file: expected a mapping with a 'targets' mapping")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise TargetsFileError("targets file: 'version' must be a positive whole number")
    raw = data["targets"]
    unknown = set(raw) - set(QUEUE_LEVELS)
    if unknown:
        raise TargetsFileError(f"targets file: unknown level(s) {', '.join(sorted(map(str, unknown)))}")
    by_level = {}
    for level in QUEUE_LEVELS:
        minutes = raw.get(level)
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
            raise TargetsFileError(f"targets file: level '{level}' needs a positive number of minutes")
        by_level[level] = timedelta(minutes=minutes)
    return Targets(version, str(data.get("reviewed_by") or ""), by_level)


@lru_cache(maxsize=4)
def load_targets(path: Path = TARGETS_PATH) -> Targets:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise TargetsFileError(f"targets file {path}: {error}") from error
    return parse_targets(data)


def describe(delta: timedelta) -> str:
    """A duration as a nurse reads it: '15 min', '4 h', '3 d 2 h'."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    days, hours = divmod(hours, 24)
    return f"{days} d" + (f" {hours} h" if hours else "")
