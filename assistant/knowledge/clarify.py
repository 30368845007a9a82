"""Suggest the likeliest topics when the bot is not sure what was asked, instead of guessing."""
from __future__ import annotations

import difflib
from typing import List, Optional, Sequence

from assistant.knowledge.answering import Message, button_payload
from assistant.knowledge.phrases import phrase_key
from assistant.knowledge.store import KnowledgeStore

MAX_SUGGESTIONS = 3
_CUTOFF = 0.82
_MIN_FUZZY_LENGTH = 4


def _ngrams(words: List[str], longest: int = 4):
    for size in range(min(longest, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            yield " ".join(words[start:start + size])


def likely_topics(store: KnowledgeStore, text: str, heard: Sequence[str] = ()) -> List[str]:
    """Topics named in ``text`` exactly, then by close spelling (misspellings), best first."""
    found: List[str] = []

    def add(slug: Optional[str]) -> None:
        if slug and slug not in found:
            found.append(slug)

    for phrase in heard:
        add(store.resolve_topic(phrase))
    vocabulary = {phrase_key(phrase): slug for phrase, slug in store.vocabulary()}
    words = phrase_key(text[:500]).split()
    for gram in _ngrams(words):
        if gram in vocabulary:
            add(vocabulary[gram])
    for gram in _ngrams(words):
        if len(gram) < _MIN_FUZZY_LENGTH:
            continue
        for match in difflib.get_close_matches(gram, vocabulary.keys(), n=2, cutoff=_CUTOFF):
            add(vocabulary[match])
    return found[:MAX_SUGGESTIONS]


def clarify(store: KnowledgeStore, text: str, heard: Sequence[str] = ()) -> Message:
    """A clarifying question with buttons for the likeliest topics, or for the main subjects."""
    slugs = likely_topics(store, text, heard)
    if slugs:
        buttons = [
            {"title": store.topic(slug).title, "payload": button_payload("ask_what_is", slug)} for slug in slugs
        ]
        return Message(response="utter_clarify_topic", buttons=buttons)
    return Message(response="utter_clarify_general")
