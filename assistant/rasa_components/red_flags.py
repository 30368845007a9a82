"""Rasa NLU component: the red-flag safety net on every message.

Runs last in the NLU pipeline. The rules are loaded and validated when the model loads, so a
malformed rule file stops the server from starting. Every finding (also negated or
hypothetical ones) is attached to the message as ``red_flags`` for the record; a flag routes the
message to a safety intent, which rules in data/rules/safety.yml handle ahead of any learned
prediction.
"""
from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from assistant.rasa_components.base import StatelessComponent
from assistant.safety.routing import route
from assistant.safety.scanner import scanner_for

RED_FLAGS_KEY = "red_flags"
ORIGINAL_INTENT_KEY = "intent_before_safety"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RedFlagScanner(StatelessComponent):
    def __init__(self) -> None:
        self.scanner = scanner_for()  # raises RuleFileError on a malformed rule file

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            result = self.scanner.scan(message.get(TEXT))
            message.set(RED_FLAGS_KEY, [finding.as_dict() for finding in result.findings], add_to_output=True)
            intent = route(result)
            if intent is None:
                continue
            message.set(ORIGINAL_INTENT_KEY, message.get(INTENT), add_to_output=True)
            verdict = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.data[INTENT] = verdict
            message.data[INTENT_RANKING_KEY] = [verdict] + list(message.data.get(INTENT_RANKING_KEY) or [])
        return messages
