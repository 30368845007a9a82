"""The safety net's reading of patient language: a truth table of worked examples
(shared/clinical/reference.md, section 2.3, and the issue's own examples)."""
from __future__ import annotations

import pytest

from assistant.safety.scanner import scanner_for


def top(text):
    result = scanner_for().scan(text)
    flag = result.top
    return (flag.level, flag.category, flag.status) if flag else None


@pytest.mark.parametrize("text, expected", [
    ("I wet myself this morning and didn't feel it", ("emergency", "cauda_equina", "affirmed")),
    ("I can't feel when I wipe", ("emergency", "cauda_equina", "affirmed")),
    ("no feeling down there", ("emergency", "cauda_equina", "affirmed")),
    ("no control over my bladder", ("emergency", "cauda_equina", "affirmed")),
    ("no numbness and I wet myself", ("emergency", "cauda_equina", "affirmed")),
    ("no numbness but I peed myself this morning", ("emergency", "cauda_equina", "affirmed")),
    ("now it's going down both legs", ("emergency", "cauda_equina", "affirmed")),
    ("no longer just one leg", ("emergency", "cauda_equina", "affirmed")),
    ("never had this before, my foot keeps slapping the floor", ("emergency", "progressive_weakness", "affirmed")),
    ("i think maybe it's a bit numb when i wipe?", ("emergency", "cauda_equina", "possible")),
    ("I'm worried I might be getting numb down there", ("emergency", "cauda_equina", "possible")),
    ("I had cancer 10 years ago and now new back pain", ("urgent", "cancer", "affirmed")),
    ("the battery site is red and hot", ("urgent", "infection", "affirmed")),
    ("gabapentin makes me so dizzy", ("review", "side_effects", "affirmed")),
])
def test_red_flags_are_caught(text, expected):
    assert top(text) == expected


@pytest.mark.parametrize("text, status", [
    ("no bladder problems", "negated"),
    ("no numbness down there", "negated"),
    ("my foot isn't dragging", None),
    ("what if I lose bladder control?", "hypothetical"),
    ("should I worry about numbness in my groin?", "hypothetical"),
    ("my mum had cancer", "other_person"),
    ("my dad has a fever", "other_person"),
    ("I had bladder problems after my op in 2019 but they settled", "historical"),
    ("my foot used to drag before surgery, it's fine now", "historical"),
    ("the pain is killing me but same as usual", None),
    ("i fell asleep on the sofa", None),
])
def test_negated_hypothetical_other_and_past_are_not_flags(text, status):
    result = scanner_for().scan(text)
    assert result.top is None
    assert [f.status for f in result.findings][:1] == ([status] if status else [])


def test_a_question_about_warning_signs_is_recognised_as_one():
    assert scanner_for().scan("what happens if I lose bladder control?").warning_sign_question
    assert not scanner_for().scan("I can't pee").warning_sign_question


def test_evidence_is_the_patients_own_words():
    (flag,) = scanner_for().scan("my back is sore today. Also I can't feel when I wipe!").flags
    assert flag.evidence == "I can't feel when I wipe"
    assert (flag.rule_id, flag.rule_version) == ("CE-SADDLE", scanner_for().rules.rule("CE-SADDLE").version)


@pytest.mark.parametrize("text", ["", "   ", None, "🙂", "x" * 100_000, "<script>alert(1)</script>",
                                  "'; DROP TABLE flag; --", "\x00\x01 binary"])
def test_odd_input_is_scanned_without_error(text):
    assert scanner_for().scan(text).flags == []
