"""All tables, imported together so Alembic and the services see one metadata."""
from assistant.tables.base import Base, as_utc, utcnow
from assistant.tables.knowledge import TEXT_STATUSES, TOPIC_KINDS, AnswerText, Topic, TopicSynonym
from assistant.tables.safety import (
    ALERT_STATES, FLAG_STATUSES, AlertAttempt, AlertDelivery, EnrolmentCode, Flag, FlagNote, Patient, PatientSender,
)
from assistant.tables.diary import DiaryEntry, TreatmentEvent
from assistant.tables.staff import STAFF_ROLES, AuditEvent, StaffUser

__all__ = ["Base", "utcnow", "as_utc", "Topic", "TopicSynonym", "AnswerText", "TOPIC_KINDS", "TEXT_STATUSES",
           "Patient", "PatientSender", "EnrolmentCode", "Flag", "FlagNote", "FLAG_STATUSES",
           "AlertDelivery", "AlertAttempt", "ALERT_STATES", "DiaryEntry", "TreatmentEvent",
           "StaffUser", "AuditEvent", "STAFF_ROLES"]
