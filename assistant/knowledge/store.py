"""The knowledge store: topics, synonyms and versioned answer texts, read and written through
one session that the caller owns (one unit of work per message or per command).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.knowledge.aspects import ASPECTS, OVERVIEW_TOPICS
from assistant.knowledge.phrases import phrase_key
from assistant.tables import AnswerText, Topic, TopicSynonym, as_utc, utcnow


class UnknownTopic(LookupError):
    """A slug that the knowledge store does not have."""


class UnknownAspect(ValueError):
    """An aspect slug outside ``assistant.knowledge.aspects.ASPECTS``."""


class UnknownVersion(LookupError):
    """A version number that a (topic, aspect) does not have."""


@dataclass(frozen=True)
class Answer:
    slug: str
    title: str
    kind: str
    aspect: str
    version: int
    body: str
    author: str


@dataclass(frozen=True)
class TextStatus:
    """One row of the editors' content list."""

    slug: str
    kind: str
    title: str
    aspect: str
    published_version: Optional[int]
    latest_version: int
    latest_status: str
    author: str
    changed_at: object
    review_due: Optional[date]
    changed_by: str = ""               # who made the latest change (wrote, submitted, reviewed)
    submitted_by: Optional[str] = None  # of the latest version
    latest_id: Optional[int] = None


def last_change(text: AnswerText) -> Tuple[object, str]:
    """(when, who) of the newest event on a version: written, submitted, reviewed or published."""
    events = [(text.created_at, text.author), (text.submitted_at, text.submitted_by),
              (text.reviewed_at, text.reviewed_by)]
    if text.status == "published":
        events.append((text.published_at, text.approved_by or text.author))
    events = [(as_utc(when), who) for when, who in events if when is not None and who]
    return max(events, key=lambda event: event[0]) if events else (text.created_at, text.author)


def content_hash(body: str) -> str:
    return hashlib.sha256(body.strip().encode("utf-8")).hexdigest()


class KnowledgeStore:
    """Queries and changes of the knowledge store within the caller's session."""

    def __init__(self, session: Session):
        self.session = session

    # --- topics -----------------------------------------------------------------------
    def topic(self, slug: str) -> Topic:
        topic = self.session.execute(select(Topic).where(Topic.slug == slug)).scalar_one_or_none()
        if topic is None:
            raise UnknownTopic(slug)
        return topic

    def topics(self, kind: Optional[str] = None) -> List[Topic]:
        query = select(Topic).order_by(Topic.kind, Topic.title)
        if kind:
            query = query.where(Topic.kind == kind)
        return list(self.session.execute(query).scalars())

    def resolve_topic(self, phrase: Optional[str]) -> Optional[str]:
        """The slug a patient's word refers to (slug, title or synonym), or None."""
        if not phrase:
            return None
        key = phrase_key(phrase)
        if not key:
            return None
        slug = self.session.execute(
            select(Topic.slug).join(TopicSynonym).where(TopicSynonym.phrase_key == key)
        ).scalar_one_or_none()
        if slug:
            return slug
        return self.session.execute(
            select(Topic.slug).where((Topic.slug == key.replace(" ", "-")) | (func.lower(Topic.title) == key))
        ).scalar_one_or_none()

    def vocabulary(self) -> List[Tuple[str, str]]:
        """Every (phrase, slug) pair the entity ruler should know, titles and slugs included.

        Category overviews are left out: they are reached by intent ("what causes it?"), and
        their titles ("Treatment options for ...") would otherwise tag ordinary questions.
        """
        pairs = {}
        for slug, title in self.session.execute(
            select(Topic.slug, Topic.title).where(Topic.slug.not_in(OVERVIEW_TOPICS))
        ):
            pairs[phrase_key(title.split(" (")[0])] = (title.split(" (")[0], slug)
            pairs[phrase_key(slug.replace("-", " "))] = (slug.replace("-", " "), slug)
        for phrase, slug in self.session.execute(
            select(TopicSynonym.phrase, Topic.slug).join(Topic).where(Topic.slug.not_in(OVERVIEW_TOPICS))
        ):
            pairs[phrase_key(phrase)] = (phrase, slug)
        return sorted(pairs.values(), key=lambda pair: (pair[1], pair[0].lower()))

    # --- answer texts -------------------------------------------------------------------
    def published_answer(self, slug: str, aspect: str) -> Optional[Answer]:
        """The newest published text for (topic, aspect), or None if there is none."""
        row = self.session.execute(
            select(AnswerText, Topic)
            .join(Topic)
            .where(Topic.slug == slug, AnswerText.aspect == aspect, AnswerText.status == "published")
            .order_by(AnswerText.version.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        text, topic = row
        return Answer(topic.slug, topic.title, topic.kind, text.aspect, text.version, text.body, text.author)

    def published_aspects(self, slug: str) -> List[str]:
        found = set(
            self.session.execute(
                select(AnswerText.aspect).join(Topic).where(Topic.slug == slug, AnswerText.status == "published")
            ).scalars()
        )
        return [aspect for aspect in ASPECTS if aspect in found]

    def versions(self, slug: str, aspect: str) -> List[AnswerText]:
        return list(
            self.session.execute(
                select(AnswerText).join(Topic)
                .where(Topic.slug == slug, AnswerText.aspect == aspect)
                .order_by(AnswerText.version)
            ).scalars()
        )

    def version(self, slug: str, aspect: str, number: int) -> AnswerText:
        """One stored version of (topic, aspect); UnknownVersion if there is no such version."""
        text = self.session.execute(
            select(AnswerText).join(Topic)
            .where(Topic.slug == slug, AnswerText.aspect == aspect, AnswerText.version == number)
        ).scalar_one_or_none()
        if text is None:
            raise UnknownVersion(f"{slug}/{aspect} v{number}")
        return text

    def latest(self, slug: str, aspect: str) -> Optional[AnswerText]:
        """The newest version of (topic, aspect), whatever its status, or None."""
        return self.session.execute(
            select(AnswerText).join(Topic)
            .where(Topic.slug == slug, AnswerText.aspect == aspect)
            .order_by(AnswerText.version.desc()).limit(1)
        ).scalar_one_or_none()

    def add_version(
        self,
        slug: str,
        aspect: str,
        body: str,
        *,
        author: str,
        status: str = "published",
        origin: str = "editor",
        approved_by: Optional[str] = None,
        sources: Iterable[str] = (),
        last_reviewed: Optional[date] = None,
        review_due: Optional[date] = None,
        comment: Optional[str] = None,
    ) -> AnswerText:
        """Store a new version; a published one is what the bot says from its next message on."""
        if aspect not in ASPECTS:
            raise UnknownAspect(aspect)
        body = body.strip()
        if not body:
            raise ValueError("an answer text cannot be empty")
        if not author or not author.strip():
            raise ValueError("every version needs an author")
        topic = self.topic(slug)
        previous = self.versions(slug, aspect)
        sources = list(sources) or (previous[-1].sources.splitlines() if previous else [])
        now = utcnow()
        text = AnswerText(
            topic=topic,
            aspect=aspect,
            version=(previous[-1].version + 1) if previous else 1,
            status=status,
            body=body,
            content_hash=content_hash(body),
            origin=origin,
            author=author.strip(),
            approved_by=approved_by,
            comment=comment,
            sources="\n".join(sources),
            last_reviewed=last_reviewed or (previous[-1].last_reviewed if previous else None),
            review_due=review_due or (previous[-1].review_due if previous else None),
            created_at=now,
            published_at=now if status == "published" else None,
        )
        self.session.add(text)
        self.session.flush()
        return text

    def publish(self, slug: str, aspect: str, body: str, *, author: str) -> AnswerText:
        """An operator's or editor's direct publication of a new text version."""
        return self.add_version(slug, aspect, body, author=author, status="published", origin="editor",
                                approved_by=author)

    def statuses(self) -> List[TextStatus]:
        """Every (topic, aspect) with its published and latest version, for the content list."""
        rows = []
        for topic in self.topics():
            by_aspect = {}
            for text in sorted(topic.texts, key=lambda t: t.version):
                by_aspect.setdefault(text.aspect, []).append(text)
            for aspect in ASPECTS:
                texts = by_aspect.get(aspect)
                if not texts:
                    continue
                latest = texts[-1]
                published = [t.version for t in texts if t.status == "published"]
                changed_at, changed_by = last_change(latest)
                rows.append(TextStatus(
                    topic.slug, topic.kind, topic.title, aspect, max(published) if published else None,
                    latest.version, latest.status, latest.author, changed_at, latest.review_due,
                    changed_by=changed_by, submitted_by=latest.submitted_by, latest_id=latest.id,
                ))
        return rows


def titles_for(store: KnowledgeStore, slugs: Sequence[str]) -> List[Tuple[str, str]]:
    """(slug, title) for each known slug, in the given order."""
    result = []
    for slug in slugs:
        try:
            result.append((slug, store.topic(slug).title))
        except UnknownTopic:
            continue
    return result
