"""Slot and entity names shared by the actions; each is declared in domain.yml."""

TOPIC_SLOT = "topic"
TOPIC_ENTITY = "topic"

# The diary form's slots (domain.yml, forms: diary_form), cleared whenever the diary ends.
DIARY_FIELDS = ("leg_pain", "back_pain", "numbness", "weakness", "bladder_bowel", "saddle", "fever", "medicines",
                "side_effects", "sleep", "notes")
DIARY_SLOTS = tuple(f"diary_{field}" for field in DIARY_FIELDS) + ("diary_confirm",)
