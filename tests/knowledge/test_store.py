"""Knowledge store queries and versioned publishing, on a real database."""
from __future__ import annotations

import pytest

from assistant.knowledge.store import KnowledgeStore, UnknownAspect, UnknownTopic


@pytest.mark.parametrize("phrase, slug", [
    ("Lyrica", "neuropathic-pain-medicines"),
    ("neurontin", "neuropathic-pain-medicines"),
    ("CYMBALTA", "neuropathic-pain-medicines"),
    ("amitriptyline", "neuropathic-pain-medicines"),
    ("nerve block", "selective-nerve-root-block"),
    ("the stimulator", "spinal-cord-stimulation"),
    ("DRG", "dorsal-root-ganglion-stimulation"),
    ("scs", "spinal-cord-stimulation"),
    ("RFA", "radiofrequency-ablation"),
    ("burning the nerves", "radiofrequency-ablation"),
    ("scar tissue", "epidural-fibrosis"),
    ("pinched nerve", "refractory-radiculopathy"),
    ("  Slipped   Disc! ", "herniated-disc"),
    ("spinal-cord-stimulation", "spinal-cord-stimulation"),
    ("Spinal cord stimulation", "spinal-cord-stimulation"),
])
def test_patient_words_resolve_to_slugs(seeded_session, phrase, slug):
    assert KnowledgeStore(seeded_session).resolve_topic(phrase) == slug


@pytest.mark.parametrize("phrase", ["", "   ", "banana", "'; DROP TABLE topic; --", None])
def test_unknown_words_resolve_to_nothing(seeded_session, phrase):
    assert KnowledgeStore(seeded_session).resolve_topic(phrase) is None


def test_publishing_makes_a_new_version_that_the_bot_reads(seeded_session):
    store = KnowledgeStore(seeded_session)
    before = store.published_answer("spinal-cord-stimulation", "overview")
    text = store.publish("spinal-cord-stimulation", "overview", "New **overview**. Ask your care team.",
                         author="editor-ann")
    after = store.published_answer("spinal-cord-stimulation", "overview")
    assert text.version == before.version + 1
    assert after.body == "New **overview**. Ask your care team." and after.author == "editor-ann"
    history = store.versions("spinal-cord-stimulation", "overview")
    assert [v.version for v in history] == list(range(1, after.version + 1))
    assert history[0].body == before.body  # history is kept
    assert history[-1].sources == history[0].sources  # provenance carries over


def test_a_draft_is_not_what_the_bot_says(seeded_session):
    store = KnowledgeStore(seeded_session)
    live = store.published_answer("opioids", "risks")
    store.add_version("opioids", "risks", "Draft text.", author="editor-ann", status="draft")
    assert store.published_answer("opioids", "risks") == live


@pytest.mark.parametrize("slug, aspect, body, author, error", [
    ("no-such-topic", "overview", "Text.", "ann", UnknownTopic),
    ("opioids", "price", "Text.", "ann", UnknownAspect),
    ("opioids", "overview", "   ", "ann", ValueError),
    ("opioids", "overview", "Text.", " ", ValueError),
])
def test_bad_publications_are_refused_and_change_nothing(seeded_session, slug, aspect, body, author, error):
    store = KnowledgeStore(seeded_session)
    before = store.published_answer("opioids", "overview")
    with pytest.raises(error):
        store.publish(slug, aspect, body, author=author)
    assert store.published_answer("opioids", "overview") == before


def test_vocabulary_covers_titles_slugs_and_synonyms(seeded_session):
    vocabulary = dict((phrase.lower(), slug) for phrase, slug in KnowledgeStore(seeded_session).vocabulary())
    assert vocabulary["lyrica"] == "neuropathic-pain-medicines"
    assert vocabulary["spinal cord stimulation"] == "spinal-cord-stimulation"
    assert vocabulary["electrodiagnostic testing"] == "electrodiagnostic-testing"


def test_statuses_list_every_text(seeded_session):
    rows = KnowledgeStore(seeded_session).statuses()
    assert ("spinal-cord-stimulation", "risks") in {(r.slug, r.aspect) for r in rows}
    assert all(r.published_version == r.latest_version and r.latest_status == "published" for r in rows)
