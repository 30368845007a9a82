"""The clarifying question offers the likeliest topics, misspelt or not, instead of guessing."""
from __future__ import annotations

import pytest

from assistant.knowledge.clarify import clarify, likely_topics
from assistant.knowledge.store import KnowledgeStore


@pytest.mark.parametrize("text, slug", [
    ("stimulater thing", "spinal-cord-stimulation"),
    ("radiofrequncy", "radiofrequency-ablation"),
    ("gabapentin??", "neuropathic-pain-medicines"),
    ("something about a myleogram", "imaging"),
    ("piriformus", "peripheral-nerve-entrapment"),
])
def test_likely_topics_catch_exact_and_misspelt_words(seeded_session, text, slug):
    assert slug in likely_topics(KnowledgeStore(seeded_session), text)


def test_clarify_offers_buttons_for_likely_topics(seeded_session):
    message = clarify(KnowledgeStore(seeded_session), "hmm the stimulater")
    assert message.response == "utter_clarify_topic"
    assert message.buttons[0]["payload"] == '/ask_what_is{"topic": "spinal-cord-stimulation"}'


@pytest.mark.parametrize("text", ["", "🙂🙂🙂", "asdfgh qwerty", "<script>alert(1)</script>", "x" * 10000])
def test_clarify_without_candidates_offers_the_main_subjects(seeded_session, text):
    message = clarify(KnowledgeStore(seeded_session), text)
    assert message.response == "utter_clarify_general" and message.buttons == []
