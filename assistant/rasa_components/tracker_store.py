"""Rasa's SQL tracker store, keeping each recent conversation's events decoded between messages.

Rasa 3.6 (``SQLTrackerStore``) reads every event of the conversation's current session back from the
database and decodes its JSON for every message, and counts them again to save: at 450 events that
was a third of the Rasa server's CPU per message under ``bench/load.py --profile``, and it grows with
the conversation. This store keeps the decoded events of the conversations it served last and, per
message, asks the database only how many events the conversation has and the newest one's id:

- unchanged (the usual case: this server saved them): the kept events are replayed into a new
  tracker, as Rasa would replay the decoded ones;
- grown (another Rasa server behind the proxy took a turn): only the new rows are read and decoded;
- anything else (a new session, events deleted on a patient's request, the cache full or cold):
  Rasa's rows are read whole, exactly as Rasa reads them.

What a message sees is what Rasa's own store would return (``tests/test_tracker_store.py`` compares
them turn by turn). The database stays the only record; the cache is per process and may be dropped
at any time. ``ASSISTANT_TRACKER_CACHE_CONVERSATIONS`` bounds it (least recently used go first).
"""
from __future__ import annotations

import json
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, List, Optional, Sequence, Text, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from assistant.config import load_settings
from assistant.rasa_components import event_types

logger = logging.getLogger(__name__)

event_types.install()  # decoding the rows that still have to be read is cheap too


@dataclass
class _CachedSession:
    """The events of a conversation's current session as stored, and how to tell they still are."""

    row_count: int  # rows of this sender in all sessions, to notice deletions
    newest_id: int
    session_rows: int  # rows of the current session (an unknown event type decodes to nothing)
    events: List[Event] = field(default_factory=list)
    # checked against the database by a read since the last save: the save of the same message needs
    # no second check, since Rasa's lock store lets no other server take a turn in between
    checked: bool = False


def _decode(rows: Sequence[Tuple[Any, ...]]) -> List[Event]:
    """Rows of (id, type_name, data) -> events, skipping what Rasa's own decoding skips."""
    decoded = (Event.from_parameters(json.loads(data)) for _, _, data in rows)
    return [event for event in decoded if event is not None]


class CachingSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` with decoded events kept per conversation; configured in endpoints.yml."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sessions: "OrderedDict[Text, _CachedSession]" = OrderedDict()
        # about 1.7 KB per event: 0.3-0.8 MB per conversation of 150-450 events
        self._capacity = load_settings().tracker_cache_conversations
        self.hits = 0  # answered from the kept events (with or without newer rows)
        self.misses = 0  # read whole from the database

    # -- the cache ---------------------------------------------------------------------------------

    def _cached(self, sender_id: Text) -> Optional[_CachedSession]:
        cached = self._sessions.get(sender_id)
        if cached is not None:
            self._sessions.move_to_end(sender_id)
        return cached

    def _keep(self, sender_id: Text, cached: Optional[_CachedSession]) -> None:
        if cached is None or self._capacity <= 0:
            self._sessions.pop(sender_id, None)
            return
        self._sessions[sender_id] = cached
        self._sessions.move_to_end(sender_id)
        while len(self._sessions) > self._capacity:
            self._sessions.popitem(last=False)

    # -- queries (SQLAlchemy 2.0 style) --------------------------------------------------------------

    def _row_count_and_newest_id(self, session: Any, sender_id: Text) -> Tuple[int, int]:
        events = self.SQLEvent
        count, newest = session.execute(
            sa.select(sa.func.count(events.id), sa.func.max(events.id)).where(events.sender_id == sender_id)
        ).one()
        return int(count or 0), int(newest or 0)

    def _rows_after(self, session: Any, sender_id: Text, newest_id: int) -> List[Tuple[Any, ...]]:
        events = self.SQLEvent
        statement = (
            sa.select(events.id, events.type_name, events.data)
            .where(events.sender_id == sender_id, events.id > newest_id)
            .order_by(events.id)
        )
        return list(session.execute(statement).all())

    def _current_session_rows(self, session: Any, sender_id: Text) -> List[Tuple[Any, ...]]:
        """The rows Rasa's ``_event_query`` returns for the latest session, ids and data only."""
        events = self.SQLEvent
        session_start = (
            sa.select(sa.func.max(events.timestamp))
            .where(events.sender_id == sender_id, events.type_name == SessionStarted.type_name)
            .scalar_subquery()
        )
        statement = (
            sa.select(events.id, events.type_name, events.data)
            .where(events.sender_id == sender_id, sa.or_(events.timestamp >= session_start, session_start.is_(None)))
            .order_by(events.id)
        )
        return list(session.execute(statement).all())

    # -- Rasa's interface ----------------------------------------------------------------------------

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        if fetch_events_from_all_sessions:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        events = self._current_session_events(sender_id)
        if not self.domain or not events:
            return None
        return DialogueStateTracker.from_events(sender_id, events, self.domain.slots)

    def _current_session_events(self, sender_id: Text) -> List[Event]:
        cached = self._cached(sender_id)
        with self.session_scope() as session:
            row_count, newest_id = self._row_count_and_newest_id(session, sender_id)
            refreshed = self._refreshed(session, sender_id, cached, row_count, newest_id)
            if refreshed is not None:
                self.hits += 1
                refreshed.checked = True
            else:
                self.misses += 1
                rows = self._current_session_rows(session, sender_id)
                # counted before the rows were read: a deletion in between shows up next time
                refreshed = _CachedSession(row_count, newest_id, len(rows), _decode(rows), checked=True)
        self._keep(sender_id, refreshed if refreshed.events else None)
        return list(refreshed.events)

    def _refreshed(
        self, session: Any, sender_id: Text, cached: Optional[_CachedSession], row_count: int, newest_id: int
    ) -> Optional[_CachedSession]:
        """The kept session brought up to date, or None when it has to be read whole."""
        if cached is None:
            return None
        if (row_count, newest_id) == (cached.row_count, cached.newest_id):
            return cached
        if newest_id < cached.newest_id or row_count <= cached.row_count:
            return None  # rows were deleted
        newer = self._rows_after(session, sender_id, cached.newest_id)
        grew_only = cached.row_count + len(newer) == row_count
        if not grew_only or any(type_name == SessionStarted.type_name for _, type_name, _ in newer):
            return None
        return _CachedSession(row_count, newest_id, cached.session_rows + len(newer), cached.events + _decode(newer))

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events Rasa's store would store (those after the ones already saved)."""
        await self.stream_events(tracker)
        sender_id = tracker.sender_id
        cached = self._cached(sender_id)
        with self.session_scope() as session:
            current = cached is not None and (cached.checked or self._unchanged(session, sender_id, cached))
            if current:
                stored = cached.session_rows
            else:
                stored = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).count()
            added = self._add_rows(session, sender_id, tracker.events, stored)
            session.commit()
        self._keep(sender_id, self._after_save(cached if current else None, added))
        logger.debug("Tracker stored to database")

    def _add_rows(
        self, session: Any, sender_id: Text, events: Sequence[Event], stored: int
    ) -> List[Tuple[int, Text, Text]]:
        """Insert the unsaved events with the columns Rasa fills; returns (id, type_name, data) of each
        new row, in id order. Where the database can return what it inserted (PostgreSQL), a turn's
        rows go in one statement rather than one round trip each."""
        rows = [self._columns(sender_id, event) for event in list(events)[stored:]]
        if not rows:
            return []
        if session.get_bind().dialect.full_returning:
            table = self.SQLEvent.__table__
            statement = sa.insert(table).values(rows).returning(table.c.id, table.c.type_name, table.c.data)
            return sorted((tuple(row) for row in session.execute(statement)), key=lambda row: row[0])
        added = [self.SQLEvent(**columns) for columns in rows]
        session.add_all(added)
        session.flush()  # gives the rows their ids
        return [(row.id, row.type_name, row.data) for row in added]

    @staticmethod
    def _columns(sender_id: Text, event: Event) -> dict:
        """The row Rasa's ``SQLTrackerStore.save`` writes for ``event``."""
        data = event.as_dict()
        return dict(sender_id=sender_id, type_name=event.type_name, timestamp=data.get("timestamp"),
                    intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                    action_name=data.get("name"), data=json.dumps(data))

    def _unchanged(self, session: Any, sender_id: Text, cached: _CachedSession) -> bool:
        return self._row_count_and_newest_id(session, sender_id) == (cached.row_count, cached.newest_id)

    @staticmethod
    def _after_save(cached: Optional[_CachedSession], added: List[Tuple[int, Text, Text]]) -> Optional[_CachedSession]:
        """The kept session after a save: the new rows decoded from what was written, so that the
        cache holds what a fresh read would; a new session is read whole next time."""
        if cached is None:
            return None
        if not added:
            cached.checked = False
            return cached
        if any(type_name == SessionStarted.type_name for _, type_name, _ in added):
            return None
        newest_id = max(row_id for row_id, _, _ in added)
        return _CachedSession(
            cached.row_count + len(added), newest_id, cached.session_rows + len(added), cached.events + _decode(added)
        )


def cached_conversations(store: CachingSQLTrackerStore) -> List[Text]:
    """Sender ids kept in memory now, least recently used first (for tests; never logged)."""
    return list(store._sessions)


__all__ = ["CachingSQLTrackerStore", "cached_conversations"]
