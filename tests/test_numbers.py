"""Whole numbers read from text: only plain ASCII digits that fit the databases' integers."""
from assistant.numbers import MAX_ID_DIGITS, whole_number


def test_plain_digits_are_read():
    assert whole_number("7") == 7 and whole_number(" 42 ") == 42 and whole_number("007") == 7
    assert whole_number("9" * MAX_ID_DIGITS) == int("9" * MAX_ID_DIGITS) < 2**63 - 1


def test_anything_else_is_none():
    for text in ("", "   ", None, 5, "\u00b2", "\u0663", "\uff11", "-1", "+1", "1.0", "1e3", "12abc", "9" * 19):
        assert whole_number(text) is None, repr(text)


def test_a_shorter_limit_for_page_numbers():
    assert whole_number("123456", max_digits=6) == 123456
    assert whole_number("1234567", max_digits=6) is None
