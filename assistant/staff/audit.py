"""The append-only audit log: every view of patient data, every flag change, every content change.

``detail`` holds ids, field names and statuses only. Free text (notes, messages, answer texts)
stays in its own table, so the log can be read without reading patients' words.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Dict, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.paging import Page, fetch_page
from assistant.tables import AuditEvent


def record(session: Session, actor: str, action: str, target_type: str, target_id: Any = None, *,
           patient_id: Optional[int] = None, **detail: Any) -> AuditEvent:
    """Add one audit event to the caller's transaction (it commits or rolls back with the change)."""
    event = AuditEvent(actor=actor, action=action, target_type=target_type,
                       target_id=None if target_id is None else str(target_id), patient_id=patient_id,
                       detail=json.dumps(detail, sort_keys=True, default=str))
    session.add(event)
    session.flush()
    return event


def search(session: Session, *, actor: Optional[str] = None, action: Optional[str] = None,
           patient_id: Optional[int] = None, since: Optional[datetime] = None,
           page: int = 1, per_page: int = 50) -> Page[AuditEvent]:
    """Newest first, filtered, one page at a time."""
    query = select(AuditEvent)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if patient_id is not None:
        query = query.where(AuditEvent.patient_id == patient_id)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    rows, total, page = fetch_page(session, query, (AuditEvent.at.desc(), AuditEvent.id.desc()), page, per_page)
    return Page([row[0] for row in rows], total, page, per_page)


def detail_of(event: AuditEvent) -> Dict[str, Any]:
    return json.loads(event.detail or "{}")
