"""Export the published texts in the seed file format, for review or for a new seed."""
from __future__ import annotations

from pathlib import Path
from typing import List

import yaml

from assistant.knowledge.aspects import ASPECTS
from assistant.knowledge.store import KnowledgeStore


def export_topics(store: KnowledgeStore, directory: Path) -> List[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for topic in store.topics():
        texts = {aspect: store.published_answer(topic.slug, aspect) for aspect in ASPECTS}
        newest = [store.versions(topic.slug, a)[-1] for a in ASPECTS if texts[a] is not None]
        meta = {
            "slug": topic.slug,
            "kind": topic.kind,
            "title": topic.title,
            "synonyms": sorted((s.phrase for s in topic.synonyms), key=str.lower),
            "sources": newest[0].sources.splitlines() if newest else [],
            "last_reviewed": min((v.last_reviewed for v in newest if v.last_reviewed), default=None),
            "review_due": min((v.review_due for v in newest if v.review_due), default=None),
        }
        meta = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in meta.items()}
        parts = ["---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=200) + "---\n"]
        for aspect in ASPECTS:
            if texts[aspect] is not None:
                parts.append(f"\n## {aspect}\n\n{texts[aspect].body}\n")
        path = directory / f"{topic.slug}.md"
        path.write_text("".join(parts), encoding="utf-8")
        written.append(path)
    return written
