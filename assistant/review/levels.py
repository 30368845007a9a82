"""The order the queue shows levels in. Callback requests come from the chat, not from a rule, so they
are ranked here rather than in the rule file: after urgent (someone asked to be called), before review."""
from __future__ import annotations

from typing import Dict

QUEUE_LEVELS = ("emergency", "urgent", "callback", "review")
QUEUE_RANK: Dict[str, int] = {level: rank for rank, level in enumerate(QUEUE_LEVELS)}
UNKNOWN_RANK = len(QUEUE_LEVELS)  # a level nobody ranked yet sorts last but still shows

STATUSES = ("open", "acknowledged", "resolved")
STATUS_RANK: Dict[str, int] = {status: rank for rank, status in enumerate(STATUSES)}
STATUS_FILTERS = ("unresolved", "open", "acknowledged", "resolved")


def rank(level: str) -> int:
    return QUEUE_RANK.get(level, UNKNOWN_RANK)


def level_of_rank(value: int) -> str:
    return QUEUE_LEVELS[value] if 0 <= value < len(QUEUE_LEVELS) else "other"
