"""Display names as a room shows them: what shows nothing goes, every script stays."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizcore.names import MAX_MARKS, clean_name
from quizcore.session import name_key


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("Alice", "Alice"),
        ("  Ana   Maria ", "Ana Maria"),
        ("Al\u200bice", "Alice"),  # a zero-width space inside
        ("Alice\U000e0041\U000e0042", "Alice"),  # tag characters after it
        ("\u202eecilA", "ecilA"),  # a right-to-left override
        ("Bob\u2066\u2069\u200e\u00ad", "Bob"),  # isolates, a mark, a soft hyphen
        ("Zoe\u0308", "Zoë"),  # composed, not dropped
        ("Ana\u3164Bel", "AnaBel"),  # a Hangul filler
        ("\u0301Ana", "Ana"),  # a mark with nothing to sit on
        ("Ana\u2028Bel", "Ana Bel"),  # a line separator is a space
        ("Ana\tBel\u3000Cy", "Ana Bel Cy"),
    ],
)
def test_what_shows_nothing_goes(typed: str, shown: str) -> None:
    assert clean_name(typed) == shown


@pytest.mark.parametrize(
    "name",
    [
        "李雷",
        "محمد علي",  # right to left: letters kept, screens isolate them
        "ישראל",
        "สมชาย",  # Thai: a consonant with a vowel and a tone mark
        "नमस्ते",  # Devanagari: a virama between letters
        "Nguyễn Thị",
        "👩\u200d💻 Ana",  # a profession: the joiner stays
        "👨\u200d👩\u200d👧",  # a family
        "❤\ufe0f\u200d🔥",  # a joiner after a variation selector
        "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f Cy",  # Scotland
        "1\ufe0f\u20e3",  # a keycap: two marks
    ],
)
def test_names_in_every_script_stay_as_typed(name: str) -> None:
    assert clean_name(name) == unicodedata.normalize("NFC", name)


def test_a_joiner_between_letters_goes() -> None:
    assert clean_name("A\u200dna") == "Ana"
    assert clean_name("👩\u200dAna") == "👩Ana"


def test_tag_characters_outside_a_flag_go() -> None:
    flag_then_tags = "\U0001f3f4\U000e0067\U000e007f\U000e0041x"
    assert clean_name(flag_then_tags) == "\U0001f3f4\U000e0067\U000e007fx"


def test_stacked_marks_are_cut_to_a_few_per_letter() -> None:
    zalgo = "Z" + "\u0301\u0302\u0303\u0304\u0305\u0306" * 10 + "oe"

    cleaned = clean_name(zalgo)

    # NFC first makes "Z" and its first accent one letter, which then carries three.
    assert cleaned == "\u0179\u0302\u0303\u0304oe"
    assert sum(unicodedata.category(c) == "Mn" for c in cleaned) == MAX_MARKS


@pytest.mark.parametrize("typed", ["", "   ", "\u200b\u200b", "\u3164", "\u0301\u0302", "\u202e"])
def test_a_name_that_shows_nothing_gets_the_fallback(typed: str) -> None:
    assert clean_name(typed) == "Player"
    assert clean_name(typed, fallback="u-1") == "u-1"


def test_names_that_look_alike_claim_the_same_key() -> None:
    assert name_key("Al\u200bice") == name_key("alice") == name_key(" ALICE\u202c")


@given(st.text(max_size=60))
def test_cleaning_is_stable_and_leaves_nothing_invisible(typed: str) -> None:
    cleaned = clean_name(typed)

    assert cleaned and cleaned == cleaned.strip()
    assert clean_name(cleaned) == cleaned
    assert "  " not in cleaned
    for position, char in enumerate(cleaned):
        category = unicodedata.category(char)
        assert category not in ("Cc", "Cs"), repr(cleaned)
        if category == "Cf":  # only a joiner between emoji, or a flag's tags
            assert char == "\u200d" or 0xE0020 <= ord(char) <= 0xE007F, repr(cleaned)
        if category in ("Mn", "Me"):
            assert position > 0 and cleaned[position - 1] != " ", repr(cleaned)
