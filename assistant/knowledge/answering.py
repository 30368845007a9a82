"""Decide what to answer for an understood question, and draw the text from the store.

This is the whole logic behind the bot's knowledge replies; the Rasa action only passes in
the intent, the topic words it heard and the topic of the conversation so far, and sends
out the ``Reply`` it gets back.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from assistant.knowledge.aspects import (
    CONDITION_TOPIC, HOW_IT_WORKS, OVERVIEW, OVERVIEW_TOPICS, RISKS, SUITABILITY, WHAT_TO_EXPECT,
)
from assistant.knowledge.store import KnowledgeStore, UnknownTopic

ASPECT_INTENTS: Dict[str, str] = {
    "ask_what_is": OVERVIEW,
    "ask_how_it_works": HOW_IT_WORKS,
    "ask_risks": RISKS,
    "ask_suitability": SUITABILITY,
    "ask_what_to_expect": WHAT_TO_EXPECT,
}
CATEGORY_INTENTS: Dict[str, str] = {
    "ask_condition": CONDITION_TOPIC,
    "ask_symptoms": "symptoms-overview",
    "ask_causes": "causes-overview",
    "ask_diagnosis": "diagnosis-overview",
    "ask_treatment_options": "treatment-options",
}
KNOWLEDGE_INTENTS = tuple(ASPECT_INTENTS) + tuple(CATEGORY_INTENTS)

# When a topic has no text for the aspect asked, the nearest aspect that it has.
NEAREST_ASPECTS: Dict[str, Sequence[str]] = {
    HOW_IT_WORKS: (WHAT_TO_EXPECT, OVERVIEW),
    SUITABILITY: (WHAT_TO_EXPECT, OVERVIEW),
    RISKS: (WHAT_TO_EXPECT, OVERVIEW),
    WHAT_TO_EXPECT: (OVERVIEW,),
    OVERVIEW: (WHAT_TO_EXPECT,),
}
MAX_TOPICS_PER_REPLY = 2


@dataclass
class Message:
    """One bot message: a domain response name, or an answer text from the store."""

    response: Optional[str] = None
    text: Optional[str] = None
    buttons: List[dict] = field(default_factory=list)
    variables: Dict[str, str] = field(default_factory=dict)


@dataclass
class Reply:
    messages: List[Message]
    topic: Optional[str]  # the topic the conversation is now about


def button_payload(intent: str, slug: str) -> str:
    return f"/{intent}{json.dumps({'topic': slug})}"


class AnswerService:
    def __init__(self, store: KnowledgeStore):
        self.store = store

    def resolve(self, phrases: Sequence[str]) -> List[str]:
        """Slugs for the topic words heard, in order, without repeats or unknown words."""
        slugs: List[str] = []
        for phrase in phrases:
            slug = self.store.resolve_topic(phrase)
            if slug and slug not in slugs:
                slugs.append(slug)
        return slugs

    def reply(self, intent: str, topic_phrases: Sequence[str], context_topic: Optional[str]) -> Reply:
        mentioned = self.resolve(topic_phrases)
        context = context_topic if context_topic and self._exists(context_topic) else None
        if intent in CATEGORY_INTENTS:
            return self._category_reply(intent, mentioned, context)
        aspect = ASPECT_INTENTS.get(intent, OVERVIEW)
        targets = mentioned[:MAX_TOPICS_PER_REPLY] or ([context] if context else [])
        if not targets:
            return Reply([self._which_topic(intent)], context)
        messages: List[Message] = []
        for slug in targets:
            messages.extend(self._answer(slug, aspect))
        return Reply(messages, self._remember(targets[-1], context))

    # --- pieces -------------------------------------------------------------------------
    def _category_reply(self, intent: str, mentioned: List[str], context: Optional[str]) -> Reply:
        specific = [slug for slug in mentioned if self._kind(slug) != "condition"]
        if specific and intent != "ask_treatment_options":
            messages: List[Message] = []
            for slug in specific[:MAX_TOPICS_PER_REPLY]:
                messages.extend(self._answer(slug, OVERVIEW))
            return Reply(messages, self._remember(specific[-1], context))
        slug = CATEGORY_INTENTS[intent]
        messages = self._answer(slug, OVERVIEW)
        if intent == "ask_treatment_options":
            messages.append(Message(response="utter_pick_a_therapy", buttons=self.topic_buttons("therapy")))
        return Reply(messages, self._remember(slug, context))

    def _answer(self, slug: str, aspect: str) -> List[Message]:
        answer = self.store.published_answer(slug, aspect)
        if answer is not None:
            return [Message(text=answer.body)]
        for nearest in NEAREST_ASPECTS.get(aspect, ()):
            answer = self.store.published_answer(slug, nearest)
            if answer is not None:
                title = self.store.topic(slug).title
                return [
                    Message(response="utter_no_text_for_aspect", variables={"topic_title": title}),
                    Message(text=answer.body),
                ]
        return [Message(response="utter_no_text_for_topic")]

    def _which_topic(self, intent: str) -> Message:
        kinds = ("therapy",) if intent in ("ask_suitability", "ask_how_it_works") else ("therapy", "diagnostic")
        buttons = [b for kind in kinds for b in self.topic_buttons(kind, intent)]
        return Message(response="utter_ask_which_topic", buttons=buttons)

    def topic_buttons(self, kind: str, intent: str = "ask_what_is") -> List[dict]:
        return [
            {"title": topic.title, "payload": button_payload(intent, topic.slug)}
            for topic in self.store.topics(kind)
        ]

    def _remember(self, slug: str, previous: Optional[str]) -> Optional[str]:
        """Category overviews answer a list, so the conversation stays on its previous topic."""
        return previous if slug in OVERVIEW_TOPICS and previous else slug

    def _kind(self, slug: str) -> Optional[str]:
        try:
            return self.store.topic(slug).kind
        except UnknownTopic:
            return None

    def _exists(self, slug: str) -> bool:
        return self._kind(slug) is not None
