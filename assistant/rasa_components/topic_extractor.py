"""Rasa NLU component: topic entities whose value is the knowledge store's slug.

Rasa's own SpacyEntityExtractor reports the words matched ("siatica", "Lyrica"); our spaCy
pipeline already knows which topic each match belongs to (the entity ruler's and the fuzzy
matcher's id, built from the store's titles and synonyms), so this component reports that
slug. This is the synonym mapping: patient word -> slug, with no separate synonym list to keep
in step.
"""
from __future__ import annotations

from typing import List, Type

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from assistant.rasa_components.base import StatelessComponent

TOPIC_ENTITY = "topic"
MAX_CHARACTERS = 5000  # the rest of a very long message adds no topic worth the time


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False, model_from="SpacyNLP"
)
class TopicEntityExtractor(StatelessComponent, EntityExtractorMixin):
    @classmethod
    def required_components(cls) -> List[Type]:
        return [SpacyNLP]

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            doc = model.model(text[:MAX_CHARACTERS])
            found = [
                {"entity": TOPIC_ENTITY, "value": ent.ent_id_, "start": ent.start_char, "end": ent.end_char,
                 "confidence": None}
                for ent in doc.ents if ent.label_ == TOPIC_ENTITY and ent.ent_id_
            ]
            message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(found), add_to_output=True)
        return messages
