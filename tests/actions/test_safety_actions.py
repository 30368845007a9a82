"""Safety actions through rasa-sdk, on a real database: flags recorded once, advice by level."""
from __future__ import annotations

import asyncio

from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.safety import ActionCheckRedFlag, ActionHandleRedFlag, ActionNoteRedFlag, ActionResolveRedFlagCheck
from assistant.db import session_scope
from assistant.safety.flags import list_flags
from assistant.safety.scanner import scanner_for
from tests.conftest import make_tracker


def scanned_tracker(text, intent, message_id="m1", slots=None, active_loop=None):
    tracker = make_tracker(text, intent, slots=slots, sender_id="patient-7", active_loop=active_loop)
    tracker.latest_message["red_flags"] = [f.as_dict() for f in scanner_for().scan(text).findings]
    tracker.latest_message["message_id"] = message_id
    return tracker


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return [m.get("response") for m in dispatcher.messages], events


def test_emergency_is_recorded_once_and_advised_at_once_stopping_any_form(db_url):
    tracker = scanned_tracker("I can't feel when I wipe", "red_flag_emergency", active_loop="diary_form")
    responses, events = run(ActionHandleRedFlag(), tracker)
    run(ActionHandleRedFlag(), tracker)  # the same message again (e.g. a retried request)
    assert responses == ["utter_red_flag_emergency"]
    assert ActiveLoop(None) in events and SlotSet("diary_leg_pain", None) in events
    with session_scope(db_url) as session:
        (flag,) = list_flags(session)
    assert (flag.patient_id, flag.level, flag.rule_id, flag.status) == ("patient-7", "emergency", "CE-SADDLE", "open")
    assert flag.evidence == "I can't feel when I wipe"


def test_urgent_and_review_get_their_own_advice_and_keep_the_form(db_url):
    responses, events = run(ActionNoteRedFlag(), scanned_tracker("i have a fever", "red_flag_urgent", "m2"))
    assert responses == ["utter_red_flag_urgent"] and ActiveLoop(None) not in events
    responses, _ = run(ActionNoteRedFlag(), scanned_tracker("pregabalin makes me dizzy", "red_flag_review", "m3"))
    assert responses == ["utter_red_flag_review"]
    with session_scope(db_url) as session:
        assert [f.level for f in list_flags(session)] == ["urgent", "review"]


def test_a_question_about_warning_signs_gets_the_signs_the_rule_and_the_question(db_url):
    responses, events = run(ActionCheckRedFlag(), scanned_tracker("what if I lose bladder control?",
                                                                   "ask_warning_signs", "m4"))
    assert responses == ["utter_warning_signs_info", "utter_red_flag_emergency_rule", "utter_ask_happening_now"]
    assert SlotSet("red_flag_pending", True) in events
    with session_scope(db_url) as session:
        assert list_flags(session) == []


def test_a_possible_red_flag_is_recorded_and_checked(db_url):
    responses, _ = run(ActionCheckRedFlag(), scanned_tracker("maybe it's a bit numb when i wipe", "red_flag_possible"))
    assert responses == ["utter_ask_happening_now"]
    with session_scope(db_url) as session:
        (flag,) = list_flags(session)
    assert flag.assertion == "possible"


def test_answers_to_the_check(db_url):
    yes, _ = run(ActionResolveRedFlagCheck(), make_tracker("yes", "affirm", slots={"red_flag_pending": True}))
    no, no_events = run(ActionResolveRedFlagCheck(), make_tracker("no", "deny", slots={"red_flag_pending": True}))
    unsure, unsure_events = run(ActionResolveRedFlagCheck(),
                                make_tracker("not sure", "unsure", slots={"red_flag_pending": True}))
    still, _ = run(ActionResolveRedFlagCheck(), make_tracker("maybe", "unsure",
                                                            slots={"red_flag_pending": True, "red_flag_questions": 1}))
    assert yes == ["utter_red_flag_emergency"]
    assert no == ["utter_red_flag_check_no"] and SlotSet("red_flag_pending", False) in no_events
    assert unsure == ["utter_red_flag_clarify"] and SlotSet("red_flag_questions", 1.0) in unsure_events
    assert still == ["utter_red_flag_emergency"]
