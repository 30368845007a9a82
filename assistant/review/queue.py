"""The nurse review queue: one item per flag group, most serious first, with waiting times against
the response targets, counts per level, filters, sorting and pages.

Groups are summarised in SQL (one row per group, so the page stays quick however many flags there
are); sorting and paging happen on those summaries; evidence and patients are loaded for the shown
page only.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from assistant.numbers import whole_number
from assistant.paging import page_count
from assistant.review.baseline import leg_pain_changes
from assistant.review.levels import (
    QUEUE_LEVELS, QUEUE_RANK, STATUS_FILTERS, STATUS_RANK, STATUSES, UNKNOWN_RANK, level_of_rank,
)
from assistant.review.targets import Targets, load_targets
from assistant.tables import Flag, Patient, as_utc

SORTS = ("level", "waiting", "change")
EVIDENCE_SHOWN = 3  # per item; the flag page shows all


@dataclass(frozen=True)
class QueueQuery:
    """What the nurse asked to see. ``from_args`` turns request arguments into one, ignoring (and
    naming) values it does not know, so a hand-edited URL gets a clear note instead of an error."""

    level: Optional[str] = None
    status: str = "unresolved"
    sort: str = "level"
    page: int = 1
    problems: Tuple[str, ...] = ()

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "QueueQuery":
        problems = []
        level = (args.get("level") or "").strip() or None
        if level is not None and level not in QUEUE_LEVELS:
            problems.append("Unknown level ignored; showing every level.")
            level = None
        status = (args.get("status") or "").strip() or "unresolved"
        if status not in STATUS_FILTERS:
            problems.append("Unknown status ignored; showing unresolved items.")
            status = "unresolved"
        sort = (args.get("sort") or "").strip() or "level"
        if sort not in SORTS:
            problems.append("Unknown sort order ignored; sorting by level.")
            sort = "level"
        raw_page = (args.get("page") or "1").strip()
        page = whole_number(raw_page, max_digits=6)
        if raw_page and page is None:
            problems.append("Page number not understood; showing the first page.")
        return cls(level, status, sort, max(1, page or 1), tuple(problems))

    def args(self, **changes) -> Dict[str, str]:
        """URL arguments for this query (defaults left out), with ``changes`` applied."""
        values = {"level": self.level, "status": self.status, "sort": self.sort, "page": self.page}
        values.update(changes)
        defaults = {"level": None, "status": "unresolved", "sort": "level", "page": 1}
        return {k: str(v) for k, v in values.items() if v is not None and v != defaults[k]}

    @property
    def key(self) -> str:
        """Names this view of the queue (filters, sort and page) for the refresh audit."""
        return f"{self.level or '*'}|{self.status}|{self.sort}|{self.page}"


@dataclass
class QueueItem:
    """One queue row: a group of flags of one category for one patient within a day."""

    group_id: int
    patient_id: int
    category: str
    level: str
    status: str
    raised_at: datetime
    latest_at: datetime
    waiting_since: Optional[datetime]  # the first flag nobody has answered yet
    answered_at: Optional[datetime]    # first acknowledgement (or resolution) in the group
    count: int
    waited: timedelta                  # open: waiting so far; answered: how long the answer took
    target: Optional[timedelta]
    change: Optional[float] = None     # leg pain against the patient's baseline
    patient_label: str = ""
    enrolled: bool = False
    flag_ids: List[int] = field(default_factory=list)
    evidence: List[str] = field(default_factory=list)
    rule_ids: List[str] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        """Still unanswered and past its level's target."""
        return self.status == "open" and self.target is not None and self.waited > self.target

    @property
    def late(self) -> bool:
        """Answered, but after the target."""
        return self.status != "open" and self.target is not None and self.waited > self.target

    @property
    def more_evidence(self) -> int:
        return max(0, self.count - len(self.evidence))


@dataclass
class QueuePage:
    query: QueueQuery
    items: List[QueueItem]
    total: int
    page: int
    pages: int
    per_page: int
    counts: Dict[str, int]       # items per level, for the chosen status (every level)
    overdue: int                 # overdue items among those counted
    flag_total: int              # flags in the counted items
    generated_at: datetime

    @property
    def flag_ids(self) -> List[int]:
        return sorted(fid for item in self.items for fid in item.flag_ids)

    @property
    def group_ids(self) -> List[int]:
        return [item.group_id for item in self.items]

    @property
    def patient_ids(self) -> List[int]:
        return sorted({item.patient_id for item in self.items})

    @property
    def signature(self) -> str:
        """Changes when the shown items, their flags or their statuses change."""
        text = ";".join(f"{i.group_id}:{i.status}:{','.join(map(str, i.flag_ids))}" for i in self.items)
        return hashlib.sha256(f"{self.page}/{self.pages}|{text}".encode()).hexdigest()[:20]


def _group_key():
    return func.coalesce(Flag.group_id, Flag.id)


_STATUS_WANTED = {"unresolved": (0, 1), "open": (0,), "acknowledged": (1,), "resolved": (2,)}


def _summaries(session: Session, status: str):
    """One row per group whose least advanced status (open < acknowledged < resolved) is wanted."""
    level_rank = case(*[(Flag.level == level, rank) for level, rank in QUEUE_RANK.items()], else_=UNKNOWN_RANK)
    status_rank = case(*[(Flag.status == s, rank) for s, rank in STATUS_RANK.items()], else_=0)
    open_at = case((Flag.status == "open", Flag.created_at), else_=None)
    answered = func.coalesce(Flag.acknowledged_at, Flag.resolved_at)
    key = _group_key()
    return session.execute(
        select(key, func.min(Flag.patient_id), func.min(Flag.category), func.min(level_rank), func.min(status_rank),
               func.min(Flag.created_at), func.max(Flag.created_at), func.min(open_at), func.min(answered),
               func.count(Flag.id))
        .group_by(key)
        .having(func.min(status_rank).in_(_STATUS_WANTED[status]))
    ).all()


def _item(row, now: datetime, targets: Targets) -> QueueItem:
    group_id, patient_id, category, level_rank, status_rank, raised, latest, waiting_since, answered, count = row
    level = level_of_rank(level_rank)
    status = STATUSES[status_rank]
    raised, latest, waiting_since, answered = map(as_utc, (raised, latest, waiting_since, answered))
    if status == "open":
        waited = now - (waiting_since or raised)
    else:
        waited = (answered or now) - raised
    return QueueItem(group_id, patient_id, category, level, status, raised, latest, waiting_since, answered, count,
                     max(waited, timedelta(0)), targets.for_level(level))


def _sort(items: List[QueueItem], sort: str) -> None:
    far = datetime.max.replace(tzinfo=timezone.utc)
    if sort == "waiting":
        items.sort(key=lambda i: (i.status != "open", -i.waited.total_seconds(), QUEUE_RANK.get(i.level, UNKNOWN_RANK),
                                  i.group_id))
    elif sort == "change":
        items.sort(key=lambda i: (i.change is None, -(i.change or 0.0), QUEUE_RANK.get(i.level, UNKNOWN_RANK),
                                  i.waiting_since or i.raised_at or far, i.group_id))
    else:
        items.sort(key=lambda i: (QUEUE_RANK.get(i.level, UNKNOWN_RANK), STATUS_RANK[i.status],
                                  i.waiting_since or i.raised_at or far, i.group_id))


def patient_label(patient: Patient) -> str:
    """First name and clinic number for an enrolled patient; otherwise 'anonymous' and the record id.
    (Never the chat sender id: on some channels that is a phone number.)"""
    if patient.enrolled:
        first = patient.first_name or (patient.full_name or "").split(" ")[0] or "enrolled patient"
        return f"{first} ({patient.clinic_number})" if patient.clinic_number else first
    return f"anonymous #{patient.id}"


def _fill(session: Session, items: Sequence[QueueItem]) -> None:
    """Flags, evidence and patient labels for the items on the page."""
    if not items:
        return
    by_group = {item.group_id: item for item in items}
    key = _group_key()
    rows = session.execute(
        select(key, Flag.id, Flag.evidence, Flag.rule_id).where(key.in_(list(by_group)))
        .order_by(Flag.created_at.desc(), Flag.id.desc())
    ).all()
    for group_id, flag_id, evidence, rule_id in rows:
        item = by_group[group_id]
        item.flag_ids.append(flag_id)
        if len(item.evidence) < EVIDENCE_SHOWN:
            item.evidence.append(evidence)
        if rule_id not in item.rule_ids:
            item.rule_ids.append(rule_id)
    for item in items:
        item.flag_ids.sort()
    patients = {p.id: p for p in session.execute(
        select(Patient).where(Patient.id.in_({i.patient_id for i in items}))).scalars()}
    for item in items:
        patient = patients.get(item.patient_id)
        item.patient_label = patient_label(patient) if patient else f"anonymous #{item.patient_id}"
        item.enrolled = bool(patient and patient.enrolled)


def load_queue(session: Session, query: QueueQuery = QueueQuery(), per_page: int = 25,
               now: Optional[datetime] = None, targets: Optional[Targets] = None) -> QueuePage:
    """The queue as the nurse asked for it: counts over every level, then the chosen level's page."""
    now = as_utc(now) if now else datetime.now(timezone.utc)
    targets = targets or load_targets()
    per_page = max(1, int(per_page))
    items = [_item(row, now, targets) for row in _summaries(session, query.status)]
    counts = {level: 0 for level in QUEUE_LEVELS}
    for item in items:
        counts[item.level] = counts.get(item.level, 0) + 1
    overdue = sum(1 for item in items if item.overdue)
    flag_total = sum(item.count for item in items)
    if query.level:
        items = [item for item in items if item.level == query.level]
    if query.sort == "change":
        changes = leg_pain_changes(session, {item.patient_id for item in items})
        for item in items:
            item.change = changes.get(item.patient_id)
    _sort(items, query.sort)
    pages = page_count(len(items), per_page)
    page = min(query.page, pages)
    shown = items[(page - 1) * per_page: page * per_page]
    if query.sort != "change":
        changes = leg_pain_changes(session, {item.patient_id for item in shown})
        for item in shown:
            item.change = changes.get(item.patient_id)
    _fill(session, shown)
    return QueuePage(query, shown, len(items), page, pages, per_page, counts, overdue, flag_total, now)


def record_view(session: Session, actor: str, page: QueuePage, refresh: bool = False) -> None:
    """Audit what the nurse was shown: flag, group and patient ids and the filters, never the text."""
    from assistant.staff import audit

    audit.record(session, actor, "queue.view", "queue", None, flag_ids=page.flag_ids, group_ids=page.group_ids,
                 patient_ids=page.patient_ids, level=page.query.level, status=page.query.status,
                 sort=page.query.sort, page=page.page, refresh=refresh)
