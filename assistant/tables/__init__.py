"""All tables, imported together so Alembic and the services see one metadata."""
from assistant.tables.base import Base, utcnow
from assistant.tables.knowledge import TEXT_STATUSES, TOPIC_KINDS, AnswerText, Topic, TopicSynonym
from assistant.tables.safety import FLAG_STATUSES, Flag, Patient
from assistant.tables.diary import DiaryEntry, TreatmentEvent

__all__ = ["Base", "utcnow", "Topic", "TopicSynonym", "AnswerText", "TOPIC_KINDS", "TEXT_STATUSES",
           "Patient", "Flag", "FLAG_STATUSES", "DiaryEntry", "TreatmentEvent"]
