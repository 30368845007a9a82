"""The seed content itself: the whole catalogue, every required aspect, and the writing rules."""
from __future__ import annotations

import re

import pytest

from assistant.knowledge.aspects import CONDITION_TOPIC, required_aspects
from assistant.knowledge.readability import GRADE_TARGET, first_sentence, grade, plain_text
from assistant.knowledge.seed import read_seed_dir
from assistant.knowledge.store import KnowledgeStore
from tests.conftest import CONTENT_DIR

CATALOGUE = {
    "condition": ["refractory-radiculopathy", "symptoms-overview", "causes-overview", "diagnosis-overview",
                  "treatment-options"],
    "symptom": ["radiating-pain", "numbness", "tingling", "weakness"],
    "cause": ["herniated-disc", "spinal-stenosis", "failed-back-surgery-syndrome", "epidural-fibrosis",
              "chronic-inflammation", "foraminal-stenosis", "peripheral-nerve-entrapment"],
    "diagnostic": ["clinical-examination", "imaging", "electrodiagnostic-testing", "inflammatory-markers"],
    "therapy": ["neuropathic-pain-medicines", "anti-inflammatory-medicines", "opioids", "physical-therapy",
                "epidural-steroid-injection", "selective-nerve-root-block", "spinal-cord-stimulation",
                "radiofrequency-ablation", "reoperation", "peripheral-nerve-stimulation",
                "dorsal-root-ganglion-stimulation"],
}
SEEDS = read_seed_dir(CONTENT_DIR)
TEXTS = [(seed, aspect, body) for seed in SEEDS for aspect, body in seed.texts.items()]


def _text_id(item):
    return f"{item[0].slug}/{item[1]}"


def test_catalogue_is_complete_and_nothing_else():
    assert {seed.slug: seed.kind for seed in SEEDS} == {
        slug: kind for kind, slugs in CATALOGUE.items() for slug in slugs
    }


def test_every_topic_has_published_text_for_every_required_aspect(seeded_session):
    store = KnowledgeStore(seeded_session)
    missing = [
        f"{topic.slug}/{aspect}"
        for topic in store.topics()
        for aspect in required_aspects(topic.kind)
        if store.published_answer(topic.slug, aspect) is None
    ]
    assert missing == []
    assert len(store.topics()) == sum(len(s) for s in CATALOGUE.values())


@pytest.mark.parametrize("item", TEXTS, ids=_text_id)
def test_text_meets_readability_bound(item):
    _, _, body = item
    assert grade(body) <= GRADE_TARGET


@pytest.mark.parametrize("item", TEXTS, ids=_text_id)
def test_text_names_its_topic_in_the_first_sentence(item):
    seed, _, body = item
    names = {seed.title.lower(), seed.title.split(" (")[0].lower(), *(s.lower() for s in seed.synonyms)}
    if seed.kind == "condition":
        names.add(CONDITION_TOPIC.replace("-", " "))
    sentence = first_sentence(body).lower()
    assert any(re.search(r"\b" + re.escape(name) + r"\b", sentence) for name in names), sentence


@pytest.mark.parametrize("item", TEXTS, ids=_text_id)
def test_text_ends_with_when_to_talk_to_the_care_team(item):
    _, _, body = item
    assert "care team" in body.strip().split("\n\n")[-1].lower()


@pytest.mark.parametrize("item", TEXTS, ids=_text_id)
def test_text_is_plain_markdown_without_html_or_reassurance(item):
    _, _, body = item
    assert not re.search(r"<\s*/?\s*[a-z]", body, re.I)
    lowered = plain_text(body).lower()
    for phrase in ("nothing to worry about", "don't worry", "that's fine", "you are fine", "it is nothing serious"):
        assert phrase not in lowered


def test_symptom_texts_give_emergency_advice_for_warning_signs():
    for seed in SEEDS:
        if seed.kind == "symptom":
            text = seed.texts["what-to-expect"].lower()
            assert "emergency" in text and "emergency department" in text, seed.slug
            assert "bladder" in text and "bowel" in text, seed.slug


SHARED_SOURCE = CONTENT_DIR.parents[2] / "shared" / "source" / "refractory_radiculopathy.txt"


@pytest.mark.skipif(not SHARED_SOURCE.exists(), reason="shared/ (the source facts) is not beside this checkout")
def test_no_sentence_is_copied_from_the_source():
    source = SHARED_SOURCE
    words = re.findall(r"[a-z]+", source.read_text(encoding="utf-8").lower())
    source_runs = {" ".join(words[i:i + 8]) for i in range(len(words) - 7)}
    for seed, aspect, body in TEXTS:
        text_words = re.findall(r"[a-z]+", plain_text(body).lower())
        runs = {" ".join(text_words[i:i + 8]) for i in range(len(text_words) - 7)}
        assert not runs & source_runs, f"{seed.slug}/{aspect} copies: {sorted(runs & source_runs)[:2]}"
