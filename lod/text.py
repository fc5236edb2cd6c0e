"""Vietnamese text: Unicode NFC that repairs tone-mark order, and folding for search keys."""

from __future__ import annotations

import re
import unicodedata

# Vowel-quality marks: circumflex, breve, horn. Tone marks: grave, acute, tilde, hook above, dot below.
_QUALITY = "\u0302\u0306\u031b"
# A tone typed before the quality mark on the same vowel ("a" + acute + circumflex) is not canonically
# equivalent to "ấ", so NFC leaves "á" + a stray circumflex; put the quality mark first, then compose.
_TONE_FIRST = re.compile("([AaEeOoUu])([\u0300\u0301\u0303\u0309\u0323]+)([\u0302\u0306\u031b])")
# A tone mark cut off from its vowel by a space ("Nha ̀xuất" for "Nhà xuất", seen in converted MARC-8
# records) combines with nothing; it belongs to the vowel before the space.
_DETACHED = re.compile("([AaEeIiOoUuYy][\u0302\u0306\u031b]?) ([\u0300\u0301\u0303\u0309\u0323])(?=\\w)")
_DETACHED_HINT = re.compile(" [\u0300\u0301\u0303\u0309\u0323]")
# Combining diacritical mark blocks only: other scripts' vowel signs (also category Mn) carry letters.
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
# NFD leaves đ whole (it is a letter, not d + mark), so search keys map it by hand.
_LETTERS = str.maketrans({"đ": "d"})


def nfc(s: str) -> str:
    """NFC for Vietnamese: repair a tone mark typed before a circumflex/breve/horn or cut off from its
    vowel by a space, then compose."""
    if s.isascii():
        return s
    detached = _DETACHED_HINT.search(s) is not None
    if not detached and not any(mark in s for mark in _QUALITY):
        return unicodedata.normalize("NFC", s)
    decomposed = unicodedata.normalize("NFD", s)
    if detached:
        decomposed = _DETACHED.sub(r"\1\2 ", decomposed)
    return unicodedata.normalize("NFC", _TONE_FIRST.sub(r"\1\3\2", decomposed))


def needs_nfc(s: str) -> bool:
    """False when nfc(s) == s for certain; cheap, to skip value-by-value work on whole records."""
    if s.isascii():
        return False
    return (
        not unicodedata.is_normalized("NFC", s)
        or any(mark in s for mark in _QUALITY)
        or _DETACHED_HINT.search(s) is not None
    )


def fold(s: str) -> str:
    """Search key: lowercase, no diacritics, đ → d ("Đà Nẵng" → "da nang")."""
    if s.isascii():
        return s.lower()
    bare = _MARKS.sub("", unicodedata.normalize("NFD", s.lower()))
    # compose again: NFD also splits Hangul syllables, which are letters, not marks
    return unicodedata.normalize("NFC", bare).translate(_LETTERS)
