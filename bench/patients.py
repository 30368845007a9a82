"""What a simulated patient says in bench/load.py, and what the answers must lead to.

One conversation: two questions, a whole diary entry (the answer sequence of
tests/e2e/test_rest_diary.py, with varied scores), "save", then a follow-up question. A known share
of conversations raises a flag (diary_answer_rules.yml):

- kind 1 and 5 of every 10: a medicine side effect        -> DA-SIDE-EFFECTS (review), entry saved
- kind 2 of every 10:       numbness in a new place        -> DA-NUMBNESS-NEW (review), entry saved
- kind 7 of every 10:       "yes" to bladder/bowel change  -> DA-BLADDER-BOWEL (emergency), nothing saved

Leg pain stays within one point of the patient's own level (2 to 7), so the trend rules of rules.yml
(8/10 twice running, 2 points above the patient's baseline) never fire: every flag the run should
store comes from the list above, and is counted by the generator as it is raised.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import List, Optional, Tuple

from bench import starter_bot

QUESTIONS = (("what is spinal cord stimulation?", "what are the risks?"),
             ("tell me about nerve root blocks", "how long does it last?"),
             ("what are my treatment options", "what is pregabalin?"),
             ("what is radiculopathy?", "what causes it?"))
FOLLOW_UPS = ("show my diary", "what is an MRI", "how long does it take to recover?", "thanks")
MEDICINES = ("gabapentin and paracetamol", "pregabalin 75 mg twice a day", "none", "ibuprofen")
SLEEP = ("woken by pain", "slept well", "so-so", "woken by pain")
NOTES = ("nothing", "walked to the shop", "skip", "did my exercises")
NUMBNESS = ("as usual", "none", "the same as usual")
NEW_NUMBNESS = "in a new place, my foot"        # DA-NUMBNESS-NEW
SIDE_EFFECT = "a bit drowsy in the mornings"    # DA-SIDE-EFFECTS
START_DIARY = "I want to log my symptoms"

# Checkpoints: words of the bot's replies (as tests/e2e/test_rest_diary.py checks them).
DIARY_STARTED = "leg (or arm)"
SAVED = "Saved"
EMERGENCY = "This is an emergency."


@dataclass(frozen=True)
class Step:
    text: str
    expect: Optional[str] = None   # the reply must contain this, or the conversation is out of step
    saves_entry: bool = False      # a diary entry is stored when the reply is as expected
    flags: int = 0                 # flags stored when the reply is as expected
    label: str = "question"        # what kind of turn, for the latency breakdown by turn


def kind(patient: int, round_: int) -> int:
    return (patient + round_) % 10


def patient_script(patient: int, round_: int) -> List[Step]:
    """The ``round_``-th conversation of simulated patient number ``patient`` (deterministic)."""
    rng = random.Random(patient * 7919 + round_)
    k = kind(patient, round_)
    leg = 2 + patient % 5 + rng.randint(0, 1)
    back = rng.randint(1, 6)
    first, second = QUESTIONS[(patient + round_) % len(QUESTIONS)]
    numbness = NEW_NUMBNESS if k == 2 else rng.choice(NUMBNESS)
    answer = "diary answer"
    steps = [Step(first), Step(second), Step(START_DIARY, expect=DIARY_STARTED, label="diary start"),
             Step(str(leg), label=answer), Step(f"about a {back}", label=answer), Step(numbness, label=answer),
             Step("none", label=answer)]
    if k == 7:  # "yes" to: any change in bladder or bowel control?
        steps.append(Step("yes", expect=EMERGENCY, flags=1, label="emergency answer"))
    else:
        side_effects = SIDE_EFFECT if k in (1, 5) else "none"
        flagged = int(k in (1, 2, 5))
        steps += [Step(text, label=answer) for text in ("no", "no", "no", rng.choice(MEDICINES), side_effects,
                                                        rng.choice(SLEEP))]
        steps += [Step(rng.choice(NOTES), expect=f"leg pain {leg}/10, back pain {back}/10", label="diary summary"),
                  Step("save", expect=SAVED, saves_entry=True, flags=flagged, label="diary save")]
    steps.append(Step(rng.choice(FOLLOW_UPS), label="follow-up"))
    return steps


def starter_script(patient: int, round_: int) -> List[Step]:
    """As many messages as a patient's diary conversation, in words the starter bot knows."""
    length = len(patient_script(patient, round_))
    start = (patient * 3 + round_) % len(starter_bot.TEXTS)
    return [Step(starter_bot.TEXTS[(start + i) % len(starter_bot.TEXTS)], label="starter text") for i in range(length)]


def free_texts() -> Tuple[str, ...]:
    """Every free text the patients send, for the check that none of them is itself a red flag."""
    texts = {t for pair in QUESTIONS for t in pair} | set(FOLLOW_UPS) | set(MEDICINES) | set(SLEEP) | set(NOTES)
    return tuple(sorted(texts | set(NUMBNESS) | {NEW_NUMBNESS, SIDE_EFFECT, START_DIARY}))
