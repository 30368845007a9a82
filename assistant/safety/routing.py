"""Where a scanned message goes in the dialogue, and what a yes/no/unsure answer to the
safety check leads to. Pure functions, so every branch is tested without Rasa.
"""
from __future__ import annotations

from typing import Optional

from assistant.safety.context import POSSIBLE
from assistant.safety.scanner import ScanResult

EMERGENCY_INTENT = "red_flag_emergency"
URGENT_INTENT = "red_flag_urgent"
REVIEW_INTENT = "red_flag_review"
POSSIBLE_INTENT = "red_flag_possible"
WARNING_SIGN_QUESTION_INTENT = "ask_warning_signs"
SAFETY_INTENTS = (EMERGENCY_INTENT, URGENT_INTENT, REVIEW_INTENT, POSSIBLE_INTENT, WARNING_SIGN_QUESTION_INTENT)

ADVISE, ASK_AGAIN, CLOSE = "advise", "ask_again", "close"
MAX_CLARIFYING_QUESTIONS = 1


def route(result: ScanResult) -> Optional[str]:
    """The intent a scanned message is routed to, overriding the learned one; None leaves it."""
    top = result.top
    if top is not None:
        if top.level == "emergency":
            return POSSIBLE_INTENT if top.status == POSSIBLE else EMERGENCY_INTENT
        return URGENT_INTENT if top.level == "urgent" else REVIEW_INTENT
    if result.warning_sign_question:
        return WARNING_SIGN_QUESTION_INTENT
    return None


def answer_to_check(answer_intent: str, clarifying_questions_asked: int) -> str:
    """After "Is this happening to you now?": yes -> advice; no -> close (never reassure);
    unsure -> one clarifying question, and if still unsure, the emergency advice."""
    if answer_intent == "affirm":
        return ADVISE
    if answer_intent == "deny":
        return CLOSE
    return ASK_AGAIN if clarifying_questions_asked < MAX_CLARIFYING_QUESTIONS else ADVISE
