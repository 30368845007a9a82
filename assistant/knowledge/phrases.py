"""Normalisation of topic phrases, shared by the store, the seed loader and the spaCy build."""
from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w\s/+-]+")
_SPACE = re.compile(r"\s+")


def phrase_key(phrase: str) -> str:
    """Case-, accent- and spacing-insensitive lookup key: "  Lyrica!" -> "lyrica"."""
    text = unicodedata.normalize("NFKD", phrase)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("’", "'").replace("'", "")
    text = _NON_WORD.sub(" ", text)
    return _SPACE.sub(" ", text).strip()
