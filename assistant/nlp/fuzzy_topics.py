"""spaCy component: topic words that patients misspell ("pregabalen", "nerve condution test").

Runs after the entity ruler. N-grams of up to four tokens are compared with the topic
vocabulary (same number of tokens) by difflib's similarity ratio; a close match becomes a
``topic`` entity with the vocabulary's slug as its id. A fuzzy span only replaces an exact
entity when it is longer ("dorsal root ganglian stimulator" over "stimulator").

This file is shipped inside the packaged pipeline (``spacy package --code``), so it imports
nothing but spaCy and the standard library.
"""

import difflib
import json
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

MAX_TOKENS_SCANNED = 120
MAX_NGRAM = 4
MIN_WORD_LENGTH = 5
# Everyday words that sit close to a topic word but mean something else ("numbers" ~ "numbness").
NEVER_FUZZY = frozenset({
    "number", "numbers", "member", "members", "nerves", "question", "questions", "station", "position",
    "tension", "attention", "mention", "mentioned", "operator", "inflation", "information", "simulation",
    "exactly", "example", "examples", "imagine", "imagined", "fusions", "stenographer",
})


def make_fuzzy_topic_matcher(nlp: Language, name: str, label: str, single_cutoff: float, multi_cutoff: float):
    return FuzzyTopicMatcher(nlp, label, single_cutoff, multi_cutoff)


class FuzzyTopicMatcher:
    def __init__(self, nlp: Language, label: str, single_cutoff: float, multi_cutoff: float):
        self.nlp = nlp
        self.label = label
        self.single_cutoff = single_cutoff
        self.multi_cutoff = multi_cutoff
        self.by_length: Dict[int, Dict[str, str]] = {}

    def add_vocabulary(self, vocabulary: Iterable[Tuple[str, str]]) -> None:
        for phrase, slug in vocabulary:
            tokens = [t.lower_ for t in self.nlp.make_doc(phrase)]
            if len(tokens) > MAX_NGRAM or (len(tokens) == 1 and len(tokens[0]) < MIN_WORD_LENGTH):
                continue
            self.by_length.setdefault(len(tokens), {})[" ".join(tokens)] = slug

    def __call__(self, doc: Doc) -> Doc:
        if not self.by_length:
            return doc
        words = [t.lower_ for t in doc[:MAX_TOKENS_SCANNED]]
        exact = {(e.start, e.end) for e in doc.ents}
        found: List[Span] = []
        for size, keys in self.by_length.items():
            cutoff = self.single_cutoff if size == 1 else self.multi_cutoff
            for start in range(len(words) - size + 1):
                gram_tokens = words[start:start + size]
                if (start, start + size) in exact or gram_tokens[0].isdigit():
                    continue
                if size == 1 and (len(gram_tokens[0]) < MIN_WORD_LENGTH or not gram_tokens[0].isalpha()
                                  or gram_tokens[0] in NEVER_FUZZY):
                    continue
                gram = " ".join(gram_tokens)
                if gram in keys:
                    continue  # the entity ruler owns exact matches
                # misspellings rarely change the first letter; near words that do are other words
                candidates = [key for key in difflib.get_close_matches(gram, keys.keys(), n=3, cutoff=cutoff)
                              if key[0] == gram[0]]
                if candidates and not self._cuts_into(start, start + size, exact):
                    found.append(Span(doc, start, start + size, label=self.label, span_id=keys[candidates[0]]))
        if found:
            # exact entities first, so an equally long fuzzy span never displaces them
            doc.ents = filter_spans(list(doc.ents) + found)
        return doc

    @staticmethod
    def _cuts_into(start: int, end: int, exact) -> bool:
        """True if the span overlaps an exact entity without containing it whole."""
        return any(start < e_end and e_start < end and not (start <= e_start and e_end <= end)
                   for e_start, e_end in exact)

    def to_disk(self, path, exclude=tuple()):
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "vocabulary.json").write_text(json.dumps({str(k): v for k, v in self.by_length.items()}))

    def from_disk(self, path, exclude=tuple()):
        data = json.loads((Path(path) / "vocabulary.json").read_text())
        self.by_length = {int(k): v for k, v in data.items()}
        return self


# Registered once: this file is imported both from the project and from the packaged pipeline.
if not Language.has_factory("fuzzy_topic_matcher"):
    Language.factory("fuzzy_topic_matcher", default_config={"label": "topic", "single_cutoff": 0.84,
                                                            "multi_cutoff": 0.86})(make_fuzzy_topic_matcher)
