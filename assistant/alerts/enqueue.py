"""Queue a webhook alert for each emergency or urgent flag, in the transaction that records the flag.

One page per unanswered problem: a flag whose group already has a pending or delivered alert for a
flag of the same or a more serious level that nobody has acknowledged yet adds no second alert.
Once a nurse has acknowledged the group, a new flag in it alerts again; so does a more serious one.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable, List, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.alerts.config import webhook_url
from assistant.review.levels import rank
from assistant.tables import AlertDelivery, Flag

ALERT_LEVELS = ("emergency", "urgent")


def _already_alerted(session: Session, flag: Flag) -> bool:
    group_id = flag.group_id or flag.id
    rows = session.execute(
        select(Flag.level).join(AlertDelivery, AlertDelivery.flag_id == Flag.id)
        .where(func.coalesce(Flag.group_id, Flag.id) == group_id, Flag.id != flag.id, Flag.status == "open",
               AlertDelivery.state.in_(("pending", "delivered")))
    ).scalars()
    return any(rank(level) <= rank(flag.level) for level in rows)


def enqueue_alerts(session: Session, flags: Iterable[Flag], url: Optional[str] = None,
                   now: Optional[datetime] = None) -> List[AlertDelivery]:
    """Pending deliveries for the flags that need one; none when no webhook URL is configured."""
    url = url or webhook_url()
    if not url:
        return []
    now = now or datetime.now(timezone.utc)
    created = []
    for flag in flags:
        if flag.level not in ALERT_LEVELS or _already_alerted(session, flag):
            continue
        delivery = AlertDelivery(flag_id=flag.id, url=url, state="pending", attempts=0, next_attempt_at=now,
                                 created_at=now)
        session.add(delivery)
        session.flush()
        created.append(delivery)
    return created
