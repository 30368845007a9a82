"""Scan a patient's message for red flags: spaCy Matcher rules from rules.yml, then context.

Deterministic and fast (a blank English tokenizer and a Matcher; no learned model), so it can
run on every message, in the NLU pipeline and in the diary, and be reviewed line by line.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional

import spacy
from spacy.matcher import Matcher

from assistant.safety.context import AFFIRMED, POSSIBLE, Assertion, assess, clause_start
from assistant.safety.rules import LEVEL_RANK, RULES_PATH, RuleSet, compile_pattern, load_rules

MAX_CHARACTERS = 5000
EVIDENCE_CHARACTERS = 160


@dataclass(frozen=True)
class Finding:
    rule_id: str
    rule_version: int
    level: str
    category: str
    title: str
    evidence: str       # the patient's own words: the clause the finding was in
    status: str         # affirmed | possible | negated | hypothetical | other_person | historical
    trigger: str = ""   # the context word that decided the status, if any

    @property
    def raises_flag(self) -> bool:
        return self.status in (AFFIRMED, POSSIBLE)

    def as_dict(self) -> Dict[str, object]:
        return {"rule_id": self.rule_id, "rule_version": self.rule_version, "level": self.level,
                "category": self.category, "title": self.title, "evidence": self.evidence,
                "status": self.status, "trigger": self.trigger}


@dataclass
class ScanResult:
    findings: List[Finding]

    @property
    def flags(self) -> List[Finding]:
        """Findings that raise a flag, most serious first."""
        return sorted((f for f in self.findings if f.raises_flag), key=lambda f: LEVEL_RANK[f.level])

    @property
    def top(self) -> Optional[Finding]:
        flags = self.flags
        return flags[0] if flags else None

    @property
    def warning_sign_question(self) -> bool:
        """The patient asked about a red flag ("what if I lose bladder control?")."""
        return not self.flags and any(f.status == "hypothetical" and f.level == "emergency" for f in self.findings)


class SafetyScanner:
    def __init__(self, rules: RuleSet):
        self.rules = rules
        self.nlp = spacy.blank("en")
        self.matcher = Matcher(self.nlp.vocab)
        for rule in rules.rules:
            self.matcher.add(rule.id, [variant for p in rule.patterns for variant in compile_pattern(p)])

    def scan(self, text: Optional[str]) -> ScanResult:
        if not text or not text.strip():
            return ScanResult([])
        doc = self.nlp(text[:MAX_CHARACTERS])
        norms = [token.norm_ for token in doc]
        is_punct = [token.is_punct or "\n" in token.text for token in doc]
        words = set(norms)
        best: Dict[str, Finding] = {}
        for match_id, start, end in sorted(self.matcher(doc), key=lambda m: (m[1], m[2] - m[1])):
            rule = self.rules.rule(self.nlp.vocab.strings[match_id])
            if rule.requires_any and not words & set(rule.requires_any):
                continue
            assertion: Assertion = assess(norms, is_punct, start, end, history_counts=rule.history_counts,
                                          question="?" in text)
            finding = Finding(rule.id, rule.version, rule.level, rule.category, rule.title,
                              self._evidence(doc, norms, is_punct, start, end), assertion.status, assertion.trigger)
            previous = best.get(rule.id)
            if previous is None or _stronger(finding, previous):
                best[rule.id] = finding
        return ScanResult(list(best.values()))

    @staticmethod
    def _evidence(doc, norms, is_punct, start: int, end: int) -> str:
        """The whole clause around the match, so a reviewer sees the words in context."""
        first = clause_start(norms, is_punct, start)
        last = end
        while last < len(doc) and not is_punct[last] and last - end < 8:
            last += 1
        return doc[first:last].text[:EVIDENCE_CHARACTERS]


def _stronger(new: Finding, old: Finding) -> bool:
    order = {AFFIRMED: 0, POSSIBLE: 1}
    return order.get(new.status, 2) < order.get(old.status, 2)


@lru_cache(maxsize=4)
def scanner_for(path: Path = RULES_PATH) -> SafetyScanner:
    """One scanner per rule file and process (building the Matcher takes a few milliseconds)."""
    return SafetyScanner(load_rules(path))
