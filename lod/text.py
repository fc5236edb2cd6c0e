"""Vietnamese text: Unicode NFC that repairs tone-mark order, and folding for search keys."""

from __future__ import annotations

import re
import unicodedata

# Vowel-quality marks: circumflex, breve, horn. Tone marks: grave, acute, tilde, hook above, dot below.
_QUALITY = "\u0302\u0306\u031b"
# A tone typed before the quality mark on the same vowel ("a" + acute + circumflex) is not canonically
# equivalent to "ấ", so NFC leaves "á" + a stray circumflex; put the quality mark first, then compose.
_TONE_FIRST = re.compile("([AaEeOoUu])([\u0300\u0301\u0303\u0309\u0323]+)([\u0302\u0306\u031b])")
# Combining diacritical mark blocks only: other scripts' vowel signs (also category Mn) carry letters.
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
# NFD leaves đ whole (it is a letter, not d + mark), so search keys map it by hand.
_LETTERS = str.maketrans({"đ": "d"})


def nfc(s: str) -> str:
    """NFC for Vietnamese: repair a tone mark typed before a circumflex/breve/horn, then compose."""
    if s.isascii():
        return s
    if not any(mark in s for mark in _QUALITY):
        return unicodedata.normalize("NFC", s)
    decomposed = unicodedata.normalize("NFD", s)
    return unicodedata.normalize("NFC", _TONE_FIRST.sub(r"\1\3\2", decomposed))


def needs_nfc(s: str) -> bool:
    """False when nfc(s) == s for certain; cheap, to skip value-by-value work on whole records."""
    if s.isascii():
        return False
    return not unicodedata.is_normalized("NFC", s) or any(mark in s for mark in _QUALITY)


def fold(s: str) -> str:
    """Search key: lowercase, no diacritics, đ → d ("Đà Nẵng" → "da nang")."""
    if s.isascii():
        return s.lower()
    bare = _MARKS.sub("", unicodedata.normalize("NFD", s.lower()))
    # compose again: NFD also splits Hangul syllables, which are letters, not marks
    return unicodedata.normalize("NFC", bare).translate(_LETTERS)
