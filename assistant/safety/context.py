"""Assertion of a matched finding in its context, in the spirit of NegEx/ConText, tuned for chat.

Patient chat differs from clinical notes: red flags are often said *with* a negation word ("I
can't feel when I wipe", "no feeling down there"), there are no full stops ("no numbness and I
wet myself"), and other people are "my mum", not "family". So:

- only words *before* the matched words can negate them (a negation inside belongs to the finding);
- scope ends at punctuation and at chat conjunctions (and, but, so, then ...), and reaches at
  most ``NEGATION_WINDOW`` words back;
- a few pseudo-negations do not negate ("never had this before" says it is new);
- experiencer: kin words and third-person pronouns mark someone else, unless the patient speaks
  of themselves ("I", "me") between that word and the finding;
- hypothetical: "if", "in case", "signs of", "should I worry" ... make it a question, not a report;
- historical: "used to", or a past finding followed by "settled", "went away", "fine now";
- uncertain: "maybe", "not sure", "I think", "worried I might" make it *possible*, which the
  dialogue treats as positive until one clarifying question says otherwise.

The word lists are clinical rules too: they live in the reviewed, versioned ``context.yml`` beside
``rules.yml``, and a malformed file stops start-up.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence

import yaml

from assistant.safety.rules import CLAUSE_BREAK_WORDS

AFFIRMED, POSSIBLE = "affirmed", "possible"
NEGATED, HYPOTHETICAL, OTHER_PERSON, HISTORICAL = "negated", "hypothetical", "other_person", "historical"

CONTEXT_PATH = Path(__file__).with_name("context.yml")
WORD_LISTS = ("negations", "uncertain", "hypothetical", "question_after", "question_general", "question_starts",
              "explained", "other_people", "self", "resolved", "past_markers")
PAIR_LISTS = ("pseudo_negation_pairs", "uncertain_pairs", "hypothetical_pairs", "resolved_pairs", "past_pairs")


class ContextFileError(ValueError):
    """The context word file is malformed; start-up stops with this message."""


def load_context_words(path: Path = CONTEXT_PATH) -> Dict[str, object]:
    """The reviewed word lists (assistant/safety/context.yml), validated: every list present, every
    entry a lower-case word (or, for pair lists, two words)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ContextFileError(f"{path.name}: cannot be read ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("version"), int):
        raise ContextFileError(f"{path.name}: needs an integer 'version'")
    lists = data.get("lists")
    if not isinstance(lists, dict) or set(lists) != set(WORD_LISTS + PAIR_LISTS):
        missing = sorted(set(WORD_LISTS + PAIR_LISTS) - set(lists or {}))
        extra = sorted(set(lists or {}) - set(WORD_LISTS + PAIR_LISTS))
        raise ContextFileError(f"{path.name}: lists missing {missing} or unknown {extra}")
    words: Dict[str, object] = {"version": data["version"]}
    for name in WORD_LISTS + PAIR_LISTS:
        entries = lists[name]
        size = 2 if name in PAIR_LISTS else 1
        if not isinstance(entries, list) or not all(
                isinstance(e, str) and e == e.lower() and len(e.split()) == size for e in entries):
            raise ContextFileError(f"{path.name}: '{name}' must be a list of lower-case "
                                   f"{'two-word phrases' if size == 2 else 'single words'}")
        words[name] = frozenset(tuple(e.split()) if size == 2 else e for e in entries)
    window, past_only = data.get("negation_window"), str(data.get("past_only", "")).split()
    if not isinstance(window, int) or not 1 <= window <= 20 or len(past_only) != 2:
        raise ContextFileError(f"{path.name}: needs 'negation_window' (1-20) and a two-word 'past_only'")
    words["negation_window"], words["past_only"] = window, tuple(past_only)
    return words


_WORDS = load_context_words()
CONTEXT_VERSION = _WORDS["version"]
NEGATION_WINDOW = _WORDS["negation_window"]
NEGATIONS = _WORDS["negations"]
PSEUDO_NEGATION_PAIRS = _WORDS["pseudo_negation_pairs"]
UNCERTAIN = _WORDS["uncertain"]
UNCERTAIN_PAIRS = _WORDS["uncertain_pairs"]
HYPOTHETICAL_WORDS = _WORDS["hypothetical"]
HYPOTHETICAL_PAIRS = _WORDS["hypothetical_pairs"]
QUESTION_AFTER = _WORDS["question_after"]
QUESTION_GENERAL = _WORDS["question_general"]
QUESTION_STARTS = _WORDS["question_starts"]
EXPLAINED = _WORDS["explained"]
OTHER_PEOPLE = _WORDS["other_people"]
SELF = _WORDS["self"]
PAST_ONLY = _WORDS["past_only"]
RESOLVED = _WORDS["resolved"]
RESOLVED_PAIRS = _WORDS["resolved_pairs"]
PAST_MARKERS = _WORDS["past_markers"]
PAST_PAIRS = _WORDS["past_pairs"]


@dataclass(frozen=True)
class Assertion:
    status: str        # affirmed | possible | negated | hypothetical | other_person | historical
    trigger: str = ""  # the word that decided it, for the record

    @property
    def counts(self) -> bool:
        """Whether the finding raises a flag (affirmed, or possible until clarified)."""
        return self.status in (AFFIRMED, POSSIBLE)


def _pairs(words: Sequence[str]):
    return set(zip(words, words[1:]))


def clause_start(norms: Sequence[str], is_punct: Sequence[bool], start: int) -> int:
    """Index of the first word of the clause the token at ``start`` belongs to."""
    index = start
    while index > 0 and not is_punct[index - 1] and norms[index - 1] not in CLAUSE_BREAK_WORDS:
        index -= 1
    return index


def sentence_start(norms: Sequence[str], start: int) -> int:
    index = start
    while index > 0 and norms[index - 1] not in (".", "!", "?", ";", "\n"):
        index -= 1
    return index


def _resolved(after: List[str]) -> str:
    """A resolution marker after the finding ("... but they settled"), unless negated ("won't go away")."""
    for index, word in enumerate(after):
        previous = after[max(0, index - 2):index]
        if "not" in previous:
            continue
        if word in RESOLVED:
            return word
        if index + 1 < len(after) and (word, after[index + 1]) in RESOLVED_PAIRS:
            return f"{word} {after[index + 1]}"
    return ""


def assess(norms: Sequence[str], is_punct: Sequence[bool], start: int, end: int, *,
           history_counts: bool = False, question: bool = False) -> Assertion:
    """How the finding at tokens [start, end) is meant, from the words around it."""
    before = list(norms[clause_start(norms, is_punct, start):start])
    sentence_before = list(norms[sentence_start(norms, start):start])
    inside = list(norms[start:end])
    after = [n for n, p in zip(norms[end:], is_punct[end:]) if not p][:10]
    clause_after = []
    for n, p in zip(norms[end:], is_punct[end:]):
        if p or n in CLAUSE_BREAK_WORDS:
            break
        clause_after.append(n)

    # someone else, unless the patient speaks of themselves after naming them (sentence scope:
    # "my sister has a fever and the shivers" is still about the sister)
    for word in reversed(sentence_before):
        if word in SELF:
            break
        if word in OTHER_PEOPLE:
            return Assertion(OTHER_PERSON, word)
    if question:
        for word in before + inside:
            if word in QUESTION_GENERAL:
                return Assertion(HYPOTHETICAL, word)
        sentence = [n for n in norms[sentence_start(norms, start):] if n not in (".", "!", "?", ";")]
        if sentence and sentence[0] in QUESTION_STARTS and not set(sentence) & SELF:
            return Assertion(HYPOTHETICAL, sentence[0])
        for word in clause_after:
            if word in QUESTION_AFTER:
                return Assertion(HYPOTHETICAL, word)
    for word in before:
        if word in HYPOTHETICAL_WORDS:
            return Assertion(HYPOTHETICAL, word)
    for pair in _pairs(before):
        if pair in HYPOTHETICAL_PAIRS:
            return Assertion(HYPOTHETICAL, " ".join(pair))
    if not history_counts:
        context = before + inside
        if PAST_ONLY in _pairs(context):
            return Assertion(HISTORICAL, "used to")
        resolved = _resolved(after)
        if resolved:
            return Assertion(HISTORICAL, resolved)
        # a dated past ("back in 2016", "years ago") counts as past when the message says it settled
        rest = [n for n, p in zip(norms[end:], is_punct[end:]) if not p][:25]
        dated = before + clause_after
        if (any(w in PAST_MARKERS or (w.isdigit() and len(w) == 4) for w in dated)
                or _pairs(dated) & PAST_PAIRS):
            resolved = _resolved(rest)
            if resolved:
                return Assertion(HISTORICAL, resolved)
    sentence = list(norms)
    for index, word in enumerate(sentence):
        if word in EXPLAINED and (index == 0 or sentence[index - 1] != "not"):
            return Assertion(NEGATED, word)
    window = before[-NEGATION_WINDOW:]
    pseudo = {i for i, pair in enumerate(zip(window, window[1:])) if pair in PSEUDO_NEGATION_PAIRS}
    new_not_negated = "never" in window and "before" in (inside + after)  # "never had this before"
    for index, word in enumerate(window):
        if word in NEGATIONS and index not in pseudo and not (word == "never" and new_not_negated):
            return Assertion(NEGATED, word)
    for word in before:
        if word in UNCERTAIN:
            return Assertion(POSSIBLE, word)
    for pair in _pairs(before + inside):
        if pair in UNCERTAIN_PAIRS:
            return Assertion(POSSIBLE, " ".join(pair))
    return Assertion(AFFIRMED)
