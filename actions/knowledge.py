"""Answers drawn from the knowledge store at run time: an editor's published text is what the
next reply says, with no retraining and no restart.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.dispatch import send
from actions.slots import TOPIC_ENTITY, TOPIC_SLOT
from assistant.db import session_scope
from assistant.knowledge.answering import AnswerService
from assistant.knowledge.clarify import clarify
from assistant.knowledge.store import KnowledgeStore


def _topic_words(tracker: Tracker) -> List[str]:
    return [str(value) for value in tracker.get_latest_entity_values(TOPIC_ENTITY)]


class ActionAnswerTopic(Action):
    """Answers (topic, aspect) from the intent, the topic heard and the conversation's topic."""

    def name(self) -> Text:
        return "action_answer_topic"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        with session_scope() as session:
            reply = AnswerService(KnowledgeStore(session)).reply(
                intent, _topic_words(tracker), tracker.get_slot(TOPIC_SLOT)
            )
        send(dispatcher, reply.messages)
        return [SlotSet(TOPIC_SLOT, reply.topic)]


class ActionClarify(Action):
    """Asks back with buttons for the likeliest topics instead of guessing."""

    def name(self) -> Text:
        return "action_clarify"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        text = tracker.latest_message.get("text") or ""
        with session_scope() as session:
            message = clarify(KnowledgeStore(session), text, _topic_words(tracker))
        send(dispatcher, [message])
        return []
