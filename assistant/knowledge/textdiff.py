"""A word-level diff of two answer texts that an editor can read at a glance.

The parts are plain strings; the template escapes them and wraps them in ins/del, so no text
ever reaches the page as markup.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import List

_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class DiffPart:
    op: str    # "equal", "insert" or "delete"
    text: str


def _tokens(text: str) -> List[str]:
    return _TOKENS.findall(text or "")


def word_diff(old: str, new: str) -> List[DiffPart]:
    """The new text as runs of kept, inserted and deleted words (whitespace kept as it was)."""
    a, b = _tokens(old), _tokens(new)
    parts: List[DiffPart] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(DiffPart("equal", "".join(b[j1:j2])))
            continue
        if op in ("delete", "replace"):
            parts.append(DiffPart("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            parts.append(DiffPart("insert", "".join(b[j1:j2])))
    return [part for part in parts if part.text]


def changed(parts: List[DiffPart]) -> bool:
    return any(part.op != "equal" for part in parts)
