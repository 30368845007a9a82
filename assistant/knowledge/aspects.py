"""Aspect slugs and which aspects each kind of topic must have.

Scripts, tests and the portal rely on these slugs; changing one is a migration of content.
"""
from __future__ import annotations

OVERVIEW = "overview"
HOW_IT_WORKS = "how-it-works"
SUITABILITY = "suitability"
RISKS = "risks"
WHAT_TO_EXPECT = "what-to-expect"

ASPECTS = (OVERVIEW, HOW_IT_WORKS, SUITABILITY, RISKS, WHAT_TO_EXPECT)

REQUIRED_ASPECTS = {
    "therapy": ASPECTS,
    "diagnostic": (OVERVIEW, HOW_IT_WORKS, RISKS, WHAT_TO_EXPECT),
    "condition": (OVERVIEW, WHAT_TO_EXPECT),
    "symptom": (OVERVIEW, WHAT_TO_EXPECT),
    "cause": (OVERVIEW, WHAT_TO_EXPECT),
}

# Overview topics answer a whole category ("what causes it?"), so they do not replace the
# topic a conversation is about.
OVERVIEW_TOPICS = ("symptoms-overview", "causes-overview", "diagnosis-overview", "treatment-options")
CONDITION_TOPIC = "refractory-radiculopathy"


def required_aspects(kind: str) -> tuple:
    return REQUIRED_ASPECTS[kind]
