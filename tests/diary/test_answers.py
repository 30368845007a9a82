"""Truth tables for the diary's answer parsers: what patients actually type, and the code each means."""
from __future__ import annotations

from typing import Optional

import pytest

from assistant.diary.answers import (
    parse_numbness, parse_score, parse_sleep, parse_weakness, parse_yes_no, skip_answer, wants_to_stop,
)

# --- parse_score ---------------------------------------------------------------------------------

ABSOLUTE_SCORES = [
    ("7", 7),
    ("0", 0),
    ("10", 10),
    ("7/10", 7),
    ("7 / 10", 7),
    ("10/10", 10),
    ("7 out of 10", 7),
    ("seven out of ten", 7),
    ("about a 7", 7),
    ("a 7 today", 7),
    ("About a 7.", 7),
    ("I'd say 6, maybe", 6),
    ("seven", 7),
    ("Ten!", 10),
    ("ten", 10),
    ("zero", 0),
    ("6.5", 7),          # round half up
    ("6.4", 6),
    ("9.5", 10),
    ("7-8", 8),          # the higher one
    ("7 - 8", 8),
    ("7 or 8", 8),
    ("8 or 7", 8),
    ("six or seven", 7),
    ("between 5 and 6", 6),
    ("on a scale of 0 to 10 I'd say 4", 4),
    ("a 7 after walking for 20 minutes", 7),   # units are not scores
    ("5, took 2 tablets", 5),
    ("7, yes 7", 7),     # the same number twice is still one answer
    ("no pain", 0),
    ("No pain at all today", 0),
    ("none", 0),
    ("pain free", 0),
    ("pain-free!", 0),
    ("no leg pain", 0),
    ("worst ever", 10),
    ("worst possible", 10),
    ("the worst pain ever", 10),
    ("unbearable", 10),
    ("UNBEARABLE!!", 10),
]


@pytest.mark.parametrize("text, expected", ABSOLUTE_SCORES)
def test_absolute_scores(text: str, expected: int) -> None:
    assert parse_score(text) == expected
    assert parse_score(text, previous=3) == expected  # an explicit score ignores the last one


RELATIVE_SCORES = [
    ("same", 5, 5),
    ("Same as yesterday", 5, 5),
    ("no change", 5, 5),
    ("as usual", 5, 5),
    ("about the same", 5, 5),
    ("no better, no worse", 5, 5),
    ("a bit worse", 5, 6),
    ("slightly worse", 5, 6),
    ("a little worse than yesterday", 5, 6),
    ("worse", 5, 6),
    ("getting worse", 5, 6),
    ("much worse", 5, 7),
    ("a lot worse", 5, 7),
    ("a bit better", 5, 4),
    ("better", 5, 4),
    ("much better", 5, 3),
    ("a lot better than yesterday", 5, 3),
    ("2 points worse", 5, 7),
    ("much worse", 9, 10),      # clamped at 10
    ("a lot worse", 10, 10),
    ("much better", 1, 0),      # clamped at 0
    ("better", 0, 0),
    ("same", 0, 0),
]


@pytest.mark.parametrize("text, previous, expected", RELATIVE_SCORES)
def test_relative_scores_use_the_previous_score(text: str, previous: int, expected: int) -> None:
    assert parse_score(text, previous) == expected


@pytest.mark.parametrize("text", ["same", "same as yesterday", "no change", "as usual", "a bit worse",
                                  "worse", "much worse", "better", "much better", "2 points worse"])
def test_relative_scores_without_a_previous_score_are_not_understood(text: str) -> None:
    assert parse_score(text, None) is None
    assert parse_score(text) is None


NOT_SCORES = [
    "",
    "   ",
    "hello",
    "it hurts",
    "12",
    "11/10",
    "-3",
    "minus 2",
    "100",
    "10.5",
    "7 yesterday and 5 today",    # two unrelated numbers
    "leg 6 back 4",
    "7-12",
    "same, maybe a bit worse",    # same and worse at once: ask for a number
    "better than yesterday but worse than last week",
    "not much better",            # could be same or worse
    "7th",
    "not unbearable",
]


@pytest.mark.parametrize("text", NOT_SCORES)
def test_not_a_score(text: str) -> None:
    assert parse_score(text, previous=5) is None


def test_one_as_a_pronoun_is_not_a_score() -> None:
    assert parse_score("a bit worse than the one before", previous=4) == 5
    assert parse_score("one", previous=4) == 1


# --- parse_yes_no ---------------------------------------------------------------------------------

YES_NO = [
    ("yes", "yes"),
    ("Yes.", "yes"),
    ("yeah", "yes"),
    ("yep", "yes"),
    ("yup", "yes"),
    ("y", "yes"),
    ("I have", "yes"),
    ("i did, this morning", "yes"),
    ("it has", "yes"),
    ("definitely", "yes"),
    ("sure", "yes"),
    ("/affirm", "yes"),
    ("no", "no"),
    ("No!", "no"),
    ("nope", "no"),
    ("nah", "no"),
    ("n", "no"),
    ("none", "no"),
    ("not at all", "no"),
    ("nothing", "no"),
    ("no change", "no"),
    ("no, all normal", "no"),
    ("all fine", "no"),
    ("everything's normal", "no"),
    ("it is fine", "no"),
    ("I'm fine", "no"),
    ("I haven't", "no"),
    ("i have not", "no"),
    ("it hasn't", "no"),
    ("definitely not", "no"),
    ("/deny", "no"),
    ("not sure", "unsure"),
    ("I'm not sure", "unsure"),
    ("maybe", "unsure"),
    ("a bit", "unsure"),
    ("a bit?", "unsure"),
    ("a little", "unsure"),
    ("i think so", "unsure"),
    ("I don't think so", "unsure"),
    ("i dont think so", "unsure"),
    ("not really", "unsure"),       # a hedge, never a no
    ("sort of", "unsure"),
    ("kind of", "unsure"),
    ("possibly", "unsure"),
    ("dunno", "unsure"),
    ("don't know", "unsure"),
    ("I do not know", "unsure"),
    ("hard to say", "unsure"),
    ("yes maybe", "unsure"),        # hedges win over yes
    ("no i don't think so", "unsure"),  # ... and over no
    ("no, not really", "unsure"),
    ("yes a little", "unsure"),
    ("probably not", "unsure"),
    ("no idea", "unsure"),
    ("yes no", "unsure"),           # contradictory
    ("no?", "unsure"),              # answering with a question
    ("/unsure", "unsure"),
    ("", None),
    ("   ", None),
    ("banana", None),
    ("what do you mean?", None),
    ("my leg hurts", None),
]


@pytest.mark.parametrize("text, expected", YES_NO)
def test_parse_yes_no(text: str, expected: Optional[str]) -> None:
    assert parse_yes_no(text) == expected


# --- parse_numbness -------------------------------------------------------------------------------

NUMBNESS = [
    ("none", "none"),
    ("no", "none"),
    ("Nope.", "none"),
    ("no numbness", "none"),
    ("nothing", "none"),
    ("same", "as_usual"),
    ("as usual", "as_usual"),
    ("usual", "as_usual"),
    ("normal for me", "as_usual"),
    ("no change", "as_usual"),          # "no" inside "no change" is not "none"
    ("like always", "as_usual"),
    ("no, same as usual", "as_usual"),
    ("not worse", "as_usual"),
    ("nothing new", "as_usual"),
    ("more or less the same", "as_usual"),
    ("worse", "worse"),
    ("more", "worse"),
    ("stronger today", "worse"),
    ("spreading further", "worse"),
    ("a bit worse than usual", "worse"),
    ("somewhere new", "new_place"),
    ("in a new place", "new_place"),
    ("new spot on my shin", "new_place"),
    ("in my other foot", "new_place"),
    ("new area", "new_place"),
    ("it's moved", "new_place"),
    ("worse and spreading to my other leg", "new_place"),   # new place beats worse
    ("same as usual but also a new spot", "new_place"),
    ("", None),
    ("yes", None),
    ("no idea", None),
]


@pytest.mark.parametrize("text, expected", NUMBNESS)
def test_parse_numbness(text: str, expected: Optional[str]) -> None:
    assert parse_numbness(text) == expected


# --- parse_weakness -------------------------------------------------------------------------------

WEAKNESS = [
    ("none", "none"),
    ("no", "none"),
    ("no weakness", "none"),
    ("nope, legs are fine", "none"),
    ("same", "as_usual"),
    ("as usual", "as_usual"),
    ("no change", "as_usual"),
    ("normal for me", "as_usual"),
    ("like always", "as_usual"),
    ("not worse", "as_usual"),
    ("worse", "worse"),
    ("weaker", "worse"),
    ("a bit worse than yesterday", "worse"),
    ("new", "new"),
    ("never had before", "new"),
    ("started today", "new"),
    ("it just started this morning", "new"),
    ("worse, and new in my other leg", "new"),   # new beats worse
    ("", None),
    ("banana", None),
]


@pytest.mark.parametrize("text, expected", WEAKNESS)
def test_parse_weakness(text: str, expected: Optional[str]) -> None:
    assert parse_weakness(text) == expected


# --- parse_sleep ----------------------------------------------------------------------------------

SLEEP = [
    ("well", "good"),
    ("Good", "good"),
    ("great", "good"),
    ("fine", "good"),
    ("slept like a log", "good"),
    ("ok", "ok"),
    ("OK", "ok"),
    ("alright", "ok"),
    ("so-so", "ok"),
    ("so so", "ok"),
    ("not bad", "ok"),
    ("badly", "poor"),
    ("poorly", "poor"),
    ("rubbish", "poor"),
    ("not much", "poor"),
    ("not well", "poor"),
    ("not great", "poor"),
    ("couldn't sleep", "poor"),
    ("woke up three times", "poor"),
    ("woken by pain", "woken_by_pain"),
    ("the pain woke me", "woken_by_pain"),
    ("woke up with pain at 4", "woken_by_pain"),
    ("it kept me awake", "woken_by_pain"),
    ("up all night with pain", "woken_by_pain"),
    ("slept well but the pain woke me at 4", "woken_by_pain"),   # pain at night wins
    ("couldn't sleep for the pain", "woken_by_pain"),
    ("", None),
    ("banana", None),
]


@pytest.mark.parametrize("text, expected", SLEEP)
def test_parse_sleep(text: str, expected: Optional[str]) -> None:
    assert parse_sleep(text) == expected


# --- wants_to_stop --------------------------------------------------------------------------------

STOP = [
    ("stop", True),
    ("STOP!", True),
    ("cancel", True),
    ("quit", True),
    ("exit", True),
    ("never mind", True),
    ("nevermind", True),
    ("forget it", True),
    ("please stop", True),
    ("can we stop now", True),
    ("i don't want to do this", True),
    ("I dont want to do this anymore, it's too much", True),   # long but starts with the request
    ("stop asking me questions, my leg is killing me tonight", True),
    ("cancel the diary please, I will do it tomorrow morning", True),
    ("non-stop pain", False),
    ("nonstop pain", False),
    ("the pain doesn't stop", False),
    ("it won't stop", False),
    ("make it stop", False),
    ("when will the pain stop", False),
    ("I don't want to stop", False),
    ("the pain got worse at the bus stop this morning", False),   # long, not starting with a request
    ("stopped taking gabapentin", False),
    ("quite bad", False),
    ("7", False),
    ("", False),
]


@pytest.mark.parametrize("text, expected", STOP)
def test_wants_to_stop(text: str, expected: bool) -> None:
    assert wants_to_stop(text) is expected


# --- skip_answer ----------------------------------------------------------------------------------

SKIP = [
    ("skip", True),
    ("Skip.", True),
    ("nothing", True),
    ("none", True),
    ("no", True),
    ("nope", True),
    ("n/a", True),
    ("N/A", True),
    ("nothing else", True),
    ("no, nothing else, thanks", True),
    ("none today", True),
    ("no side effects", True),
    ("-", True),
    ("ibuprofen 400mg twice", False),
    ("no, but I felt dizzy", False),
    ("nothing helps", False),
    ("ok", False),
    ("", False),
    ("   ", False),
]


@pytest.mark.parametrize("text, expected", SKIP)
def test_skip_answer(text: str, expected: bool) -> None:
    assert skip_answer(text) is expected


def test_none_input_is_tolerated() -> None:
    """Slots can be empty; the parsers must not raise on None."""
    assert parse_score(None) is None  # type: ignore[arg-type]
    assert parse_yes_no(None) is None  # type: ignore[arg-type]
    assert parse_numbness(None) is None  # type: ignore[arg-type]
    assert parse_weakness(None) is None  # type: ignore[arg-type]
    assert parse_sleep(None) is None  # type: ignore[arg-type]
    assert wants_to_stop(None) is False  # type: ignore[arg-type]
    assert skip_answer(None) is False  # type: ignore[arg-type]
