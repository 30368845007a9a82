"""The safety net on the labelled patient messages in tests/data/safety_messages.yml."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import yaml

from assistant.safety.scanner import scanner_for

MESSAGES = yaml.safe_load((Path(__file__).resolve().parents[1] / "data" / "safety_messages.yml").read_text())
LEVELS = ("emergency", "urgent", "review", "none")


def predicted_level(text):
    flag = scanner_for().scan(text).top
    return flag.level if flag else "none"


def test_labelled_set_is_large_and_covers_every_category():
    assert len(MESSAGES) >= 150
    per_category = Counter((m["level"], m["category"]) for m in MESSAGES)
    assert all(count >= 5 for (level, _), count in per_category.items() if level != "none")
    assert sum(1 for m in MESSAGES if m["level"] == "none") >= 90


def test_sensitivity_and_specificity_meet_the_safety_bounds():
    confusion = Counter((m["level"], predicted_level(m["text"])) for m in MESSAGES)
    print("\nexpected \\ predicted " + " ".join(f"{level:>9}" for level in LEVELS))
    for expected in LEVELS:
        print(f"{expected:20} " + " ".join(f"{confusion[(expected, got)]:>9}" for got in LEVELS))
    missed_emergencies = [m["text"] for m in MESSAGES
                          if m["level"] == "emergency" and predicted_level(m["text"]) != "emergency"]
    assert missed_emergencies == []
    urgent = [m for m in MESSAGES if m["level"] == "urgent"]
    caught = sum(1 for m in urgent if predicted_level(m["text"]) in ("emergency", "urgent"))
    assert caught / len(urgent) >= 0.95
    negatives = [m for m in MESSAGES if m["level"] == "none"]
    left_alone = sum(1 for m in negatives if predicted_level(m["text"]) == "none")
    assert left_alone / len(negatives) >= 0.95
