"""Whole numbers that arrive as text (query strings, form fields, stored keys), read without surprises.

``str.isdigit()`` is true for "²" and "٣", which ``int()`` then refuses or reads as a number nobody
typed, and a long run of digits overflows the database's 64-bit integers: both were server errors.
"""
from __future__ import annotations

from typing import Optional

MAX_ID_DIGITS = 18  # below 2**63 - 1, the largest id the databases hold


def whole_number(text: Optional[str], max_digits: int = MAX_ID_DIGITS) -> Optional[int]:
    """``text`` as a non-negative int when it is 1 to ``max_digits`` ASCII digits, else None."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not text or len(text) > max_digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


__all__ = ["MAX_ID_DIGITS", "whole_number"]
