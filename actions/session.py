"""Session start: every new conversation opens with what the assistant is and is not, then any nurse
reviews of what the patient reported that they have not been told about yet."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.review_status import tell_review_updates


class ActionSessionStart(Action):
    def name(self) -> Text:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        events: List[Dict[Text, Any]] = [SessionStarted()]
        if domain.get("session_config", {}).get("carry_over_slots_to_new_session", True):
            events.extend(SlotSet(name, value) for name, value in tracker.current_slot_values().items()
                          if value is not None)
        dispatcher.utter_message(response="utter_intro")
        tell_review_updates(dispatcher, tracker.sender_id)
        events.append(ActionExecuted("action_listen"))
        return events
