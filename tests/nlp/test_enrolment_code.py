"""The enrolment-code guard: a code in a message is recognised by pattern and set as give_code with the
normalised code; ordinary words that happen to fit the pattern are left alone; the safety net, which
runs after it, still wins."""
from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from assistant.rasa_components.enrolment_code import EnrolmentCodeGuard, find_code
from assistant.rasa_components.red_flags import RedFlagScanner


def message(text, intent="ask_what_is", entities=None):
    return Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9},
                         "intent_ranking": [{"name": intent, "confidence": 0.9}], "entities": entities or []})


@pytest.mark.parametrize("text, code", [
    ("K7PM-4XQ2", "K7PM-4XQ2"),
    ("my code is k7pm 4xq2", "K7PM-4XQ2"),
    ("k7pm4xq2", "K7PM-4XQ2"),
    ("  K7PM 4XQ2. ", "K7PM-4XQ2"),
    ("here it is K7PM 4XQ2 thanks", "K7PM-4XQ2"),
    ("hi, the nurse gave me K7PM-4XQ2", "K7PM-4XQ2"),
    ("/?code=K7PM-4XQ2", "K7PM-4XQ2"),
    ("ABCD-EFGH", "ABCD-EFGH"),                   # a code without a digit, written as issued
    ("my code is abcd efgh", "ABCD-EFGH"),
])
def test_codes_are_found_and_normalised(text, code):
    assert find_code(text)["value"] == code


@pytest.mark.parametrize("text", [
    "numbness", "headache", "yeah sure", "make sure you tell me", "I take 75mg each morning",
    "I'm ache-free today", "disc at c5c6 c6c7", "call 2345 6789", "what were the risks", "K7PM-4XQ2-EXTRA",
    "", None, "x" * 100000,
])
def test_ordinary_words_are_not_codes(text):
    assert find_code(text) is None


def test_a_code_sets_give_code_and_the_entity_without_touching_the_text():
    topic = {"entity": "topic", "value": "spinal-cord-stimulation", "start": 20, "end": 23}
    (processed,) = EnrolmentCodeGuard().process([message("my code is K7PM-4XQ2 scs", entities=[topic])])
    assert processed.get("intent") == {"name": "give_code", "confidence": 1.0}
    assert processed.get("intent_ranking")[0]["name"] == "give_code"
    code = [e for e in processed.get("entities") if e["entity"] == "enrolment_code"]
    assert code == [{"entity": "enrolment_code", "value": "K7PM-4XQ2", "start": 11, "end": 20, "confidence": 1.0,
                     "extractor": "EnrolmentCodeGuard"}]
    assert processed.get("text") == "my code is K7PM-4XQ2 scs"


def test_a_message_without_a_code_keeps_its_intent():
    (kept,) = EnrolmentCodeGuard().process([message("what is spinal cord stimulation")])
    assert kept.get("intent")["name"] == "ask_what_is" and kept.get("entities") == []


def test_the_safety_net_after_the_guard_still_wins():
    text = "my code is K7PM-4XQ2 and I wet myself this morning and didn't feel it"
    (processed,) = RedFlagScanner().process(EnrolmentCodeGuard().process([message(text)]))
    assert processed.get("intent")["name"] == "red_flag_emergency"
