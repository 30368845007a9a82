"""Load, validate and compile the red-flag rule file (``assistant/safety/rules.yml``).

A malformed file raises ``RuleFileError`` naming the rule and the problem, so start-up stops
with a clear message; a rule is never silently skipped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

RULES_PATH = Path(__file__).resolve().parent / "rules.yml"
DIARY_ANSWER_RULES_NAME = "diary_answer_rules.yml"  # read from beside the rule file
LEVELS = ("emergency", "urgent", "review")
LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}
SHORT_GAP, LONG_GAP = 3, 6
# Words a gap in a pattern may not cross: they start a new clause in chat text.
CLAUSE_BREAK_WORDS = frozenset({
    "and", "but", "so", "then", "also", "plus", "though", "although", "however", "except", "yet",
    "because", "cos", "whereas", "while",
})
_ID = re.compile(r"^[A-Z]{2,4}(-[A-Z0-9]+)+$")
_TOKEN = re.compile(r"^\??[a-z0-9'*_-]+(\|[a-z0-9'*_-]+)*$")


class RuleFileError(ValueError):
    """The rule file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Rule:
    id: str
    version: int
    level: str
    category: str
    title: str
    patterns: Tuple[str, ...]
    history_counts: bool = False
    requires_any: Tuple[str, ...] = ()  # at least one of these words must be in the message


@dataclass(frozen=True)
class DiaryRule:
    id: str
    version: int
    level: str
    category: str
    title: str
    score: str
    consecutive_entries: int
    points_above_baseline: Optional[float] = None
    baseline_days: Optional[int] = None
    at_least: Optional[float] = None


@dataclass(frozen=True)
class DiaryAnswerRule:
    """A diary screening answer that raises a flag ("any change in bladder control?" -> "yes")."""

    id: str
    version: int
    level: str
    category: str
    title: str
    field: str
    answers: Tuple[str, ...]


DIARY_FIELDS = ("leg_pain", "back_pain", "numbness", "weakness", "bladder_bowel", "saddle", "fever", "medicines",
                "side_effects", "sleep", "notes")


@dataclass
class RuleSet:
    file_version: int
    rules: List[Rule]
    diary_rules: List[DiaryRule]
    advice_responses: Dict[str, str] = field(default_factory=dict)
    diary_answer_rules: List[DiaryAnswerRule] = field(default_factory=list)

    def rule(self, rule_id: str) -> Rule:
        return next(rule for rule in self.rules if rule.id == rule_id)


def _token_spec(word: str) -> dict:
    optional = word.startswith("?")
    alternatives = word.lstrip("?").split("|")
    if any(a.endswith("*") for a in alternatives):
        regex = "^(?:" + "|".join(re.escape(a[:-1]) + ".*" if a.endswith("*") else re.escape(a)
                                  for a in alternatives) + ")$"
        spec = {"NORM": {"REGEX": regex}}
    else:  # plain words: set membership, far cheaper for the Matcher than a regular expression
        spec = {"NORM": {"IN": alternatives}} if len(alternatives) > 1 else {"NORM": alternatives[0]}
    if optional:
        spec["OP"] = "?"
    return spec


# A gap may not cross a clause break, nor a negation (in "my foot is not dragging" the "not" must
# stay outside the matched words, where the context step sees it).
GAP_EXCLUDED = sorted(CLAUSE_BREAK_WORDS | {"no", "not", "never", "without"})


def _gap(size: int) -> List[dict]:
    return [{"NORM": {"NOT_IN": GAP_EXCLUDED}, "IS_PUNCT": False, "OP": "?"}] * size


def expand_pattern(pattern: str) -> List[str]:
    """Multi-word alternatives ("moved|wrong_place") become one pattern per choice of words."""
    variants = [[]]
    for word in pattern.split():
        optional = word.startswith("?")
        alternatives = word.lstrip("?").split("|")
        multi = [a for a in alternatives if "_" in a]
        if not multi:
            variants = [v + [word] for v in variants]
            continue
        single = [a for a in alternatives if "_" not in a]
        choices = ([("?" if optional else "") + "|".join(single)] if single else [])
        choices += [" ".join(m.split("_")) for m in multi]
        if optional:
            choices.append("")
        variants = [v + [c] for v in variants for c in choices]
    return [" ".join(w for w in v if w) for v in variants]


def compile_pattern(pattern: str) -> List[List[dict]]:
    """The spaCy Matcher patterns for one rule pattern (syntax in the header of rules.yml)."""
    return [_compile_single(variant) for variant in expand_pattern(pattern)]


def _compile_single(pattern: str) -> List[dict]:
    tokens: List[dict] = []
    for word in pattern.split():
        if word == "..":
            tokens += _gap(SHORT_GAP)
        elif word == "...":
            tokens += _gap(LONG_GAP)
        elif _TOKEN.match(word):
            tokens.append(_token_spec(word))
        else:
            raise RuleFileError(f"pattern '{pattern}': cannot read '{word}'")
    if not any("OP" not in t for t in tokens):
        raise RuleFileError(f"pattern '{pattern}' has no required word")
    if "OP" in tokens[0] or "OP" in tokens[-1]:
        raise RuleFileError(f"pattern '{pattern}' must start and end with a required word")
    return tokens


def _require(entry: dict, key: str, kind, where: str):
    value = entry.get(key)
    if not isinstance(value, kind) or value in ("", [], None):
        raise RuleFileError(f"{where}: '{key}' is missing or not a {getattr(kind, '__name__', kind)}")
    return value


def _rule_header(entry, kind: str, index: int, seen: set) -> Tuple[str, str, str]:
    """The checks every kind of rule shares: a mapping, a well-formed id used once in the whole
    file, and a known level. Returns (id, level, and the rule's name for later messages)."""
    where = f"{kind} #{index + 1}"
    if not isinstance(entry, dict):
        raise RuleFileError(f"{where}: not a mapping")
    rule_id = _require(entry, "id", str, where)
    where = f"{kind} {rule_id}"
    if not _ID.match(rule_id):
        raise RuleFileError(f"{where}: id must look like 'CE-BLADDER'")
    if rule_id in seen:
        raise RuleFileError(f"{where}: id {rule_id} used twice")
    seen.add(rule_id)
    level = _require(entry, "level", str, where)
    if level not in LEVELS:
        raise RuleFileError(f"{where}: level '{level}' is not one of {', '.join(LEVELS)}")
    return rule_id, level, where


def parse_rules(data: dict, source: str = "rules") -> RuleSet:
    if not isinstance(data, dict):
        raise RuleFileError(f"{source}: not a YAML mapping")
    file_version = _require(data, "file_version", int, source)
    levels = _require(data, "levels", dict, source)
    advice = {}
    for level in LEVELS:
        if level not in levels or not isinstance(levels[level], dict):
            raise RuleFileError(f"{source}: level '{level}' is not described under 'levels'")
        advice[level] = _require(levels[level], "advice_response", str, f"{source}: level {level}")
    rules, seen = [], set()
    for index, entry in enumerate(_require(data, "rules", list, source)):
        rule_id, level, where = _rule_header(entry, f"{source}: rule", index, seen)
        patterns = tuple(_require(entry, "patterns", list, where))
        for pattern in patterns:
            if not isinstance(pattern, str):
                raise RuleFileError(f"{where}: pattern {pattern!r} is not text")
            try:
                compile_pattern(pattern)
            except RuleFileError as error:
                raise RuleFileError(f"{where}: {error}") from None
        requires_any = entry.get("requires_any") or []
        if not isinstance(requires_any, list) or not all(isinstance(w, str) for w in requires_any):
            raise RuleFileError(f"{where}: 'requires_any' must be a list of words")
        unknown = set(entry) - {"id", "version", "level", "category", "title", "patterns", "history_counts",
                                "requires_any"}
        if unknown:
            raise RuleFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        rules.append(Rule(rule_id, _require(entry, "version", int, where), level,
                          _require(entry, "category", str, where), _require(entry, "title", str, where),
                          patterns, bool(entry.get("history_counts", False)), tuple(requires_any)))
    diary_rules = []
    for index, entry in enumerate(data.get("diary_rules") or []):
        rule_id, level, where = _rule_header(entry, f"{source}: diary rule", index, seen)
        rule = DiaryRule(rule_id, _require(entry, "version", int, where), level,
                         _require(entry, "category", str, where), _require(entry, "title", str, where),
                         _require(entry, "score", str, where), _require(entry, "consecutive_entries", int, where),
                         entry.get("points_above_baseline"), entry.get("baseline_days"), entry.get("at_least"))
        if rule.at_least is None and (rule.points_above_baseline is None or rule.baseline_days is None):
            raise RuleFileError(f"{where}: needs 'at_least' or 'points_above_baseline' with 'baseline_days'")
        diary_rules.append(rule)
    answer_rules = []
    for index, entry in enumerate(data.get("diary_answer_rules") or []):
        rule_id, level, where = _rule_header(entry, f"{source}: diary answer rule", index, seen)
        field_name = _require(entry, "field", str, where)
        if field_name not in DIARY_FIELDS:
            raise RuleFileError(f"{where}: field '{field_name}' is not a diary field")
        answers = _require(entry, "answers", list, where)
        answer_rules.append(DiaryAnswerRule(rule_id, _require(entry, "version", int, where), level,
                                            _require(entry, "category", str, where),
                                            _require(entry, "title", str, where), field_name,
                                            tuple(str(a) for a in answers)))
    return RuleSet(file_version, rules, diary_rules, advice, answer_rules)


def _read_yaml(path: Path):
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise RuleFileError(f"{path}: cannot be read as YAML: {error}") from None


def load_rules(path: Path = RULES_PATH) -> RuleSet:
    """The message rules, plus the diary answer rules from the file beside them (if any)."""
    data = _read_yaml(path)
    answers_path = Path(path).parent / DIARY_ANSWER_RULES_NAME
    if isinstance(data, dict) and answers_path.exists():
        answer_data = _read_yaml(answers_path)
        if not isinstance(answer_data, dict) or "diary_answer_rules" not in answer_data:
            raise RuleFileError(f"{answers_path}: needs a 'diary_answer_rules' list")
        if data.get("diary_answer_rules"):
            raise RuleFileError(f"{path}: diary answer rules belong in {DIARY_ANSWER_RULES_NAME}")
        data = dict(data, diary_answer_rules=answer_data["diary_answer_rules"])
    return parse_rules(data, str(path))
