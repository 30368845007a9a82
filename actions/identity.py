"""An enrolment code typed in the chat (or sent by a personal link): link this conversation to the
patient's clinic record (``assistant.patients.chat_link``), greet them by first name only, and tell any
nurse reviews they have not heard about. The code is never repeated back. Wording in domain.yml."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.review_status import say_updates
from assistant.db import session_scope
from assistant.patients.chat_link import LINKED, OTHER_RECORD, link_by_code
from assistant.patients.identity import normalise_code
from assistant.rasa_components.enrolment_code import CODE_ENTITY

REFUSED_RESPONSES = {OTHER_RECORD: "utter_code_other_record"}


def code_from(tracker: Tracker) -> Optional[str]:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == CODE_ENTITY and entity.get("value"):
            return normalise_code(str(entity["value"]))
    return normalise_code(tracker.latest_message.get("text") or "")


class ActionLinkCode(Action):
    def name(self) -> Text:
        return "action_link_code"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        with session_scope() as session:
            result = link_by_code(session, tracker.sender_id, code_from(tracker))
        if result.outcome == LINKED and result.first_name:
            dispatcher.utter_message(response="utter_code_linked", first_name=result.first_name)
            # For the web page's "Diary kept for ..." line; Rasa's socket.io channel emits "data".
            dispatcher.utter_message(json_message={"data": {"patient": {"first_name": result.first_name}}})
        elif result.outcome == LINKED:
            dispatcher.utter_message(response="utter_code_linked_no_name")
        else:
            dispatcher.utter_message(response=REFUSED_RESPONSES.get(result.outcome, "utter_code_not_recognised"))
        say_updates(dispatcher, result.updates)
        return []
