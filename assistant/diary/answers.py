"""Turning a patient's own words into diary values.

Patients answer the diary the way they talk ("about a 7", "a bit worse than yesterday", "not
really"), so each parser takes the raw text and returns a code, or None when the answer was not
understood and the question should be asked again. Nothing here speaks to the patient: hints and
questions live in the domain, these functions only return codes.

Clinical safety shapes the yes/no parser: a hedged answer is "unsure" (a possible red flag that
gets a clarifying question), never "no".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Pattern, Sequence, Tuple

__all__ = ["parse_score", "parse_yes_no", "parse_numbness", "parse_weakness", "parse_sleep",
           "wants_to_stop", "skip_answer"]

# --- shared text handling -------------------------------------------------------------------------

_CONTRACTION = re.compile(r"\b(don|doesn|didn|can|couldn|won|wouldn|isn|wasn|haven|hasn|hadn|aren)t\b")


def _clean(text: Optional[str], keep: str) -> str:
    """Lower case, one kind of apostrophe and dash, "dont" -> "don't"; other punctuation becomes space,
    so "No, all normal." and "no all normal" are the same answer."""
    t = (text or "").lower()
    t = t.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-").replace("\u2014", "-")
    t = _CONTRACTION.sub(r"\1't", t)
    t = re.sub(rf"[^a-z0-9'{keep}\s]", " ", t)
    return " ".join(t.split())


def _words(text: Optional[str]) -> str:
    """Text for the word-based parsers: keeps hyphens ("so-so", "non-stop") and slashes ("n/a")."""
    return _clean(text, r"/\-")


def _any(patterns: Sequence[Pattern[str]], text: str) -> bool:
    return any(p.search(text) for p in patterns)


def _compile(*patterns: str) -> Tuple[Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


@dataclass(frozen=True)
class _Category:
    """One answer code and the phrases that mean it; categories are tried in order of precedence."""
    code: str
    patterns: Tuple[Pattern[str], ...]


def _classify(text: str, categories: Sequence[_Category]) -> Optional[str]:
    for category in categories:
        if _any(category.patterns, text):
            return category.code
    return None


# "no idea" or "not sure" must not be read as "no"; a real answer next to them still counts.
_DONT_KNOW = re.compile(r"\b(?:no\s+idea|not\s+sure|unsure|don't\s+know|do\s+not\s+know|dunno|idk)\b")

# --- pain score -------------------------------------------------------------------------------------

_NUMBER_WORDS = {"zero": 0, "nought": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                 "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_NUM = r"(?:\d+(?:\.\d+)?|" + "|".join(_NUMBER_WORDS) + r")"
_END = r"(?![\w]|\.\d)"  # a whole number: not "7th", not the "6" of "6.5"

_CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b")
_SCALE = re.compile(r"\b(?:on\s+)?(?:a\s+)?scale\s+(?:of\s+)?(?:from\s+)?(?:0|1|zero|one)\s*(?:-|to)\s*(?:10|ten)\b")
_OUT_OF = re.compile(r"\s*(?:/|\bout\s+of\b|\bof\b)\s*(?:10|ten)\b")
_UNITS = re.compile(rf"(?<![\w.]){_NUM}\s*(?:days?|weeks?|months?|years?|hours?|hrs?|mins?|minutes?|nights?|"
                    r"times?|tablets?|pills?|doses?|mg|ml|am|pm|o'clock|miles?|km|steps?)\b")
_BETWEEN = re.compile(rf"\bbetween\s+({_NUM})\s+and\s+({_NUM}){_END}")
_RANGE = re.compile(rf"(?<![\w.])({_NUM})\s*(?:-|to|or)\s*({_NUM}){_END}")
_TOKEN = re.compile(rf"(?<![\w.])(-\s?|minus\s+)?({_NUM}){_END}")
# "one" is often a pronoun: "the one before", "one of those days".
_NOT_A_NUMBER_BEFORE_ONE = {"the", "that", "this", "last", "each", "every", "no", "any", "some", "which"}

_ZERO = _compile(r"\bno\s+(?:(?:leg|back|arm|neck|real)\s+)?pain\b", r"\bnone\b", r"\bpain[\s-]?free\b",
                 r"\bnil\b", r"\bnot\s+(?:in\s+)?(?:any\s+)?pain\b")
_WORST = _compile(r"\bworst\s+(?:[\w']+\s+){0,3}?(?:ever|possible|imaginable)\b",
                  r"(?<!not )(?<!isn't )\b(?:unbearable|excruciating)\b")

_SMALL = r"(?:a\s+(?:little\s+)?bit|a\s+little|little|bit|slightly|somewhat|marginally|a\s+touch|a\s+tad|mildly)"
_BIG = r"(?:much|a\s+lot|lots|loads|far|way|significantly|considerably|heaps)"
_RELATIVE = re.compile(rf"(?:\b(?P<big>{_BIG})\s+|\b(?P<small>{_SMALL})\s+)?"
                       r"\b(?P<dir>worse|better|improved|easier)\b")
_WORSE_WORDS = {"worse"}
_BY_POINTS = re.compile(rf"(?<![\w.])(?P<n>{_NUM})\s+points?\s+(?P<dir>worse|better|higher|lower)\b|"
                        rf"\b(?P<dir2>worse|better|higher|lower|up|down)\s+by\s+(?P<n2>{_NUM}){_END}")
_NEITHER = re.compile(r"\bno\s+better\s+(?:and\s+|or\s+|nor\s+)?no\s+worse\b|"
                      r"\bno\s+worse\s+(?:and\s+|or\s+|nor\s+)?no\s+better\b|\bneither\s+better\s+nor\s+worse\b")
_NEGATED_RELATIVE = re.compile(r"\b(?:not|no|isn't|hasn't)\s+(?:much\s+|any\s+|really\s+)?(?:better|worse)\b")
_SAME = _compile(r"\bsame\b", r"\bno\s+change\b", r"\bunchanged\b", r"\bas\s+(?:usual|always|before|normal)\b",
                 r"\bno\s+different\b", r"\busual\b", r"\bsimilar\b")


def _number(word: str) -> float:
    return float(_NUMBER_WORDS[word]) if word in _NUMBER_WORDS else float(word)


def _higher_of_two(match: "re.Match[str]") -> str:
    """ "7-8", "7 or 8", "between 6 and 7" -> the higher one (the patient's worse moment counts)."""
    low, high = _number(match.group(1)), _number(match.group(2))
    if 0 <= low <= 10 and 0 <= high <= 10:
        return " " + (match.group(1) if low > high else match.group(2)) + " "
    return match.group(0)  # left alone: two numbers, so not understood


def _to_score(value: float) -> Optional[int]:
    if value < 0 or value > 10:
        return None
    return int(value + 0.5)  # round half up: 6.5 -> 7


def _clamp(value: int) -> int:
    return max(0, min(10, value))


def _absolute_numbers(t: str) -> Optional[list]:
    """The numbers the patient gave, after removing scale words, units and ranges; negatives as such."""
    t = _CLOCK.sub(" ", t)
    t = _SCALE.sub(" ", t)
    t = _OUT_OF.sub(" ", t)
    t = _UNITS.sub(" ", t)
    t = _BETWEEN.sub(_higher_of_two, t)
    t = _RANGE.sub(_higher_of_two, t)
    values = []
    for match in _TOKEN.finditer(t):
        word = match.group(2)
        if word == "one":
            before = t[:match.start()].split()[-1:]
            after = t[match.end():].split()[:1]
            if (before and before[0] in _NOT_A_NUMBER_BEFORE_ONE) or after == ["of"]:
                continue
        value = _number(word)
        values.append(-value if match.group(1) else value)
    return values


def _relative(t: str, previous: Optional[int]) -> Optional[int]:
    """ "a bit worse than yesterday" -> previous + 1; None when unclear or there is nothing to compare."""
    t = _NEITHER.sub(" same ", t)
    if _NEGATED_RELATIVE.search(t):
        return None  # "not much better" could be anything from same to worse: ask for a number
    directions = set()
    change = 0
    if _any(_SAME, t):
        directions.add(0)
    for match in _RELATIVE.finditer(t):
        sign = 1 if match.group("dir") in _WORSE_WORDS else -1
        size = 2 if match.group("big") else 1
        directions.add(sign)
        change = sign * max(abs(change), size)
    if len(directions) != 1 or previous is None:
        return None
    return _clamp(previous + change)


def parse_score(text: str, previous: Optional[int] = None) -> Optional[int]:
    """A 0-10 pain score from "7", "7/10", "about a 7", "seven", "6.5", "7-8", "no pain", "worst ever",
    or relative to ``previous`` (the last score for the same place): "same", "a bit worse", "much better".

    None when not understood, out of range, or two different numbers: the form asks again rather
    than guess a score that feeds trends and treatment decisions.
    """
    t = _clean(text, r"./\-")
    if not t:
        return None
    points = _BY_POINTS.search(t)
    if points:
        amount = _number(points.group("n") or points.group("n2"))
        direction = points.group("dir") or points.group("dir2")
        if previous is None or amount > 10:
            return None
        sign = 1 if direction in ("worse", "higher", "up") else -1
        return _clamp(previous + sign * int(amount + 0.5))
    numbers = _absolute_numbers(t)
    if numbers:
        if len(set(numbers)) != 1:
            return None
        return _to_score(numbers[0])
    if _any(_ZERO, t):
        return 0
    if _any(_WORST, t):
        return 10
    return _relative(t, previous)


# --- yes / no / unsure ------------------------------------------------------------------------------

_BUTTONS = {"/affirm": "yes", "/deny": "no", "/unsure": "unsure"}

_HEDGES = _compile(
    r"\bnot\s+(?:really\s+|too\s+|very\s+|entirely\s+)?sure\b", r"\bunsure\b", r"\bnot\s+certain\b",
    r"\buncertain\b", r"\bmaybe\b", r"\bperhaps\b", r"\bpossibl[ey]\b", r"\bprobably\b", r"\bmight\b",
    r"\bcould\s+be\b", r"\ba\s+(?:little\s+)?bit\b", r"\ba\s+little\b", r"\bslight(?:ly)?\b",
    r"\bi\s+think\b", r"\bi\s+(?:don't|do\s+not)\s+think\b", r"\bdon't\s+think\s+so\b", r"\bnot\s+really\b",
    r"\bsort\s+of\b", r"\bsorta\b", r"\bkind\s+of\b", r"\bkinda\b", r"\bdunno\b", r"\bidk\b",
    r"\b(?:don't|do\s+not)\s+know\b", r"\bnot\s+that\s+i\s+know\b", r"\bhard\s+to\s+(?:say|tell)\b",
    r"\bno\s+idea\b", r"\bi\s+guess\b", r"\bi\s+suppose\b", r"\bsometimes\b", r"\bnot\s+(?:always|often)\b",
)
_NOT_AFTER = r"(?!\s+(?:not|no|never)\b)"
_YES = _compile(
    r"\byes\b", r"\byeah\b", r"\byea\b", r"\bya\b", r"\byep\b", r"\byup\b", r"\by\b", r"\bsure\b",
    rf"\bi\s+(?:have|did|do){_NOT_AFTER}\b", r"\bi've\s+(?:had|noticed)\b", rf"\bit\s+(?:has|did|does){_NOT_AFTER}\b",
    rf"\bdefinitely{_NOT_AFTER}\b", rf"\babsolutely{_NOT_AFTER}\b", r"\bcorrect\b", r"\baffirmative\b",
)
_NO = _compile(
    r"\bno\b", r"\bnope\b", r"\bnah\b", r"\bn\b", r"\bnone\b", r"\bnothing\b", r"\bnever\b", r"\bnegative\b",
    r"\bnot\s+at\s+all\b", r"\b(?:definitely|absolutely|certainly)\s+not\b",
    r"\b(?:haven't|hasn't|didn't|don't|doesn't|isn't|wasn't)\b", r"\b(?:have|has|did|do|does|is)\s+not\b",
    r"\b(?:all|everything|everything's|all's|it's|its|it\s+is|that's|i'm|i\s+am)\s+(?:is\s+|been\s+)?(?:fine|normal|ok|okay|good)\b",
    r"^(?:fine|normal|all\s+good)$",
)


def parse_yes_no(text: str) -> Optional[str]:
    """ "yes", "no" or "unsure" for the screening questions (bladder, saddle numbness, fever).

    Hedges win over yes and no ("not really", "yes maybe", "no I don't think so" -> unsure), as do
    contradictory or questioning answers ("no?"): for a red-flag question an unsure answer is a
    possible flag and gets a clarifying question, while "no" would silently close it.
    """
    t = _words(text)
    if not t:
        return None
    if t in _BUTTONS:
        return _BUTTONS[t]
    if _any(_HEDGES, t):
        return "unsure"
    yes, no = _any(_YES, t), _any(_NO, t)
    if not yes and not no:
        return None
    if (yes and no) or "?" in (text or ""):
        return "unsure"
    return "yes" if yes else "no"


# --- numbness and weakness --------------------------------------------------------------------------

_MORE_OR_LESS = re.compile(r"\bmore\s+or\s+less\b")
_NO_MORE_THAN_USUAL = re.compile(r"\bno\s+more\s+than\s+(?:usual|normal|before|yesterday)\b")
_NO_MORE = re.compile(r"\bno\s+more\b")
# "not worse", "nothing new", "hasn't moved": a report of no change, not of a change.
_NEGATED_CHANGE = re.compile(r"\b(?:no|not|nothing|isn't|hasn't|haven't|not\s+any)\s+(?:any\s+|really\s+|much\s+)?"
                             r"(?:new|worse|weaker|stronger|spread(?:ing)?|moved|different|further)\b")


def _change_text(text: str) -> str:
    """Rewrites that keep negations and "don't know" from reading as a change (or as "none")."""
    t = _DONT_KNOW.sub(" ", _words(text))
    t = _MORE_OR_LESS.sub(" about ", t)
    t = _NO_MORE_THAN_USUAL.sub(" as usual ", t)
    t = _NO_MORE.sub(" none ", t)
    t = _NEGATED_CHANGE.sub(" as usual ", t)
    return t


_AS_USUAL = (r"\bsame\b", r"\busual(?:ly)?\b", r"\bnormal\s+for\s+me\b", r"\bno\s+change\b", r"\bunchanged\b",
             r"\b(?:like|as)\s+always\b", r"\bas\s+(?:before|normal)\b", r"\bstill\b")
_NONE = (r"\bnone\b", r"\bno\b", r"\bnope\b", r"\bnah\b", r"\bn\b", r"\bnothing\b", r"\bnot\s+at\s+all\b", r"\bgone\b")
_ELSEWHERE = (r"\bsomewhere\s+(?:new|else|different)\b", r"\belsewhere\b",
              r"\b(?:different|another)\s+(?:place|spot|area|part|side|leg|foot|arm|hand)\b",
              r"\bother\s+(?:foot|leg|side|arm|hand|buttock|knee|thigh)\b", r"\bboth\s+(?:legs|feet|sides|arms|hands)\b")

_NUMBNESS = (
    _Category("new_place", _compile(r"\bnew\b", r"\bmoved\b", r"\bmoving\b", r"\bnever\s+had\b", r"\bfirst\s+time\b",
                                    *_ELSEWHERE)),
    _Category("worse", _compile(r"\bworse\b", r"\bworsening\b", r"\bmore\b", r"\bstronger\b",
                                r"\bspread(?:s|ing)?\b", r"\bfurther\b", r"\bincreas\w*", r"\b(?:bigger|larger|wider)\b")),
    _Category("as_usual", _compile(*_AS_USUAL)),
    _Category("none", _compile(*_NONE, r"\bno\s+numbness\b")),
)

_WEAKNESS = (
    _Category("new", _compile(r"\bnew\b", r"\bnever\s+(?:had|felt|been)\b", r"\bfirst\s+time\b", r"\bjust\s+started\b",
                              r"\bstarted\s+(?:today|this\s+morning|yesterday|last\s+night|recently|just\s+now)\b",
                              r"\bsince\s+(?:today|this\s+morning|yesterday)\b", *_ELSEWHERE)),
    _Category("worse", _compile(r"\bworse\b", r"\bworsening\b", r"\bweaker\b", r"\bmore\b", r"\bspread(?:s|ing)?\b",
                                r"\bincreas\w*")),
    _Category("as_usual", _compile(*_AS_USUAL)),
    _Category("none", _compile(*_NONE, r"\bno\s+weakness\b", r"\bfine\b", r"\ball\s+good\b")),
)


def parse_numbness(text: str) -> Optional[str]:
    """ "none", "as_usual", "worse" or "new_place"; the most serious reading wins (new place > worse >
    as usual > none), because new or spreading numbness is what the care team must not miss."""
    return _classify(_change_text(text), _NUMBNESS)


def parse_weakness(text: str) -> Optional[str]:
    """ "none", "as_usual", "worse" or "new"; as for numbness, the most serious reading wins."""
    return _classify(_change_text(text), _WEAKNESS)


# --- sleep ------------------------------------------------------------------------------------------

_WAKE = re.compile(r"\b(?:woke|woken|waking|wakes|wake|awake|up\s+all\s+night|(?:couldn't|could\s+not|can't|cannot)"
                   r"\s+(?:get\s+(?:to\s+)?)?sleep|unable\s+to\s+sleep)\b")
_PAIN = re.compile(r"\b(?:pain\w*|hurt\w*|ache|aches|aching|sciatica|nerve|burning|throbbing|cramps?|sore)\b")
_WOKEN_BY = re.compile(r"\b(?:woke\s+me|woken\s+(?:up\s+)?by|kept\s+me\s+(?:awake|up))\b")
_NOT_BAD = re.compile(r"\bnot\s+(?:too\s+|that\s+|so\s+|all\s+that\s+)?bad(?:ly)?\b")
_NOT_GOOD = re.compile(r"\bnot\s+(?:very\s+|so\s+|too\s+|that\s+|all\s+that\s+|particularly\s+|really\s+)?"
                       r"(?:well|good|great|much|brilliant|fine|ok|okay)\b")

_SLEEP = (
    _Category("poor", _compile(r"\bbad(?:ly)?\b", r"\bpoor(?:ly)?\b", r"\brubbish\b", r"\bterribl[ey]\b", r"\bawful(?:ly)?\b",
                               r"\bhorribl[ey]\b", r"\bdreadful(?:ly)?\b", r"\bnot\s+much\b", r"\b(?:very\s+)?little\b",
                               r"\bhardly\b", r"\bbarely\b", r"\brestless\b", r"\bbroken\b", r"\bno\s+sleep\b",
                               r"\b(?:didn't|did\s+not|couldn't|could\s+not|can't|cannot)\s+(?:really\s+)?sleep\b",
                               r"\bunable\s+to\s+sleep\b", r"\bshocking\b")),
    _Category("ok", _compile(r"\bok(?:ay)?\b", r"\balright\b", r"\ball\s+right\b", r"\bso[\s-]so\b", r"\baverage\b",
                             r"\bfair(?:ly)?\b", r"\bmeh\b", r"\bcould\s+be\s+better\b", r"\bon\s+and\s+off\b",
                             r"\breasonabl[ey]\b", r"\bmixed\b", r"\bmiddling\b", r"\bdecent\b")),
    _Category("good", _compile(r"\bwell\b", r"\bgood\b", r"\bgreat\b", r"\bfine\b", r"\bfantastic\b", r"\bbrilliant\b",
                               r"\bexcellent\b", r"\blovely\b", r"\bperfect(?:ly)?\b", r"\bsoundly\b",
                               r"\blike\s+a\s+(?:log|baby)\b", r"\bslept\s+through\b", r"\bthrough\s+the\s+night\b")),
)


def parse_sleep(text: str) -> Optional[str]:
    """ "good", "ok", "poor" or "woken_by_pain"; pain at night is worth knowing, so it wins
    ("slept well but the pain woke me at 4" -> woken_by_pain)."""
    t = _DONT_KNOW.sub(" ", _words(text))
    if not t:
        return None
    waking = _WAKE.search(t) is not None
    if _WOKEN_BY.search(t) or (waking and _PAIN.search(t)):
        return "woken_by_pain"
    t = _NOT_BAD.sub(" okay ", t)
    t = _NOT_GOOD.sub(" poorly ", t)
    code = _classify(t, _SLEEP)
    if code is None and waking:
        return "poor"  # "woke up three times", cause not given
    return code


# --- leaving the diary, skipping a question ---------------------------------------------------------

_STOP = re.compile(r"(?<![\w-])(?:stop|cancel|quit|exit|abort|never\s*mind|forget\s+it|"
                   r"i\s+(?:don't|do\s+not)\s+want\s+to\s+(?:do\s+(?:this|it|the\s+diary)|continue|carry\s+on))(?![\w-])")
_STOP_AT_START = re.compile(r"^(?:please\s+|ok\s+|okay\s+)?(?:stop|cancel|quit|exit|abort|never\s*mind|forget\s+it|"
                            r"i\s+(?:don't|do\s+not)\s+want\s+to)\b")
# "stop" about the pain, not about the diary: "it doesn't stop", "make the pain stop".
_NOT_A_STOP_REQUEST = re.compile(
    r"\b(?:doesn't|does\s+not|don't|do\s+not|won't|will\s+not|can't|cannot|never|didn't|not|wouldn't)\s+(?:\w+\s+){0,2}stop$|"
    r"\b(?:make|makes|made|let|help)\s+(?:[\w']+\s+){0,2}stop$|"
    r"\b(?:pain|hurt\w*|ache\w*|aching|tingling|numbness|burning|spasms?|sciatica)\b.*\bstop$")
_MAX_STOP_WORDS = 6


def wants_to_stop(text: str) -> bool:
    """True when the message is mainly a request to leave the diary ("stop", "cancel please",
    "forget it"): short, or starting with the request. "non-stop pain" and "the pain doesn't stop"
    are symptoms, not requests, and must not end the entry."""
    t = _words(text)
    if not t:
        return False
    if not any(m.group(0) != "stop" or not _NOT_A_STOP_REQUEST.search(t[max(0, m.start() - 80):m.end()])
               for m in _STOP.finditer(t)):
        return False
    return len(t.split()) <= _MAX_STOP_WORDS or _STOP_AT_START.match(t) is not None


_FILLER = re.compile(r"\b(?:thanks|thank\s+you|thx|ta|please|today|for\s+now|that's\s+all|thats\s+all|really|"
                     r"at\s+all|i\s+think|so\s+far|and)\b")
_SKIP_WORD = (r"(?:skip(?:\s+(?:it|this(?:\s+one)?|that|question))?|pass|n/?a|not\s+applicable|-+|"
              r"(?:no|nothing|none|nope|nah|nil)(?:\s+(?:else|more|new|to\s+add|to\s+report|to\s+say|here|extra|other|"
              r"changes?|notes?|side\s+effects?|medicines?|medications?|meds|tablets?|comments?))*)")
_SKIP = re.compile(rf"{_SKIP_WORD}(?:\s+{_SKIP_WORD})*")


def skip_answer(text: str) -> bool:
    """True when an optional free-text answer says there is nothing to record ("none", "skip", "n/a",
    "nothing else, thanks"); an answer with any content ("no, but I felt dizzy") is kept as text."""
    t = " ".join(_FILLER.sub(" ", _words(text)).split())
    return bool(t) and _SKIP.fullmatch(t) is not None


# --- the last question: save the summary, or cancel it -------------------------------------------

_SAVE_WORDS = {"save", "yes", "y", "yes please", "ok", "okay", "yep", "correct", "that's right", "save it"}
_CANCEL_WORDS = {"cancel", "no", "don't save", "dont save", "discard", "delete"}


def parse_confirm(text: str) -> Optional[str]:
    """"save", "cancel" or None for the answer to "shall I save this entry?"."""
    t = (text or "").strip().lower()
    if t in _SAVE_WORDS:
        return "save"
    if t in _CANCEL_WORDS or wants_to_stop(t):
        return "cancel"
    return None
