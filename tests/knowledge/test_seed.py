"""Seed loading: idempotent, and an editor's later text is never overwritten by a reload."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assistant.knowledge.seed import SeedError, load_seed, parse_seed_file
from assistant.knowledge.store import KnowledgeStore
from assistant.tables import AnswerText, Topic, TopicSynonym
from tests.conftest import CONTENT_DIR

SEED = """---
slug: {slug}
kind: therapy
title: {title}
synonyms:
- {synonym}
sources:
- TEST-1
last_reviewed: '2026-01-01'
review_due: '2027-01-01'
---

## overview

{overview}

## risks

The risks of {title} are small. Talk to your care team.
"""


def write_seed(directory: Path, slug="test-therapy", title="Test therapy", synonym="tt",
               overview="Test therapy is a test. Ask your care team.") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{slug}.md"
    path.write_text(SEED.format(slug=slug, title=title, synonym=synonym, overview=overview), encoding="utf-8")
    return path


def counts(session):
    return tuple(session.execute(select(func.count()).select_from(table)).scalar_one()
                 for table in (Topic, TopicSynonym, AnswerText))


def test_loading_twice_changes_nothing(session):
    first = load_seed(session, CONTENT_DIR)
    before = counts(session)
    second = load_seed(session, CONTENT_DIR)
    assert first.changed and first.topics_created == 31
    assert not second.changed
    assert counts(session) == before


def test_seed_text_is_published_with_its_provenance(session, tmp_path):
    write_seed(tmp_path)
    load_seed(session, tmp_path)
    store = KnowledgeStore(session)
    answer = store.published_answer("test-therapy", "overview")
    assert answer.body == "Test therapy is a test. Ask your care team."
    assert answer.version == 1 and answer.author == "seed"
    version = store.versions("test-therapy", "overview")[0]
    assert version.sources == "TEST-1" and str(version.review_due) == "2027-01-01"
    assert store.resolve_topic("TT") == "test-therapy"


def test_changed_seed_text_becomes_a_new_published_version(session, tmp_path):
    write_seed(tmp_path)
    load_seed(session, tmp_path)
    write_seed(tmp_path, overview="Test therapy, rewritten. Ask your care team.")
    report = load_seed(session, tmp_path)
    store = KnowledgeStore(session)
    assert report.texts_created == 1
    assert store.published_answer("test-therapy", "overview").version == 2
    assert store.published_answer("test-therapy", "overview").body.startswith("Test therapy, rewritten")


def test_editor_text_survives_a_reload_even_when_the_seed_changes(session, tmp_path):
    write_seed(tmp_path)
    load_seed(session, tmp_path)
    store = KnowledgeStore(session)
    store.publish("test-therapy", "overview", "Edited by an editor. Ask your care team.", author="editor-ann")
    write_seed(tmp_path, overview="Test therapy, new seed wording. Ask your care team.")
    report = load_seed(session, tmp_path)
    answer = store.published_answer("test-therapy", "overview")
    assert answer.body == "Edited by an editor. Ask your care team." and answer.author == "editor-ann"
    assert report.texts_kept_editor == 1
    # the other aspect, untouched by the editor, still follows the seed
    assert store.published_answer("test-therapy", "risks").author == "seed"


def test_synonyms_follow_the_seed_file(session, tmp_path):
    write_seed(tmp_path, synonym="old word")
    load_seed(session, tmp_path)
    write_seed(tmp_path, synonym="new word")
    load_seed(session, tmp_path)
    store = KnowledgeStore(session)
    assert store.resolve_topic("new word") == "test-therapy"
    assert store.resolve_topic("old word") is None


def test_a_synonym_claimed_by_two_topics_is_refused(tmp_path):
    write_seed(tmp_path, slug="one", title="One", synonym="shared word")
    write_seed(tmp_path, slug="two", title="Two", synonym="Shared  Word")
    from assistant.knowledge.seed import read_seed_dir
    with pytest.raises(SeedError, match=r"(?i)shared +word.* one and two"):
        read_seed_dir(tmp_path)


@pytest.mark.parametrize("mutation, message", [
    (lambda text: text.replace("---\n", "", 1), "front matter"),
    (lambda text: text.replace("kind: therapy", "kind: gossip"), "kind 'gossip'"),
    (lambda text: text.replace("## risks", "## price"), "unknown aspect 'price'"),
    (lambda text: text.replace("## risks", "## overview"), "appears twice"),
])
def test_a_malformed_seed_file_is_refused_with_a_clear_message(tmp_path, mutation, message):
    path = write_seed(tmp_path)
    path.write_text(mutation(path.read_text()), encoding="utf-8")
    with pytest.raises(SeedError, match=message):
        parse_seed_file(path)


def test_a_file_named_unlike_its_slug_is_refused(tmp_path):
    path = write_seed(tmp_path)
    shutil.move(path, tmp_path / "other-name.md")
    with pytest.raises(SeedError, match="file name"):
        parse_seed_file(tmp_path / "other-name.md")
