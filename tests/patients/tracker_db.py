"""A Rasa-shaped tracker store for tests: the ``events`` table of assistant.conversations (which
tests/test_conversations_store.py checks against ``rasa.core.tracker_store.SQLTrackerStore.SQLEvent``), filled with user and bot events whose
``data`` is the JSON Rasa writes."""
from __future__ import annotations

import json
from typing import Iterable, Optional, Tuple

import sqlalchemy as sa

from assistant.conversations import EVENTS
from assistant.db import get_engine

# (speaker, text, intent or None, message id or None)
Line = Tuple[str, str, Optional[str], Optional[str]]


def create(url: str) -> sa.engine.Engine:
    engine = get_engine(url)
    EVENTS.create(engine, checkfirst=True)
    return engine


def store(url: str, sender_id: str, lines: Iterable[tuple], *, start: float = 1_700_000_000.0) -> None:
    """Append a conversation: ("user", text[, intent[, message_id]]) and ("bot", text) lines, one second
    apart, with the action_listen and action events Rasa writes in between."""
    engine = create(url)
    with engine.begin() as connection:
        at = start
        for line in lines:
            speaker, text = line[0], line[1]
            intent = line[2] if len(line) > 2 else None
            message_id = line[3] if len(line) > 3 else None
            at += 1
            if speaker == "user":
                data = {"event": "user", "timestamp": at, "text": text, "message_id": message_id,
                        "parse_data": {"intent": {"name": intent, "confidence": 0.99}, "entities": [], "text": text,
                                       "message_id": message_id}, "input_channel": "rest"}
                connection.execute(EVENTS.insert().values(sender_id=sender_id, type_name="user", timestamp=at,
                                                          intent_name=intent, data=json.dumps(data)))
            else:
                connection.execute(EVENTS.insert().values(
                    sender_id=sender_id, type_name="action", timestamp=at, action_name="utter_reply",
                    data=json.dumps({"event": "action", "timestamp": at, "name": "utter_reply"})))
                connection.execute(EVENTS.insert().values(
                    sender_id=sender_id, type_name="bot", timestamp=at,
                    data=json.dumps({"event": "bot", "timestamp": at, "text": text, "data": {}, "metadata": {}})))
        connection.execute(EVENTS.insert().values(
            sender_id=sender_id, type_name="action", timestamp=at + 1, action_name="action_listen",
            data=json.dumps({"event": "action", "timestamp": at + 1, "name": "action_listen"})))
