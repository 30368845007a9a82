""""I want to talk to a nurse" through rasa-sdk on a real database: a callback flag, and an honest answer."""
from __future__ import annotations

import asyncio
import hashlib
from datetime import date

from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionRequestCallback
from assistant.db import session_scope
from assistant.patients.identity import enrol, link_sender
from assistant.tables import Flag
from tests.conftest import make_tracker


def run(tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionRequestCallback().run(dispatcher, tracker, {}))
    return [m["response"] for m in dispatcher.messages], events


def flags(db_url):
    with session_scope(db_url) as session:
        return [(f.level, f.category, f.rule_id, f.evidence, f.source_key, f.status)
                for f in session.query(Flag).order_by(Flag.id)]


def test_an_enrolled_patient_is_told_a_nurse_will_call_and_the_flag_is_queued_once(db_url):
    with session_scope(db_url) as session:
        patient = enrol(session, full_name="Sam Patel", date_of_birth=date(1970, 1, 2), clinic_number="C-1",
                        phone="07700 900123", enrolled_by="nurse1")
        link_sender(session, "chat-1", patient, method="code", linked_by=None)
    tracker = make_tracker("can a nurse call me", "request_nurse", sender_id="chat-1")
    responses, events = run(tracker)
    run(tracker)  # the same message again (a retried request)
    assert responses == ["utter_callback_requested"] and events == []
    key = "callback:" + hashlib.sha256(b"chat-1|can a nurse call me").hexdigest()
    assert flags(db_url) == [("callback", "callback", "callback-request", "can a nurse call me", key, "open")]


def test_an_unlinked_chat_is_told_the_team_may_have_no_number(db_url):
    responses, _ = run(make_tracker("I want to talk to a nurse", "request_nurse", sender_id="anon-1"))
    assert responses == ["utter_callback_requested_unlinked"]
    assert [f[2] for f in flags(db_url)] == ["callback-request"]
