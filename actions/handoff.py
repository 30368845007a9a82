""""I want to talk to a nurse": queue a call from a nurse (``assistant.patients.callbacks``) and say so,
with the emergency line. Wording in domain.yml."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from assistant.db import session_scope
from assistant.patients.callbacks import request_callback


class ActionRequestCallback(Action):
    def name(self) -> Text:
        return "action_request_callback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        with session_scope() as session:
            request = request_callback(session, tracker.sender_id, tracker.latest_message.get("text") or "")
        # Unlinked chats have no phone number behind them: say so rather than promise a call.
        dispatcher.utter_message(response="utter_callback_requested" if request.reachable
                                 else "utter_callback_requested_unlinked")
        return []
