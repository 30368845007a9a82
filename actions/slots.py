"""Slot and entity names shared by the actions; each is declared in domain.yml."""

TOPIC_SLOT = "topic"
TOPIC_ENTITY = "topic"
