"""The rule file is validated: a malformed one stops start-up with a clear message."""
from __future__ import annotations

import copy

import pytest
import yaml

from assistant.safety.rules import RULES_PATH, RuleFileError, compile_pattern, expand_pattern, load_rules, parse_rules


@pytest.fixture(scope="module")
def data():
    rules = yaml.safe_load(RULES_PATH.read_text())
    answers = yaml.safe_load((RULES_PATH.parent / "diary_answer_rules.yml").read_text())
    return dict(rules, diary_answer_rules=answers["diary_answer_rules"])


def test_the_shipped_rule_file_is_valid_and_complete(data):
    rules = load_rules()
    assert rules.file_version == data["file_version"]
    categories = {(r.level, r.category) for r in rules.rules}
    assert {("emergency", "cauda_equina"), ("emergency", "progressive_weakness"), ("emergency", "cord_compression"),
            ("urgent", "infection"), ("urgent", "cancer"), ("urgent", "csf_leak"), ("urgent", "trauma"),
            ("urgent", "device"), ("review", "new_numbness"), ("review", "side_effects")} <= categories
    assert all(r.version >= 1 and r.title for r in rules.rules)
    assert {r.category for r in rules.diary_rules} == {"pain_trend"}
    assert {r.field for r in rules.diary_answer_rules} == {"bladder_bowel", "saddle", "weakness", "fever",
                                                           "numbness", "side_effects"}


def mutate(data, change):
    broken = copy.deepcopy(data)
    change(broken)
    return broken


@pytest.mark.parametrize("change, message", [
    (lambda d: d["rules"][0].pop("level"), "rule CE-BLADDER: 'level' is missing"),
    (lambda d: d["rules"][0].update(level="soon"), "level 'soon' is not one of"),
    (lambda d: d["rules"][1].update(id="CE-BLADDER"), "rule CE-BLADDER: id CE-BLADDER used twice"),
    (lambda d: d["rules"][0].update(id="bladder"), "id must look like"),
    (lambda d: d["rules"][0].update(version="one"), "'version' is missing or not a int"),
    (lambda d: d["rules"][0]["patterns"].append("wet ~myself"), "cannot read '~myself'"),
    (lambda d: d["rules"][0]["patterns"].append("?wet"), "has no required word"),
    (lambda d: d["rules"][0].update(patterns=[]), "'patterns' is missing"),
    (lambda d: d["rules"][0].update(colour="red"), "unknown key(s) colour"),
    (lambda d: d["levels"].pop("urgent"), "level 'urgent' is not described"),
    (lambda d: d.pop("file_version"), "'file_version' is missing"),
    (lambda d: d["diary_rules"][0].pop("at_least", None) or d["diary_rules"][0].pop("baseline_days"),
     "needs 'at_least' or 'points_above_baseline'"),
    (lambda d: d["diary_answer_rules"][0].update(field="mood"), "field 'mood' is not a diary field"),
    (lambda d: d["diary_answer_rules"][1].update(id="DA-BLADDER-BOWEL"), "id DA-BLADDER-BOWEL used twice"),
])
def test_malformed_rules_are_refused_with_a_message_naming_the_problem(data, change, message):
    with pytest.raises(RuleFileError) as error:
        parse_rules(mutate(data, change), "rules.yml")
    assert message in str(error.value)


def test_an_unreadable_file_is_refused(tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text("rules: [unclosed", encoding="utf-8")
    with pytest.raises(RuleFileError, match="cannot be read as YAML"):
        load_rules(path)


def test_multi_word_choices_expand_into_separate_patterns():
    assert expand_pattern("buzzing .. moved|wrong_place") == ["buzzing .. moved", "buzzing .. wrong place"]
    assert len(compile_pattern("numb* .. down_there|down_below|groin")) == 3
