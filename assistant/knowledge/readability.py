"""Readability of answer texts, measured the way editors are told it is measured.

Markdown markup is stripped first so that list bullets and emphasis do not count as words.
"""
from __future__ import annotations

import re

import textstat

GRADE_TARGET = 8.0

_MARKUP = re.compile(r"[*_`#>]+")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_BULLET = re.compile(r"^\s*(?:[-+]|\d+\.)\s+", re.MULTILINE)


def plain_text(markdown: str) -> str:
    """Return the words a patient reads, without Markdown markup."""
    text = _LINK.sub(r"\1", markdown)
    text = _BULLET.sub("", text)
    return _MARKUP.sub("", text).strip()


def grade(markdown: str) -> float:
    """Flesch-Kincaid US school grade of a whole answer text."""
    return float(textstat.flesch_kincaid_grade(plain_text(markdown)))


def first_sentence(markdown: str) -> str:
    """The first sentence of the text, where the topic's name must appear."""
    text = plain_text(markdown)
    match = re.search(r"[.!?](?:\s|$)", text)
    return text[: match.end()] if match else text
