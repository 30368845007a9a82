"""Load the reviewable seed files in ``content/topics/`` into the knowledge store.

Loading is idempotent: an unchanged file changes nothing; a changed seed text becomes a new
published version only while the live text is still a seed text, so a text an editor
published later is never overwritten by a reload.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Dict, List, Optional

import yaml
from sqlalchemy import select

from assistant.knowledge.aspects import ASPECTS
from assistant.knowledge.phrases import phrase_key
from assistant.knowledge.store import KnowledgeStore, UnknownTopic, content_hash
from assistant.tables import TOPIC_KINDS, AnswerText, Topic, TopicSynonym

SEED_AUTHOR = "seed"
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.S)
_SECTION = re.compile(r"^## ([a-z-]+)[ \t]*\n(.*?)(?=^## |\Z)", re.S | re.M)


class SeedError(ValueError):
    """A seed file that cannot be loaded; the message names the file and the problem."""


@dataclass
class SeedTopic:
    slug: str
    kind: str
    title: str
    synonyms: List[str]
    sources: List[str]
    last_reviewed: Optional[date]
    review_due: Optional[date]
    texts: Dict[str, str] = field(default_factory=dict)
    path: Optional[Path] = None


def _as_date(value) -> Optional[date]:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def parse_seed_file(path: Path) -> SeedTopic:
    match = _FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    if not match:
        raise SeedError(f"{path}: no YAML front matter between '---' lines")
    meta = yaml.safe_load(match.group(1)) or {}
    for key in ("slug", "kind", "title"):
        if not meta.get(key):
            raise SeedError(f"{path}: front matter lacks '{key}'")
    if meta["kind"] not in TOPIC_KINDS:
        raise SeedError(f"{path}: kind '{meta['kind']}' is not one of {', '.join(TOPIC_KINDS)}")
    if path.stem != meta["slug"]:
        raise SeedError(f"{path}: file name must be the slug '{meta['slug']}.md'")
    texts = {}
    for aspect, body in _SECTION.findall(match.group(2)):
        if aspect not in ASPECTS:
            raise SeedError(f"{path}: unknown aspect '{aspect}' (known: {', '.join(ASPECTS)})")
        if aspect in texts:
            raise SeedError(f"{path}: aspect '{aspect}' appears twice")
        if body.strip():
            texts[aspect] = body.strip()
    return SeedTopic(
        slug=meta["slug"], kind=meta["kind"], title=meta["title"],
        synonyms=[str(s) for s in meta.get("synonyms") or []],
        sources=[str(s) for s in meta.get("sources") or []],
        last_reviewed=_as_date(meta.get("last_reviewed")), review_due=_as_date(meta.get("review_due")),
        texts=texts, path=path,
    )


def read_seed_dir(directory: Path) -> List[SeedTopic]:
    """Every seed file, checked for clashing synonyms across topics."""
    topics = [parse_seed_file(path) for path in sorted(Path(directory).glob("*.md"))]
    if not topics:
        raise SeedError(f"{directory}: no topic files")
    owner: Dict[str, str] = {}
    for topic in topics:
        for phrase in topic.synonyms:
            key = phrase_key(phrase)
            if key in owner and owner[key] != topic.slug:
                raise SeedError(f"synonym '{phrase}' belongs to both {owner[key]} and {topic.slug}")
            owner[key] = topic.slug
    return topics


@dataclass
class SeedReport:
    topics_created: int = 0
    synonyms_added: int = 0
    synonyms_removed: int = 0
    texts_created: int = 0
    texts_kept_editor: int = 0

    @property
    def changed(self) -> bool:
        return any((self.topics_created, self.synonyms_added, self.synonyms_removed, self.texts_created))


def load_seed(session, directory: Path) -> SeedReport:
    """Bring the store in line with the seed files, never touching an editor's text."""
    store = KnowledgeStore(session)
    report = SeedReport()
    for seed in read_seed_dir(directory):
        topic = _upsert_topic(session, store, seed, report)
        _sync_synonyms(session, topic, seed, report)
        for aspect, body in seed.texts.items():
            _sync_text(store, seed, aspect, body, report)
    return report


def _upsert_topic(session, store: KnowledgeStore, seed: SeedTopic, report: SeedReport) -> Topic:
    try:
        topic = store.topic(seed.slug)
    except UnknownTopic:
        topic = Topic(slug=seed.slug, kind=seed.kind, title=seed.title)
        session.add(topic)
        session.flush()
        report.topics_created += 1
        return topic
    if (topic.kind, topic.title) != (seed.kind, seed.title):
        topic.kind, topic.title = seed.kind, seed.title
    return topic


def _sync_synonyms(session, topic: Topic, seed: SeedTopic, report: SeedReport) -> None:
    wanted = {phrase_key(p): p for p in seed.synonyms if phrase_key(p)}
    existing = {s.phrase_key: s for s in topic.synonyms}
    for key, synonym in existing.items():
        if key not in wanted and synonym.origin == "seed":
            session.delete(synonym)
            report.synonyms_removed += 1
    session.flush()
    for key, phrase in wanted.items():
        if key in existing:
            continue
        clash = session.execute(select(TopicSynonym).where(TopicSynonym.phrase_key == key)).scalar_one_or_none()
        if clash is not None:
            raise SeedError(f"synonym '{phrase}' of {seed.slug} is already used by another topic")
        session.add(TopicSynonym(topic=topic, phrase=phrase, phrase_key=key, origin="seed"))
        report.synonyms_added += 1
    session.flush()


def _sync_text(store: KnowledgeStore, seed: SeedTopic, aspect: str, body: str, report: SeedReport) -> None:
    versions: List[AnswerText] = store.versions(seed.slug, aspect)
    if any(v.origin != "seed" for v in versions):
        report.texts_kept_editor += 1
        return
    if versions and versions[-1].content_hash == content_hash(body):
        return
    store.add_version(
        seed.slug, aspect, body, author=SEED_AUTHOR, status="published", origin="seed",
        approved_by=SEED_AUTHOR, sources=seed.sources, last_reviewed=seed.last_reviewed,
        review_due=seed.review_due,
    )
    report.texts_created += 1
