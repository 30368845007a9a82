"""Rasa NLU component: a message with no words (empty, emoji only, punctuation) is never given a
guessed intent; it goes to the clarifying fallback, which asks the patient to say it in words.

Runs last in the pipeline, after the FallbackClassifier.
"""
from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from assistant.rasa_components.base import StatelessComponent


def has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text or "")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class InputGuard(StatelessComponent):
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if message.get(TEXT) is not None and not has_words(message.get(TEXT)):
                verdict = {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME, PREDICTED_CONFIDENCE_KEY: 1.0}
                message.data[INTENT] = verdict
                message.data[INTENT_RANKING_KEY] = [verdict] + [
                    r for r in message.data.get(INTENT_RANKING_KEY, [])
                    if r.get(INTENT_NAME_KEY) != DEFAULT_NLU_FALLBACK_INTENT_NAME
                ]
        return messages
