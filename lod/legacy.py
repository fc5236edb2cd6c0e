"""Vietnamese text in the legacy 8-bit encodings TCVN3 (ABC) and VNI, found and turned into Unicode.

Such text reaches us as Unicode that spells the legacy bytes as Latin-1 letters ("NguyÔn Du" for
TCVN3, "Nguyeãn Du" for VNI): valid characters, wrong text. A value is repaired only when that is
certain: every word the decoding changes was not Vietnamese before and is a Vietnamese syllable after,
and most of the value reads as Vietnamese afterwards. A value that looks encoded but cannot be repaired
for certain is left as it is and reported. The byte tables are mappings/codes/legacy-*.yaml.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from functools import cache

import yaml

from lod.mapping.codes import MAPPINGS
from lod.mapping.fields import FieldView
from lod.text import nfc

_TONES = "\u0300\u0301\u0303\u0309\u0323"
_CAPITAL_THEN_TONED = re.compile("([AĂÂEÊIOÔƠUƯY])([à-ỹ])")
_TOKENS = re.compile(r"[\s\-–]+")
_PUNCTUATION = "\"'.,:;/=()[]{}<>!?-–+*&%$#@|\\"
# Cheap first look: characters no Vietnamese, French or German text writes inside words (TCVN3), and
# a vowel followed by a VNI mark byte.
_TCVN3_HINT = re.compile(
    "[\u00a1-\u00a8\u00aa-\u00ae\u00b5-\u00b9\u00bb-\u00be\u00d7\u00de\u00f7\u00fe]|[A-Za-z][\u00a9\u00c0-\u00de]"
)
_VNI_HINT = re.compile(
    "[aeiouyAEIOUY][\u00e0-\u00e5\u00e8-\u00eb\u00ef\u00f5\u00f8-\u00fc\u00c0-\u00c5\u00c8-\u00cb\u00cf\u00d5\u00d8-\u00dc]"
    "|[\u00f1\u00d1][a-zA-Z\u00f4\u00f6\u00d4\u00d6]|[\u00f4\u00f6\u00d4\u00d6][\u00f8\u00f9\u00fb\u00f5\u00ef\u00f4\u00d4]"
)

# Vietnamese syllables, tone marks set aside: initial consonant, vowel nucleus (with its glides), final
# consonant. Nuclei that end in a glide (ai, ao, iêu …) take no final consonant; a syllable ending in
# p, t, c or ch takes the sắc or nặng tone only.
_INITIALS = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x"
_OPEN = "iêu|yêu|oai|oay|oao|oeo|uây|uôi|ươi|ươu|uyu|ai|ao|au|ay|âu|ây|eo|êu|ia|iu|oi|ôi|ơi|ua|ui|ưa|ưi|ưu|y"
_CLOSED = "uyê|iê|yê|uô|ươ|oa|oă|oe|oo|uâ|uê|uơ|uy|a|ă|â|e|ê|i|o|ô|ơ|u|ư"
_FINALS = "ng|nh|ch|c|m|n|p|t"
_SYLLABLE = re.compile(
    f"(?:{_INITIALS})?(?:(?P<open>{_OPEN})|(?P<closed>{_CLOSED})(?P<final>{_FINALS})?)"
)
_STOP_TONES = {"\u0301", "\u0323"}
_QUALITY = "ăâêôơư"


def is_syllable(word: str) -> bool:
    """True when `word` can be one Vietnamese syllable: letters of the alphabet in a possible order, one
    tone mark at most and on the vowel that carries it, in lower case, capitalised or in capitals."""
    if not (word.islower() or word.isupper() or (word[:1].isupper() and word[1:].islower())):
        return False
    letters, tone, at = _split_tone(word.lower())
    if letters is None:
        return False
    match = _SYLLABLE.fullmatch(letters)
    if not match:
        return False
    kind = "open" if match.group("open") else "closed"
    if letters.startswith("qu") and match.group(kind)[0] in "ou" and match.start(kind) == 2:
        return False  # qu carries the glide already: no "quoa"
    final = match.group("final")
    if final in ("c", "ch", "p", "t") and tone not in _STOP_TONES:
        return False
    if tone is None:
        return True
    return _tone_in_place(match.group(kind), at - match.start(kind), bool(final))


def _split_tone(word: str) -> tuple[str | None, str | None, int]:
    """The word's letters without the tone mark, the tone mark, and the letter it sits on."""
    bases: list[str] = []
    tone, at = None, -1
    for ch in unicodedata.normalize("NFD", word):
        if ch in _TONES:
            if tone is not None or not bases:
                return None, None, -1
            tone, at = ch, len(bases) - 1
        elif unicodedata.combining(ch) and bases:
            bases[-1] += ch
        else:
            bases.append(ch)
    return "".join(unicodedata.normalize("NFC", b) for b in bases), tone, at


def _tone_in_place(nucleus: str, index: int, closed: bool) -> bool:
    # On the vowel with a quality mark (the last one: ươ → ơ). In "oa", "oe", "uy" without a final
    # consonant old and new spellings differ (hoà, hòa). Otherwise a closed syllable has it on its last
    # vowel, an open one on its first, or on the middle one of three.
    marked = [i for i, ch in enumerate(nucleus) if ch in _QUALITY]
    if marked:
        return index == marked[-1]
    if len(nucleus) == 1:
        return index == 0
    if nucleus in ("oa", "oe", "uy") and not closed:
        return index in (0, 1)
    if closed:
        return index == len(nucleus) - 1
    return index == (0 if len(nucleus) == 2 else 1)


@cache
def _decoder(encoding: str) -> tuple[re.Pattern, dict[str, str]]:
    with open(MAPPINGS / "codes" / f"legacy-{encoding}.yaml", encoding="utf-8") as f:
        table = {str(v): str(k) for k, v in yaml.safe_load(f).items()}
    # longest sequences first, so that "a" + a mark is read before a lone mark
    pattern = re.compile("|".join(re.escape(s) for s in sorted(table, key=len, reverse=True) if not s.isascii()))
    return pattern, table


def decode(text: str, encoding: str) -> str:
    """`text` read as the legacy `encoding` spelt in Latin-1 letters, back to Unicode (NFC)."""
    pattern, table = _decoder(encoding)
    decoded = nfc(pattern.sub(lambda m: table[m.group()], text))
    # TCVN3 has no capital with a tone: some write the capital, then the small letter with its tone
    return _CAPITAL_THEN_TONED.sub(_capital, decoded) if encoding == "tcvn3" else decoded


def _capital(match: re.Match) -> str:
    capital, toned = match.group(1), match.group(2)
    base = unicodedata.normalize("NFD", toned)
    return unicodedata.normalize("NFC", capital + base[1:]) if base[0] == capital.lower() else match.group()


def looks_legacy(text: str) -> list[str]:
    """The encodings whose tell-tale characters `text` shows."""
    return [name for name, hint in (("tcvn3", _TCVN3_HINT), ("vni", _VNI_HINT)) if hint.search(text)]


def repair(text: str, encoding: str | None = None) -> tuple[str, str | None, bool]:
    """(text, encoding, certain): the Unicode text when `text` is certainly TCVN3 or VNI, else `text`.

    `encoding` names the encoding the text seems to be in (None when it seems to be in none); `certain`
    says whether the returned text is the repair. Given an `encoding` (the record's other values are
    certainly in it), only that one is tried, and without the first look for tell-tale characters.
    """
    if text.isascii():
        return text, None, False
    tried = [encoding] if encoding else looks_legacy(text)
    candidates = []
    for name in tried:
        decoded = decode(text, name)
        verdict = _judge(text, decoded, alone=encoding is None)
        if verdict is not None:
            candidates.append((verdict, name, decoded))
    certain = [(name, decoded) for verdict, name, decoded in candidates if verdict]
    if len(certain) == 1:
        return certain[0][1], certain[0][0], True
    if candidates:
        return text, candidates[0][1], False
    return text, None, False


def _judge(before: str, after: str, alone: bool = True) -> bool | None:
    """True: a certain repair; False: words read as Vietnamese only after decoding, but not enough of
    them; None: no sign of a legacy encoding. A value `alone` needs two such words; a value of a record
    known to be in the encoding, one."""
    if after == before:
        return None
    pairs = [(o, n) for o, n in zip(_words(before), _words(after), strict=True) if o and not o.isdigit()]
    changed = [(o, n) for o, n in pairs if o != n]
    # a one-letter word is weak evidence: a symbol alone ("(©)") decodes to one too ("(â)")
    gained = sum(1 for o, n in changed if len(n) > 1 and is_syllable(n) and not is_syllable(o))
    # Some legacy words are Vietnamese words already ("mét" is TCVN3 for "một") and some are foreign
    # names ("Lªnin"): most changed words must turn Vietnamese, and nearly all must end up Vietnamese.
    if gained < (2 if alone else 1) or gained * 2 < len(changed):
        return None
    foreign = sum(1 for _, n in changed if not is_syllable(n))
    if foreign * 4 > gained:
        return False
    # alone, most of the value must read as Vietnamese; in a record known to be in the encoding, codes
    # and names beside the repaired words ("Bộ TK TVQG") may stay as they are
    return not alone or sum(1 for _, n in pairs if is_syllable(n)) * 2 >= len(pairs)


def _words(text: str) -> list[str]:
    # split at spaces and hyphens only: legacy bytes read as Latin-1 are often symbols ("Ng«i"), not letters
    return [token.strip(_PUNCTUATION) for token in _TOKENS.split(text)]


def repair_fields(fields: dict[str, list[FieldView]]) -> list[str]:
    """Repair legacy-encoded values in place; returns notes on what was repaired or suspected.

    A record is written in one encoding: once some value is certainly in it, every other value of the
    record is tried in that encoding too (short values often hold no tell-tale character).
    """
    found = _record_encoding(fields)
    notes: list[str] = []
    for tag, views in fields.items():
        for i, view in enumerate(views):
            if view.is_control or all(v.isascii() for _, v in view.subfields):
                continue
            subfields = []
            for code, value in view.subfields:
                fixed, encoding, certain = repair(value, found)
                where = f"{view.source or tag} ${code}"
                if encoding and certain:
                    notes.append(f"{where}: {encoding.upper()} text repaired: {value!r} → {fixed!r}")
                elif encoding:
                    notes.append(f"{where}: looks like {encoding.upper()}, left as it is: {value!r}")
                subfields.append((code, fixed))
            if tuple(subfields) != view.subfields:
                views[i] = replace(view, subfields=tuple(subfields))
    return notes


def _record_encoding(fields: dict[str, list[FieldView]]) -> str | None:
    """The one legacy encoding some value of the record is certainly in, if there is one."""
    seen = set()
    for views in fields.values():
        for view in views:
            for _, value in view.subfields:
                _, encoding, certain = repair(value)
                if certain:
                    seen.add(encoding)
    return seen.pop() if len(seen) == 1 else None
