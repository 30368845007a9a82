"""Our Rasa NLU components, run on Rasa messages without a trained model."""
from __future__ import annotations

import pytest
import spacy
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.training_data.message import Message

from assistant.nlp.pipeline import PACKAGE_NAME
from assistant.rasa_components.input_guard import InputGuard
from assistant.rasa_components.topic_extractor import TopicEntityExtractor


def message(text, intent="affirm"):
    return Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9},
                         "intent_ranking": [{"name": intent, "confidence": 0.9}]})


@pytest.mark.parametrize("text", ["", "   ", "🙂😀👍", "?!...", "\u200b\u202e"])
def test_messages_without_words_go_to_the_fallback(text):
    (guarded,) = InputGuard().process([message(text)])
    assert guarded.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    assert guarded.get("intent_ranking")[0]["name"] == "nlu_fallback"


@pytest.mark.parametrize("text", ["hi", "7", "ok 👍", "é"])
def test_messages_with_words_keep_their_intent(text):
    (kept,) = InputGuard().process([message(text)])
    assert kept.get("intent")["name"] == "affirm"


@pytest.fixture(scope="module")
def spacy_model():
    return SpacyModel(model=spacy.load(PACKAGE_NAME), model_name=PACKAGE_NAME)


@pytest.mark.parametrize("text, values", [
    ("is Lyrica safe", ["neuropathic-pain-medicines"]),
    ("what is pregabalen", ["neuropathic-pain-medicines"]),
    ("scs or drg?", ["spinal-cord-stimulation", "dorsal-root-ganglion-stimulation"]),
    ("hello there", []),
    ("x" * 20000, []),
])
def test_topic_entities_carry_the_slug_and_the_words_position(spacy_model, text, values):
    (processed,) = TopicEntityExtractor().process([message(text)], spacy_model)
    entities = processed.get("entities")
    assert [e["value"] for e in entities] == values
    for entity in entities:
        assert entity["entity"] == "topic" and entity["extractor"] == "TopicEntityExtractor"
        assert 0 <= entity["start"] < entity["end"] <= len(text)
