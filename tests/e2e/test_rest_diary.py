"""Keeping a diary through the real servers, as a patient does with the buttons."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from assistant.db import session_scope
from assistant.diary.service import entries_for
from assistant.tables import TreatmentEvent
from assistant.safety.flags import list_flags

pytestmark = pytest.mark.e2e

ANSWERS = ["7", "about a 4", "as usual", "none", "no", "no", "no", "gabapentin and paracetamol", "none",
           "woken by pain", "nothing"]


def joined(reply):
    return "\n\n".join(m.get("text", "") for m in reply)


def new_sender():
    return f"e2e-diary-{uuid.uuid4().hex[:8]}"


def test_a_full_entry_with_a_summary_then_saved(servers):
    sender = new_sender()
    _, reply = servers.send(sender, "I want to log my symptoms")
    assert "leg (or arm)" in joined(reply)
    assert [b["title"] for b in reply[-1]["buttons"]] == [str(i) for i in range(11)]
    for answer in ANSWERS:
        _, reply = servers.send(sender, answer)
    summary = joined(reply)
    assert "leg pain 7/10, back pain 4/10" in summary and "sleep: woken by pain" in summary
    _, reply = servers.send(sender, "save")
    assert "Saved" in joined(reply)
    with session_scope(servers.db_url) as session:
        (entry,) = entries_for(session, sender)
        assert (entry.leg_pain, entry.back_pain, entry.numbness, entry.sleep, entry.medicines) == (
            7, 4, "as_usual", "woken_by_pain", "gabapentin and paracetamol")
    _, shown = servers.send(sender, "show my diary")
    assert "leg pain 7, back pain 4" in joined(shown) and "averaged 7 this week" in joined(shown)


def test_an_answer_that_does_not_fit_is_asked_again_with_a_hint(servers):
    sender = new_sender()
    servers.send(sender, "diary")
    _, reply = servers.send(sender, "purple")
    assert "number from 0 to 10" in joined(reply)
    _, reply = servers.send(sender, "seven")
    assert "back (or neck)" in joined(reply)


def test_stop_cancels_and_nothing_is_saved(servers):
    sender = new_sender()
    servers.send(sender, "log my symptoms")
    servers.send(sender, "6")
    _, reply = servers.send(sender, "stop")
    assert "Nothing from this entry was saved" in joined(reply)
    with session_scope(servers.db_url) as session:
        assert entries_for(session, sender) == []


def test_a_question_in_the_middle_is_answered_then_the_diary_goes_on(servers):
    sender = new_sender()
    servers.send(sender, "log my symptoms")
    _, reply = servers.send(sender, "what is a nerve root block?")
    assert "nerve root block" in joined(reply).lower() and "Back to your diary" in joined(reply)
    assert "leg (or arm)" in joined(reply)


def test_a_red_flag_answer_gets_emergency_advice_at_once_and_nothing_is_saved(servers):
    sender = new_sender()
    servers.send(sender, "log my symptoms")
    for answer in ["5", "3", "as usual", "none"]:
        servers.send(sender, answer)
    _, reply = servers.send(sender, "yes")  # any change in bladder or bowel control?
    assert joined(reply).startswith("This is an emergency.")
    with session_scope(servers.db_url) as session:
        assert entries_for(session, sender) == []
        (flag,) = list_flags(session, patient=sender)
    assert (flag.rule_id, flag.level) == ("DA-BLADDER-BOWEL", "emergency")


def test_a_red_flag_said_in_the_middle_stops_the_diary(servers):
    sender = new_sender()
    servers.send(sender, "log my symptoms")
    servers.send(sender, "5")
    _, reply = servers.send(sender, "I can't feel when I wipe")
    assert joined(reply).startswith("This is an emergency.")
    _, after = servers.send(sender, "what is an MRI")
    assert "back (or neck)" not in joined(after)


def test_a_treatment_is_recorded_as_a_dated_event(servers):
    sender = new_sender()
    _, reply = servers.send(sender, "I had my nerve root block today")
    assert "noted your nerve root block" in joined(reply).lower()
    with session_scope(servers.db_url) as session:
        events = session.execute(select(TreatmentEvent)).scalars().all()
        assert "selective-nerve-root-block" in [e.therapy_slug for e in events]
