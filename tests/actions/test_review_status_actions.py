""""Has anyone seen my diary?" and the news at session start, through rasa-sdk on a real database."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from rasa_sdk.executor import CollectingDispatcher

from actions.review_status import ActionReviewStatus
from actions.session import ActionSessionStart
from assistant.db import session_scope
from assistant.patients.identity import patient_for
from assistant.safety.flags import record_flags
from assistant.safety.scanner import Finding
from assistant.tables import Flag
from tests.conftest import make_tracker

TUESDAY = datetime(2026, 11, 17, 10, tzinfo=timezone.utc)
DOMAIN = {"session_config": {"carry_over_slots_to_new_session": True}}


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return dispatcher.messages, events


def ask(sender="chat-1"):
    return run(ActionReviewStatus(), make_tracker("has anyone seen my diary", "ask_review_status", sender_id=sender))


def flag(db_url, key, status="open"):
    with session_scope(db_url) as session:
        (made,) = record_flags(session, "chat-1", key, [Finding("RV-X", 1, "review", "test", "Test", "w", "affirmed")])
        made.created_at = TUESDAY
        if status != "open":
            made.status, made.acknowledged_at, made.acknowledged_by = status, TUESDAY, "nurse1"
        return made.id


def told(db_url, flag_id):
    with session_scope(db_url) as session:
        return session.get(Flag, flag_id).patient_told_at is not None


def test_nothing_flagged_says_so_plainly(db_url):
    messages, _ = ask("never-seen")
    with session_scope(db_url) as session:
        patient_for(session, "chat-1")
    assert [m["response"] for m in messages] == ["utter_review_none"] == [m["response"] for m in ask()[0]]


def test_a_waiting_flag_is_in_the_queue(db_url):
    flag(db_url, "message:a", "acknowledged")
    flag(db_url, "message:b")
    messages, _ = ask()
    assert [m["response"] for m in messages] == ["utter_review_waiting"]


def test_a_reviewed_flag_gives_the_day_and_counts_as_told(db_url):
    flag_id = flag(db_url, "message:a", "acknowledged")
    messages, _ = ask()
    assert [(m["response"], m.get("date")) for m in messages] == [("utter_review_done", "Tuesday 17 November")]
    assert told(db_url, flag_id)


def test_session_start_tells_a_review_once_after_the_intro(db_url):
    flag_id = flag(db_url, "message:a", "resolved")
    tracker = make_tracker(sender_id="chat-1", slots={"topic": "opioids"})
    messages, events = run(ActionSessionStart(), tracker)
    assert [(m["response"], m.get("date")) for m in messages] == [
        ("utter_intro", None), ("utter_review_update_message", "Tuesday 17 November")]
    assert events[0]["event"] == "session_started" and events[-1]["name"] == "action_listen"
    assert told(db_url, flag_id)
    again, _ = run(ActionSessionStart(), tracker)
    assert [m["response"] for m in again] == ["utter_intro"]


def test_session_start_still_introduces_when_the_database_fails(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", f"sqlite:///{tmp_path / 'not-migrated.db'}")
    messages, _ = run(ActionSessionStart(), make_tracker(sender_id="chat-1"))
    assert [m["response"] for m in messages] == ["utter_intro"]
