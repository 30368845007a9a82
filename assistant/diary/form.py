"""The diary conversation's decisions, one answer at a time: what was understood, whether to ask
again (with which hint), and whether the answer is itself a red flag that cannot wait.

Safety first: a screening answer that is a red flag gets its advice at once, not when the entry
is saved; a hedged answer ("not sure", "maybe a bit") gets one clarifying question and, if still
unsure, the emergency advice.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Dict, Optional, Tuple

from assistant.diary import answers
from assistant.safety.rules import DiaryAnswerRule, RuleSet

SKIPPED = "-"  # stored for an optional question the patient skipped


@dataclass(frozen=True)
class Question:
    field: str
    parse: Callable[[str, Optional[int]], Optional[object]]
    hint_response: str


def _free_text(text: str, _previous=None) -> Optional[str]:
    text = (text or "").strip()
    if not text:
        return None
    return SKIPPED if answers.skip_answer(text) else text[:2000]


QUESTIONS: Tuple[Question, ...] = (
    Question("leg_pain", lambda t, p: answers.parse_score(t, p), "utter_diary_hint_score"),
    Question("back_pain", lambda t, p: answers.parse_score(t, p), "utter_diary_hint_score"),
    Question("numbness", lambda t, p: answers.parse_numbness(t), "utter_diary_hint_numbness"),
    Question("weakness", lambda t, p: answers.parse_weakness(t), "utter_diary_hint_weakness"),
    Question("bladder_bowel", lambda t, p: answers.parse_yes_no(t), "utter_diary_hint_yes_no"),
    Question("saddle", lambda t, p: answers.parse_yes_no(t), "utter_diary_hint_yes_no"),
    Question("fever", lambda t, p: answers.parse_yes_no(t), "utter_diary_hint_yes_no"),
    Question("medicines", _free_text, "utter_diary_hint_free_text"),
    Question("side_effects", _free_text, "utter_diary_hint_free_text"),
    Question("sleep", lambda t, p: answers.parse_sleep(t), "utter_diary_hint_sleep"),
    Question("notes", _free_text, "utter_diary_hint_free_text"),
)
QUESTION_BY_FIELD: Dict[str, Question] = {q.field: q for q in QUESTIONS}

OK, ASK_AGAIN, CLARIFY, URGENT_NOW, EMERGENCY_NOW = "ok", "ask_again", "clarify", "urgent_now", "emergency_now"


@dataclass(frozen=True)
class Verdict:
    outcome: str                       # ok | ask_again | clarify | urgent_now | emergency_now
    value: Optional[object] = None     # what to store when the answer counts
    response: Optional[str] = None     # hint or clarifying question to send
    rule: Optional[DiaryAnswerRule] = None


def _rule_for(rules: RuleSet, field: str, value) -> Optional[DiaryAnswerRule]:
    for rule in rules.diary_answer_rules:
        if rule.field == field and value is not None and (
                str(value) in rule.answers or ("*" in rule.answers and value != SKIPPED)):
            return rule
    return None


def judge(rules: RuleSet, field: str, text: str, previous: Optional[int] = None,
          clarifications_asked: int = 0) -> Verdict:
    """What to do with the patient's answer to the diary question for ``field``."""
    question = QUESTION_BY_FIELD[field]
    value = question.parse(text or "", previous)
    if value is None:
        return Verdict(ASK_AGAIN, response=question.hint_response)
    rule = _rule_for(rules, field, value)
    if rule is None:
        return Verdict(OK, value)
    if value == "unsure":
        if clarifications_asked < 1 and rule.level == "emergency":
            return Verdict(CLARIFY, response="utter_red_flag_clarify", rule=rule)
        return Verdict(EMERGENCY_NOW if rule.level == "emergency" else URGENT_NOW, value, rule=rule)
    if rule.level == "emergency":
        return Verdict(EMERGENCY_NOW, value, rule=rule)
    if rule.level == "urgent":
        return Verdict(URGENT_NOW, value, rule=rule)
    return Verdict(OK, value, rule=rule)  # review: recorded with the entry, a nurse looks at it


_CORRECTION = re.compile(r"\b(leg|arm|back|neck)\b\D{0,20}?(\d{1,2})\b")


def correction(text: str) -> Optional[Tuple[str, int]]:
    """A change at the summary step: "leg pain should be 6" -> ("leg_pain", 6)."""
    match = _CORRECTION.search((text or "").lower())
    if not match or int(match.group(2)) > 10:
        return None
    field = "leg_pain" if match.group(1) in ("leg", "arm") else "back_pain"
    return field, int(match.group(2))
