"""Knowledge store: what the assistant knows and says, editable without retraining."""
from assistant.knowledge.store import Answer, KnowledgeStore, UnknownAspect, UnknownTopic

__all__ = ["Answer", "KnowledgeStore", "UnknownAspect", "UnknownTopic"]
