"""Display names as a room shows them.

A name is typed on a phone and shown to the whole class on a projector, so
what it may show is decided once, here, before it is claimed in a session:

- characters that show nothing are dropped: format characters (zero-width
  spaces and joiners, direction marks and overrides, the soft hyphen, tag
  characters) and the letters that render blank (Hangul fillers, the blank
  Braille pattern). "Al\u200bice" is then Alice and gets "Alice 2" instead
  of passing for her, and a right-to-left override cannot turn the rest of
  a board line around;
- a zero-width joiner between two emoji stays (a family, a profession), and
  the tag characters of a flag stay (England, Scotland, Wales);
- combining marks stack at most ``MAX_MARKS`` on one letter: "Zalgo" text
  spills over the lines above and below it; a mark with no letter to sit on
  goes;
- any run of whitespace is one space, none at either end.

Names in every script stay as they are: right-to-left names keep their
letters (screens isolate them), and the marks of Thai, Devanagari or
Vietnamese stack no higher than ``MAX_MARKS``.
"""

from __future__ import annotations

import unicodedata

# Combining marks one letter may carry (NFC leaves at most two in real
# names: a Thai vowel and tone mark; a keycap has two).
MAX_MARKS = 3
# Letters and symbols that render as nothing.
BLANK = frozenset("\u115f\u1160\u2800\u3164\uffa0")
ZWJ = "\u200d"
BLACK_FLAG = "\U0001f3f4"
TAG_FIRST, TAG_CANCEL = 0xE0020, 0xE007F
FALLBACK = "Player"


def _pictographic(char: str) -> bool:
    """Return whether ``char`` is an emoji a joiner may follow or precede."""
    code = ord(char)
    return 0x2600 <= code <= 0x27BF or 0x1F000 <= code <= 0x1FAFF or code == 0xFE0F


def clean_name(name: str, fallback: str = FALLBACK) -> str:
    """Return ``name`` as screens show it, or ``fallback`` if nothing in it shows."""
    text = unicodedata.normalize("NFC", name)
    kept: list[str] = []
    marks = 0
    in_flag = False
    for position, char in enumerate(text):
        code = ord(char)
        if TAG_FIRST <= code <= TAG_CANCEL:
            if in_flag:
                kept.append(char)
                in_flag = code != TAG_CANCEL
            continue
        in_flag = char == BLACK_FLAG
        if char == ZWJ:
            after = text[position + 1 : position + 2]
            if kept and after and _pictographic(kept[-1]) and _pictographic(after):
                kept.append(char)
            continue
        category = unicodedata.category(char)
        if category in ("Mn", "Me"):
            if kept and kept[-1] != " " and marks < MAX_MARKS:
                kept.append(char)
                marks += 1
            continue
        marks = 0
        if char.isspace() or category in ("Zl", "Zp"):
            kept.append(" ")
        elif category not in ("Cc", "Cf", "Cs") and char not in BLANK:
            kept.append(char)
    cleaned = " ".join("".join(kept).split())
    return cleaned or fallback
