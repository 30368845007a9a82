"""Knowledge store tables: topics, their synonyms, and versioned answer texts."""
from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from assistant.tables.base import Base, utcnow

TOPIC_KINDS = ("condition", "symptom", "cause", "diagnostic", "therapy")
TEXT_STATUSES = ("draft", "in_review", "published")


class Topic(Base):
    __tablename__ = "topic"

    id = Column(Integer, primary_key=True)
    slug = Column(String(80), nullable=False, unique=True)
    kind = Column(String(20), nullable=False)
    title = Column(String(200), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)

    synonyms = relationship("TopicSynonym", back_populates="topic", cascade="all, delete-orphan")
    texts = relationship("AnswerText", back_populates="topic", cascade="all, delete-orphan")


class TopicSynonym(Base):
    """A word patients use for a topic; ``phrase_key`` is its normalised, unique lookup form."""

    __tablename__ = "topic_synonym"

    id = Column(Integer, primary_key=True)
    topic_id = Column(Integer, ForeignKey("topic.id", ondelete="CASCADE"), nullable=False, index=True)
    phrase = Column(String(200), nullable=False)
    phrase_key = Column(String(200), nullable=False, unique=True)
    origin = Column(String(20), nullable=False, default="seed")

    topic = relationship("Topic", back_populates="synonyms")


class AnswerText(Base):
    """One version of the text for a (topic, aspect). The bot reads the newest published one."""

    __tablename__ = "answer_text"
    __table_args__ = (UniqueConstraint("topic_id", "aspect", "version"),)

    id = Column(Integer, primary_key=True)
    topic_id = Column(Integer, ForeignKey("topic.id", ondelete="CASCADE"), nullable=False, index=True)
    aspect = Column(String(40), nullable=False)
    version = Column(Integer, nullable=False)
    status = Column(String(20), nullable=False)
    body = Column(Text, nullable=False)
    content_hash = Column(String(64), nullable=False)
    origin = Column(String(20), nullable=False)  # "seed" (loaded from content/) or "editor"
    author = Column(String(120), nullable=False)
    approved_by = Column(String(120))
    comment = Column(Text)
    sources = Column(Text, nullable=False, default="")  # one source per line
    last_reviewed = Column(Date)
    review_due = Column(Date)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    published_at = Column(DateTime(timezone=True))
    submitted_by = Column(String(120))     # who sent it for review
    submitted_at = Column(DateTime(timezone=True))
    reviewed_by = Column(String(120))      # who approved it or sent it back
    reviewed_at = Column(DateTime(timezone=True))
    rolled_back_from = Column(Integer)     # the version a rollback copied

    topic = relationship("Topic", back_populates="texts")
