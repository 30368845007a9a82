"""The project's spaCy pipeline: topic words become ``topic`` entities whose id is the slug."""
from __future__ import annotations

import pytest
import spacy

from assistant.knowledge.store import KnowledgeStore
from assistant.nlp.pipeline import ENTITY_LABEL, PACKAGE_NAME, build_nlp


@pytest.fixture
def nlp(seeded_session):
    return build_nlp(KnowledgeStore(seeded_session).vocabulary())


@pytest.mark.parametrize("text, slugs", [
    ("what are the side effects of Lyrica", ["neuropathic-pain-medicines"]),
    ("is a nerve block better than an epidural", ["selective-nerve-root-block", "epidural-steroid-injection"]),
    ("how long does the stimulator battery last", ["spinal-cord-stimulation"]),
    ("what about BURNING THE NERVES", ["radiofrequency-ablation"]),
    ("could scar tissue be the cause", ["epidural-fibrosis"]),
    ("i have a dentist appointment", []),
])
def test_topic_entities_carry_slugs(nlp, text, slugs):
    doc = nlp(text)
    assert [ent.ent_id_ for ent in doc.ents if ent.label_ == ENTITY_LABEL] == slugs


def test_longest_phrase_wins(nlp):
    (ent,) = nlp("tell me about spinal cord stimulation").ents
    assert ent.text == "spinal cord stimulation"


def test_overview_titles_are_not_topic_words(nlp):
    assert [ent.ent_id_ for ent in nlp("what are the treatment options for lumbar stenosis").ents] == [
        "spinal-stenosis"]


def test_the_installed_pipeline_loads_by_name_and_knows_the_store_vocabulary():
    nlp = spacy.load(PACKAGE_NAME)  # installed by `make setup` (assistant nlp build)
    doc = nlp("my doctor mentioned DRG stimulation and Cymbalta")
    assert [ent.ent_id_ for ent in doc.ents] == ["dorsal-root-ganglion-stimulation", "neuropathic-pain-medicines"]


@pytest.mark.parametrize("text, slugs", [
    ("what is pregabalen", ["neuropathic-pain-medicines"]),
    ("how does the nerve condution test work", ["electrodiagnostic-testing"]),
    ("risks of a dorsal root ganglian stimulator?", ["dorsal-root-ganglion-stimulation"]),
    ("is ibuprophen safe", ["anti-inflammatory-medicines"]),
    ("tell me about spinal cord stimulation", ["spinal-cord-stimulation"]),
    ("what are the numbers on my report", []),
    ("why do they want my inflammatory markers checked", ["inflammatory-markers"]),
    ("i have a question", []),
])
def test_misspelt_topic_words_are_matched_but_everyday_words_are_not(nlp, text, slugs):
    assert [ent.ent_id_ for ent in nlp(text).ents] == slugs


def test_fuzzy_matching_stays_fast_on_huge_messages(nlp):
    import time

    started = time.perf_counter()
    nlp("word " * 2000 + "x" * 10000)
    assert time.perf_counter() - started < 2.0
