"""Reading (and, for privacy requests, deleting) the conversations Rasa keeps in its SQL tracker store.

Rasa writes one row per event to a table ``events`` (see ``rasa.core.tracker_store.SQLTrackerStore``):
id, sender_id, type_name, timestamp, intent_name, action_name and the event itself as JSON text in
``data``. Open-source Rasa has no API to show a nurse what was said around a red flag, or to delete a
patient's conversation, so we read the table directly, with SQLAlchemy Core on whichever database
Rasa uses (SQLite or PostgreSQL). A store without the table, or without the file, is simply empty.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy import inspect, or_, select


# The same shape as Rasa's SQLTrackerStore.SQLEvent (we never create it: Rasa does).
EVENTS = sa.Table(
    "events", sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)
SPOKEN = ("user", "bot")


@dataclass(frozen=True)
class Message:
    """One thing said: by the patient (``speaker == "patient"``) or by the bot."""

    event_id: int
    sender_id: str
    speaker: str
    text: str
    at: Optional[datetime]
    intent: Optional[str] = None
    message_id: Optional[str] = None


@dataclass
class Excerpt:
    """The messages around the one that matched, within one conversation."""

    sender_id: str
    messages: List[Message]
    focus_event_id: int
    evidence: str

    @property
    def focus(self) -> Message:
        return next(m for m in self.messages if m.event_id == self.focus_event_id)


@dataclass(frozen=True)
class Question:
    """A knowledge question the patient asked the bot."""

    at: Optional[datetime]
    text: str
    intent: str
    sender_id: str


@dataclass
class _Turn:
    messages: List[Message] = field(default_factory=list)


def _when(timestamp: Optional[float]) -> Optional[datetime]:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc) if timestamp is not None else None


def _data(raw: Optional[str]) -> Dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def evidence_pattern(evidence: str) -> Optional["re.Pattern[str]"]:
    """The evidence as a case-insensitive pattern that tolerates different spacing, or None if empty."""
    words = (evidence or "").split()
    if not words:
        return None
    return re.compile(r"\s+".join(re.escape(word) for word in words), re.IGNORECASE)


@lru_cache(maxsize=None)
def tracker_engine(url: str) -> sa.engine.Engine:
    """One engine per tracker store, made like Rasa makes its own: no pragmas or settings of ours are
    put on Rasa's database, and on PostgreSQL the schema Rasa uses (``POSTGRESQL_SCHEMA``) is honoured."""
    if url.startswith("sqlite"):
        return sa.create_engine(url, future=True, connect_args={"timeout": 30})
    schema = os.environ.get("POSTGRESQL_SCHEMA")
    kwargs = {"connect_args": {"options": f"-csearch_path={schema}"}} if schema and url.startswith("postgres") else {}
    return sa.create_engine(url, future=True, pool_pre_ping=True, **kwargs)


def create_tracker_tables(url: str) -> None:
    """Create Rasa's ``events`` table with Rasa's own definition (a no-op when it exists), so that
    several Rasa servers starting at once on PostgreSQL do not race to create it."""
    from sqlalchemy.util import deprecations

    deprecations.SILENCE_UBER_WARNING = True  # Rasa's model class is SQLAlchemy 1.x style; our code is 2.0 style
    from rasa.core.tracker_store import SQLTrackerStore

    engine = tracker_engine(url)
    SQLTrackerStore.Base.metadata.create_all(engine)


def fallback_message_key(sender_id: str, text: str) -> str:
    """The key actions/safety.py uses for a message that came without a Rasa message id."""
    return hashlib.sha256(f"{sender_id}|{text}".encode()).hexdigest()[:24]


class ConversationStore:
    """Rasa's SQL tracker store at ``url``; every method takes the patient's sender ids."""

    def __init__(self, url: str):
        self.url = url

    # --- plumbing ---------------------------------------------------------------------------
    def _engine(self) -> Optional[sa.engine.Engine]:
        """The engine, or None when a SQLite store's file does not exist yet (we never create it)."""
        if self.url.startswith("sqlite:///"):
            path = self.url[len("sqlite:///"):].split("?", 1)[0]
            if path and path != ":memory:" and not Path(path).exists():
                return None
        return tracker_engine(self.url)

    def _available(self, connection) -> bool:
        return inspect(connection).has_table(EVENTS.name)

    def _rows(self, query) -> List[Any]:
        engine = self._engine()
        if engine is None:
            return []
        with engine.connect() as connection:
            if not self._available(connection):
                return []
            return list(connection.execute(query))

    @staticmethod
    def _senders(sender_ids: Iterable[str]) -> List[str]:
        return [s for s in dict.fromkeys(sender_ids or ()) if s]

    # --- reading ----------------------------------------------------------------------------
    def has_events(self, sender_ids: Sequence[str]) -> bool:
        senders = self._senders(sender_ids)
        if not senders:
            return False
        return bool(self._rows(select(EVENTS.c.id).where(EVENTS.c.sender_id.in_(senders)).limit(1)))

    def events_for(self, sender_ids: Sequence[str]) -> List[Dict[str, Any]]:
        """Every stored event of these conversations, JSON-ready (for a patient's data export)."""
        senders = self._senders(sender_ids)
        if not senders:
            return []
        rows = self._rows(select(EVENTS).where(EVENTS.c.sender_id.in_(senders))
                          .order_by(EVENTS.c.sender_id, EVENTS.c.id))
        events = []
        for row in rows:
            data = _data(row.data)
            events.append({
                "id": row.id, "sender_id": row.sender_id, "type_name": row.type_name, "timestamp": row.timestamp,
                "intent_name": row.intent_name, "action_name": row.action_name,
                "text": data.get("text") if row.type_name in SPOKEN else None, "data": data,
            })
        return events

    def messages(self, sender_ids: Sequence[str]) -> List[Message]:
        """What the patient and the bot said, conversation by conversation, in order."""
        senders = self._senders(sender_ids)
        if not senders:
            return []
        rows = self._rows(select(EVENTS.c.id, EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp,
                                 EVENTS.c.intent_name, EVENTS.c.data)
                          .where(EVENTS.c.sender_id.in_(senders), EVENTS.c.type_name.in_(SPOKEN))
                          .order_by(EVENTS.c.sender_id, EVENTS.c.id))
        result = []
        for row in rows:
            data = _data(row.data)
            text = data.get("text")
            if not isinstance(text, str) or not text.strip():
                continue
            result.append(Message(row.id, row.sender_id, "patient" if row.type_name == "user" else "bot", text,
                                  _when(row.timestamp), row.intent_name,
                                  data.get("message_id") or (data.get("parse_data") or {}).get("message_id")))
        return result

    def excerpt(self, sender_ids: Sequence[str], evidence: str, turns: int = 3, *,
                source_key: Optional[str] = None, near: Optional[datetime] = None) -> Optional[Excerpt]:
        """The patient message behind a flag with ``turns`` exchanges before and after it, or None.

        The message is the one whose Rasa message id (or fallback key) is in ``source_key``
        ("message:<id>" or "diary-answer:<id>"); otherwise the patient message containing ``evidence``
        (case-insensitive), the one closest in time to ``near`` when several do."""
        return excerpt_from(self.messages(sender_ids), evidence, turns, source_key=source_key, near=near)

    def questions_asked(self, sender_ids: Sequence[str]) -> List[Question]:
        """The patient's knowledge questions (intents ``ask_*`` and the answering service's intents)."""
        from assistant.knowledge.answering import KNOWLEDGE_INTENTS

        senders = self._senders(sender_ids)
        if not senders:
            return []
        rows = self._rows(
            select(EVENTS.c.sender_id, EVENTS.c.timestamp, EVENTS.c.intent_name, EVENTS.c.data)
            .where(EVENTS.c.sender_id.in_(senders), EVENTS.c.type_name == "user",
                   or_(EVENTS.c.intent_name.startswith("ask_", autoescape=True),
                       EVENTS.c.intent_name.in_(KNOWLEDGE_INTENTS)))
            .order_by(EVENTS.c.timestamp, EVENTS.c.id))
        questions = []
        for row in rows:
            text = _data(row.data).get("text")
            if isinstance(text, str) and text.strip() and not text.startswith("/"):
                questions.append(Question(_when(row.timestamp), text, row.intent_name, row.sender_id))
        return questions

    # --- deleting ---------------------------------------------------------------------------
    def delete_for(self, sender_ids: Sequence[str]) -> int:
        """Delete every stored event of these conversations; the number of rows deleted."""
        senders = self._senders(sender_ids)
        engine = self._engine()
        if not senders or engine is None:
            return 0
        with engine.begin() as connection:
            if not self._available(connection):
                return 0
            return connection.execute(EVENTS.delete().where(EVENTS.c.sender_id.in_(senders))).rowcount or 0


def excerpt_from(messages: List[Message], evidence: str, turns: int = 3, *, source_key: Optional[str] = None,
                 near: Optional[datetime] = None) -> Optional[Excerpt]:
    """``ConversationStore.excerpt`` over messages already read (one read for all of a patient's flags)."""
    patient = [m for m in messages if m.speaker == "patient"]
    focus = _by_key(patient, source_key) or _by_evidence(patient, evidence, near)
    if focus is None:
        return None
    exchanges = _exchanges([m for m in messages if m.sender_id == focus.sender_id])
    index = next(i for i, t in enumerate(exchanges) if any(m.event_id == focus.event_id for m in t.messages))
    turns = max(0, turns)
    shown = exchanges[max(0, index - turns): index + turns + 1]
    return Excerpt(focus.sender_id, [m for t in shown for m in t.messages], focus.event_id, evidence)


MESSAGE_KEY_PREFIXES = ("message:", "diary-answer:")  # flags raised by one chat message (actions/)


def _by_key(patient: List[Message], source_key: Optional[str]) -> Optional[Message]:
    prefix = next((p for p in MESSAGE_KEY_PREFIXES if (source_key or "").startswith(p)), None)
    if prefix is None:
        return None
    key = source_key[len(prefix):]
    for message in patient:
        if key and (message.message_id == key or fallback_message_key(message.sender_id, message.text) == key):
            return message
    return None


def _by_evidence(patient: List[Message], evidence: str, near: Optional[datetime]) -> Optional[Message]:
    pattern = evidence_pattern(evidence)
    if pattern is None:
        return None
    found = [m for m in patient if pattern.search(m.text)]
    if not found:
        return None
    if near is None:
        return found[-1]
    near = near if near.tzinfo else near.replace(tzinfo=timezone.utc)
    return min(found, key=lambda m: abs((m.at - near).total_seconds()) if m.at else float("inf"))


def _exchanges(conversation: List[Message]) -> List[_Turn]:
    """A patient message with the bot's replies to it (bot messages before the first one are a turn too)."""
    turns: List[_Turn] = []
    for message in conversation:
        if message.speaker == "patient" or not turns:
            turns.append(_Turn())
        turns[-1].messages.append(message)
    return turns
