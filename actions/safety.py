"""Safety actions: record red flags and tell the patient at once what to do.

The wording is in domain.yml (safety-critical text under code review, not editable in the
portal); the decisions are in ``assistant.safety``.
"""
from __future__ import annotations

import hashlib
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.slots import DIARY_SLOTS
from assistant.db import session_scope
from assistant.safety.flags import record_flags
from assistant.safety.routing import ADVISE, ASK_AGAIN, answer_to_check
from assistant.safety.rules import LEVEL_RANK
from assistant.safety.scanner import Finding, scanner_for

PENDING_SLOT = "red_flag_pending"
QUESTIONS_SLOT = "red_flag_questions"
CHECK_BUTTONS = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"},
                 {"title": "Not sure", "payload": "/unsure"}]


def _findings(tracker: Tracker) -> List[Finding]:
    return [Finding(**item) for item in tracker.latest_message.get("red_flags") or []]


def _source_key(tracker: Tracker) -> str:
    message_id = tracker.latest_message.get("message_id")
    if not message_id:
        digest = hashlib.sha256(f"{tracker.sender_id}|{tracker.latest_message.get('text')}".encode()).hexdigest()
        message_id = digest[:24]
    return f"message:{message_id}"


def _record(tracker: Tracker) -> List[Finding]:
    findings = [f for f in _findings(tracker) if f.raises_flag]
    if findings:
        with session_scope() as session:
            record_flags(session, tracker.sender_id, _source_key(tracker), findings)
    return sorted(findings, key=lambda f: LEVEL_RANK[f.level])


def diary_reset_events() -> List[Dict[Text, Any]]:
    """Clear an unfinished diary, so that a new one asks every question again."""
    return [SlotSet(slot, None) for slot in DIARY_SLOTS] + [SlotSet("diary_clarifications", 0.0)]


def _stop_any_form() -> List[Dict[Text, Any]]:
    """Stop whatever form is open (always, so that every rule for these actions agrees)."""
    return [ActiveLoop(None), SlotSet("requested_slot", None)] + diary_reset_events()


def _advise(dispatcher: CollectingDispatcher, level: str, tracker: Tracker) -> List[Dict[Text, Any]]:
    dispatcher.utter_message(response=scanner_for().rules.advice_responses[level])
    events: List[Dict[Text, Any]] = [SlotSet(PENDING_SLOT, False), SlotSet(QUESTIONS_SLOT, 0.0)]
    if level == "emergency":
        events += _stop_any_form()  # any open form stops: nothing matters more now
    return events


class ActionHandleRedFlag(Action):
    """An emergency red flag: record it, the emergency advice at once, and any form stops."""

    def name(self) -> Text:
        return "action_handle_red_flag"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        _record(tracker)
        return _advise(dispatcher, "emergency", tracker)


class ActionNoteRedFlag(Action):
    """An urgent or review red flag: record it and give its advice; an open form goes on."""

    def name(self) -> Text:
        return "action_note_red_flag"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        flags = _record(tracker)
        return _advise(dispatcher, flags[0].level if flags else "review", tracker)


class ActionCheckRedFlag(Action):
    """A possible red flag, or a question about warning signs: ask once whether it is happening now."""

    def name(self) -> Text:
        return "action_check_red_flag"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if not _record(tracker):  # a question about the signs, not a report of them
            dispatcher.utter_message(response="utter_warning_signs_info")
            dispatcher.utter_message(response="utter_red_flag_emergency_rule")
        dispatcher.utter_message(response="utter_ask_happening_now", buttons=CHECK_BUTTONS)
        return _stop_any_form() + [SlotSet(PENDING_SLOT, True), SlotSet(QUESTIONS_SLOT, 0.0)]


class ActionResolveRedFlagCheck(Action):
    """The answer to "Is this happening to you now?"."""

    def name(self) -> Text:
        return "action_resolve_red_flag_check"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        asked = int(tracker.get_slot(QUESTIONS_SLOT) or 0)
        step = answer_to_check(intent, asked)
        if step == ADVISE:
            return _advise(dispatcher, "emergency", tracker)
        if step == ASK_AGAIN:
            dispatcher.utter_message(response="utter_red_flag_clarify", buttons=CHECK_BUTTONS)
            return [SlotSet(QUESTIONS_SLOT, float(asked + 1))]
        dispatcher.utter_message(response="utter_red_flag_check_no")
        return [SlotSet(PENDING_SLOT, False), SlotSet(QUESTIONS_SLOT, 0.0)]
