"""Rasa NLU component: an enrolment code typed in the chat ("my code is k7pm 4xq2", "K7PM-4XQ2", or the
first message sent by a personal link) is recognised by a pattern, never guessed by the classifier.

It sets the intent ``give_code`` and an ``enrolment_code`` entity holding the normalised code. It runs
before the RedFlagScanner, so a red-flag message that also holds something code-like still gets the
safety advice: the scanner overrides the intent, exactly as it overrides a learned one.

Ordinary words look like codes too ("numbness", "headache", "yeah sure", "75mg each"), so a candidate
counts only when the message makes it look like one: the message mentions a code; or it is written as
issued, with the dash, and has a digit or is the whole message; or it is written joined up with a
digit; or it is written with a space, has a digit and is either the whole message or in capitals.
About one code in eleven has no digit; those are recognised as issued (XXXX-XXXX) or with "code".
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    ENTITIES, INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from assistant.patients.identity import CODE_PATTERN
from assistant.rasa_components.base import StatelessComponent

GIVE_CODE_INTENT = "give_code"
CODE_ENTITY = "enrolment_code"
MAX_CHARACTERS = 2000  # a code comes in a short message; a long one is read no further
_MENTIONS_CODE = re.compile(r"\bcodes?\b", re.IGNORECASE)
_AROUND = " \t\r\n.,;:!?'\"()[]"


def find_code(text: Optional[str]) -> Optional[Dict[str, Any]]:
    """The first code-like part of ``text`` as {"value": "XXXX-XXXX", "start", "end"}, or None."""
    text = (text or "")[:MAX_CHARACTERS]
    mentions_code = bool(_MENTIONS_CODE.search(text))
    for match in CODE_PATTERN.finditer(text):
        if _looks_like_code(text, match, mentions_code):
            return {"value": f"{match.group(1)}-{match.group(2)}".upper(), "start": match.start(),
                    "end": match.end()}
    return None


def _looks_like_code(text: str, match: "re.Match[str]", mentions_code: bool) -> bool:
    raw = match.group(0)
    before = text[match.start() - 1] if match.start() > 0 else " "
    after = text[match.end()] if match.end() < len(text) else " "
    if before in "-_/" or after in "-_/" or not any(ch.isalpha() for ch in raw):
        return False  # part of a longer hyphenated or slashed run, or digits only (a phone, a date)
    if mentions_code:
        return True
    has_digit = any(ch.isdigit() for ch in raw)
    whole = text.strip(_AROUND) == raw
    separator = raw[4]
    if separator == "-":
        return has_digit or whole
    if separator == " ":
        return has_digit and (whole or raw.upper() == raw)
    return has_digit


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EnrolmentCodeGuard(StatelessComponent):
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = find_code(message.get(TEXT))
            if found is None:
                continue
            verdict = {INTENT_NAME_KEY: GIVE_CODE_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.data[INTENT] = verdict
            message.data[INTENT_RANKING_KEY] = [verdict] + [
                r for r in message.data.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != GIVE_CODE_INTENT
            ]
            entity = {"entity": CODE_ENTITY, "value": found["value"], "start": found["start"], "end": found["end"],
                      "confidence": 1.0, "extractor": type(self).__name__}
            # A topic word inside the code means nothing; keep only entities outside it.
            kept = [e for e in message.get(ENTITIES) or []
                    if e.get("end", 0) <= found["start"] or e.get("start", 0) >= found["end"]]
            message.set(ENTITIES, kept + [entity], add_to_output=True)
        return messages
