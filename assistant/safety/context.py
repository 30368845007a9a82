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
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence

from assistant.safety.rules import CLAUSE_BREAK_WORDS

AFFIRMED, POSSIBLE = "affirmed", "possible"
NEGATED, HYPOTHETICAL, OTHER_PERSON, HISTORICAL = "negated", "hypothetical", "other_person", "historical"

NEGATION_WINDOW = 6
NEGATIONS = frozenset({"no", "not", "never", "without", "none", "nothing", "nor", "neither", "denies", "deny"})
PSEUDO_NEGATION_PAIRS = {("no", "worse"), ("no", "better"), ("not", "only"), ("not", "just"), ("no", "longer"),
                         ("not", "gone"), ("not", "stopped"), ("not", "sure")}
UNCERTAIN = frozenset({"maybe", "might", "perhaps", "possibly", "probably", "unsure", "worried", "worry",
                       "wonder", "wondering", "think", "guess", "suppose"})
UNCERTAIN_PAIRS = {("not", "sure"), ("kind", "of"), ("sort", "of"), ("a", "bit")}
HYPOTHETICAL_WORDS = frozenset({"if", "case", "signs", "sign", "symptoms", "symptom", "happens", "happen",
                                "warning", "whether", "hypothetically", "risk", "risks", "watch", "leaflet"})
HYPOTHETICAL_PAIRS = {("should", "i"), ("could", "i"), ("would", "i"), ("will", "i"), ("what", "about"),
                      ("how", "would"), ("do", "people"), ("can", "people"), ("what", "does"), ("what", "is"),
                      ("what", "are"), ("what", "'s"), ("look", "out")}
# In a question, these after the finding make it a question about the finding ("is X a sign of ...?").
QUESTION_AFTER = frozenset({"sign", "signs", "symptom", "symptoms", "mean", "means", "serious", "dangerous"})
# In a question, these before the finding make it general ("can the stimulator give you shocks?").
QUESTION_GENERAL = frozenset({"you", "people", "anyone", "someone"})
# A question that starts like this and has no first-person word asks about a sign, it does not
# report one ("does foot drop happen with this?"); the dialogue still asks "Is this happening to
# you now?". Any "I", "me" or "my" keeps it a report ("is it bad that I can't pee?").
QUESTION_STARTS = frozenset({"what", "does", "do", "will", "can", "could", "is", "are", "how", "why", "when",
                             "should", "would", "which"})
# Words that explain a finding away ("lost 5kg on purpose, been dieting").
EXPLAINED = frozenset({"dieting", "diet", "purpose", "deliberately", "intentionally"})
OTHER_PEOPLE = frozenset({
    "mum", "mom", "mother", "mam", "dad", "father", "sister", "brother", "husband", "wife", "partner", "son",
    "daughter", "friend", "friends", "neighbour", "neighbor", "aunt", "auntie", "uncle", "gran", "granny",
    "grandma", "grandmother", "grandad", "granddad", "grandpa", "grandfather", "cousin", "colleague",
    "boyfriend", "girlfriend", "nan", "nana", "he", "she", "they", "him", "his", "her", "them", "someone",
    "somebody", "people", "patient", "patients", "family", "relative",
})
SELF = frozenset({"i", "me", "myself", "am", "im", "my"})
PAST_ONLY = ("used", "to")
RESOLVED = frozenset({"settled", "resolved", "cleared", "sorted", "recovered"})
RESOLVED_PAIRS = {("went", "away"), ("go", "away"), ("gone", "away"), ("fine", "now"), ("ok", "now"),
                  ("okay", "now"), ("better", "now"), ("normal", "now"), ("gone", "now"), ("cleared", "up"),
                  ("fine", "since"), ("been", "fine"), ("no", "problems"), ("wore", "off"), ("as", "usual"),
                  ("like", "always"), ("no", "trouble"), ("fine", "ever")}
PAST_MARKERS = frozenset({"ago", "teenager", "child", "kid", "younger", "previously", "once", "years"})
PAST_PAIRS = {("last", "year"), ("back", "in"), ("years", "ago"), ("months", "ago"), ("used", "to")}


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
