"""Text clean-up for articles scraped from the park news site and its mirrors.

Mirror copies of an article differ from the original in ways that are noise
for us: Traditional characters instead of Simplified ones, pinyin glosses
such as ``園區(qū)`` after some characters, ASCII ``,`` and ``:`` in place of
full-width punctuation, non-breaking-space indentation and, on some pages,
UTF-8 that was decoded with a Western code page.  The functions here undo
that so that stored text is clean and copies of one article can be matched.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

import ftfy
import opencc

__all__ = [
    "SCRIPTS",
    "decode_repair",
    "fingerprint",
    "fix_mojibake",
    "needs_no_repair",
    "normalise_whitespace",
    "repair",
    "restore_punctuation",
    "strip_glosses",
    "to_simplified",
]

SCRIPTS = ("zh-hans", "keep")

# Han characters: CJK Unified Ideographs, Extension A, Extensions B-I,
# and both blocks of compatibility ideographs.
_HAN = (
    "\u3400-\u4dbf"
    "\u4e00-\u9fff"
    "\uf900-\ufaff"
    "\U00020000-\U0002a6df"
    "\U0002a700-\U0002ee5f"
    "\U0002f800-\U0002fa1f"
    "\U00030000-\U000323af"
)

# --------------------------------------------------------------------------
# Mojibake

# Defaults of ftfy that would damage Chinese text are switched off: it would
# turn ，。：（） into ASCII, straighten “” and ‘’, and decode entities that
# the HTML parser has already decoded (so a literal "&amp;" in an article
# would lose its meaning).  NFC stays: it only composes, it never folds
# full-width or compatibility forms the way NFKC does.
_FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    fix_character_width=False,
    uncurl_quotes=False,
    normalization="NFC",
    explain=False,
)

# Characters that cannot take part in mojibake and that ftfy leaves alone.
# ftfy costs 0.6-0.9 ms per 5 KB of Chinese even when there is nothing to
# fix, and it runs on every field of every page, so clean text skips it
# (the check takes about 5 µs).
#
# Why this is safe: mojibake of UTF-8 is a multi-byte sequence (one lead byte
# 0xC2-0xF4, one to three continuation bytes 0x80-0xBF) read through a
# single-byte code page.  For every code page ftfy can undo (latin-1,
# windows-125x, iso-8859-2, MacRoman, cp437) either all the lead bytes or all
# the continuation bytes turn into characters outside this set: Latin-1
# letters, Latin Extended, Greek, Cyrillic, box drawing, maths symbols.  So
# text made only of these characters contains no mojibake; it also has no
# control characters but tab and \n, no \r, ligatures, surrogates or
# characters that NFC would change, so ftfy would return it unchanged.
# tests/test_text.py checks both claims against ftfy itself.
_MOJIBAKE_FREE = re.compile(
    "["
    "\t\n\x20-\x7e"
    "\xa0\xb7"  # no-break space, middle dot (马克·吐温)
    "\u2013\u2014\u2018\u2019\u201c\u201d\u2026"  # – — ‘ ’ “ ” …
    "\u3000-\u3029\u3030-\u303f"  # CJK punctuation minus the combining marks
    "\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002a6df"
    "\uff01-\uff5e\uffe0-\uffe6"  # full-width forms
    "]*"
)


# Indentation at the start of a line.  ftfy judges a line as a whole, and a
# leading no-break space makes "\xa0\xa0å›\xadåŒº" fail to re-encode as valid
# UTF-8, so the mojibake after it is left (half) unrepaired.  Leading blanks
# cannot belong to a mojibake sequence (nothing before them could be its lead
# byte), so ftfy only sees what follows them.  Trailing blanks stay: a final
# "\xa0" may be the last byte of a character ("加" reads as "åŠ\xa0").
_INDENT = re.compile("^([ \t\xa0\u3000]+)", re.MULTILINE)


def fix_mojibake(text: str) -> str:
    """Repair UTF-8 that was decoded as a Western code page (``å›\\xadåŒº``).

    Some pages are served with a wrong charset, and that damage is only
    visible after decoding.
    """
    if _MOJIBAKE_FREE.fullmatch(text):
        return text
    # ftfy cuts lines at \n only and turns \r into \n afterwards, so text
    # with old Mac line breaks would be judged as one long line by this call
    # and line by line by the next.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # split() with a capturing group puts the indents at odd indexes.
    parts = _INDENT.split(text)
    parts[::2] = [ftfy.fix_text(part, _FTFY_CONFIG) for part in parts[::2]]
    return "".join(parts)


_DECODE_NOISE = re.compile("[\x00\u200b-\u200d\u2060\ufeff]")

#: Text that ``decode_repair`` would return unchanged (checked by one regex, in C).
needs_no_repair = _MOJIBAKE_FREE.fullmatch


def decode_repair(text: str) -> str:
    """Undo what decoding did to a piece of page text: mojibake, NUL and
    zero-width characters, soft hyphens; NFC.

    This is what a page's text needs before any label can be read from it,
    so ``parknews.pages.document`` runs it on every line; the rest of the
    clean-up (glosses, script, punctuation, whitespace) is the item loader's.
    Zero-width characters go first, so the patterns that run later see what
    is really adjacent; the soft hyphen waits until after ftfy, as it is
    also byte 0xAD of mojibake (园 = E5 9B AD reads as "å›\xad").
    """
    if _MOJIBAKE_FREE.fullmatch(text):
        return text
    return fix_mojibake(_DECODE_NOISE.sub("", text)).replace("\xad", "")


# --------------------------------------------------------------------------
# Pinyin glosses

_COMBINING_TONE = "\u0300\u0301\u0304\u030c"  # grave, acute, macron, caron
_TONED_VOWEL = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜếề"
# Letters that only occur in pinyin: tone-marked vowels and nasals, and ü.
_MARKED = rf"(?:[{_TONED_VOWEL}üńňǹḿ]|[aeiouüvêmn][{_COMBINING_TONE}])"
_VOWEL = rf"(?:[aeiouüvê][{_COMBINING_TONE}]?|[{_TONED_VOWEL}])"
_SYLLABLE = (
    rf"(?:(?:[zcs]h|[bpmfdtnlgkhjqxrzcsyw])?{_VOWEL}{{1,4}}(?:ng|n|r)?"
    rf"|h?[mnḿńňǹ][{_COMBINING_TONE}]?g?)"
)
_GLOSS = rf"[(（](?=(?:[^\W\d_]|[{_COMBINING_TONE}])*?{_MARKED}){_SYLLABLE}[)）]"
# One gloss or several in a row, straight after a Han character.  Taking the
# whole run at once keeps the function idempotent: removing only the first
# gloss of ``區(qū)(qū)`` would leave a new Han+gloss pair for the next call.
# The pattern starts with the parenthesis and looks back for the Han
# character from there, so the regex engine can skip ahead to the next
# parenthesis instead of trying a match at every character (4x faster on
# text without glosses).
_GLOSSES = re.compile(
    rf"[(（](?<=[{_HAN}][(（])(?=(?:[^\W\d_]|[{_COMBINING_TONE}])*?{_MARKED})"
    rf"{_SYLLABLE}[)）](?:{_GLOSS})*",
    re.IGNORECASE,
)


def strip_glosses(text: str) -> str:
    """Remove the pinyin the mirror inserts after characters (``園區(qū)``).

    Only a single toned syllable right after a Han character counts: real
    parentheses (``(高新区)``, ``(2020)``, ``(de)``) are part of the article.
    """
    return _GLOSSES.sub("", text)


# --------------------------------------------------------------------------
# Punctuation

_CLOSING = "”’」』）》】〕〗〉"
_OPENING = "“‘「『《【〔〖〈（"
# Starts with the mark itself and looks back from there, like _GLOSSES.
_ASCII_PUNCT = re.compile(rf"[,:;!?](?<=[{_HAN}{_CLOSING}][,:;!?])(?=[{_HAN}0-9０-９{_OPENING}])")
_FULL_WIDTH = str.maketrans(",:;!?", "，：；！？")


def restore_punctuation(text: str) -> str:
    """Give back the full-width ，：；！？ that the mirror flattened to ASCII.

    Only marks wedged between Chinese text are touched, so numbers
    (``1,000``, ``10:30``), Latin text and URLs keep their ASCII punctuation.
    """
    return _ASCII_PUNCT.sub(lambda m: m.group().translate(_FULL_WIDTH), text)


# --------------------------------------------------------------------------
# Script

# OpenCC converts whatever the UTF-8 encoder accepts; lone surrogates (which
# can reach us from broken JSON or HTML) would make it raise, so they are
# passed through untouched.
_SURROGATES = re.compile("([\ud800-\udfff]+)")

# t2s is not idempotent on a few inputs: its dictionaries map some characters
# to another Traditional form rather than straight to the Simplified one
# (薴 -> 苧, and 苧 -> 苎 on the next call).  Converting until nothing changes
# fixes that; a Simplified input converts to itself on the first pass, so
# the extra pass only costs anything on Traditional text.
_MAX_CONVERSIONS = 4


@functools.cache
def _converter(config: str = "t2s") -> opencc.OpenCC:
    # Loading the dictionaries is the expensive part, so it happens once and
    # only in processes that convert anything.  "t2s" and "t2s.json" both
    # resolve to the bundled t2s.json in opencc 1.4.
    return opencc.OpenCC(config)


def _convert(text: str, config: str = "t2s") -> str:
    if text.isascii():
        return text
    convert = _converter(config).convert
    parts = _SURROGATES.split(text)
    # split() with a capturing group puts the surrogate runs at odd indexes.
    parts[::2] = [convert(part) if part else part for part in parts[::2]]
    return "".join(parts)


def to_simplified(text: str) -> str:
    """Convert Traditional characters to Simplified (OpenCC ``t2s``).

    Mirrors serve the articles in Traditional script; the site and the rest
    of the pipeline use Simplified.
    """
    for _ in range(_MAX_CONVERSIONS):
        converted = _convert(text)
        if converted == text:
            break
        text = converted
    return text


# --------------------------------------------------------------------------
# Whitespace

_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")
# Invisible characters, and the private-use code points icon fonts draw their glyphs with.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff\ue000-\uf8ff]")
_SPACES = re.compile(r"\s+")


def normalise_whitespace(text: str) -> str:
    """Collapse the page's layout whitespace into plain lines.

    The mirror indents with runs of no-break spaces and ideographic spaces
    and sprinkles zero-width characters; none of that is content.  Line
    breaks are, since they separate paragraphs, so they are kept (one per
    break, empty lines dropped) and never turned into spaces.
    """
    text = _INVISIBLE.sub("", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


# --------------------------------------------------------------------------
# Whole chain

# One pass of the chain is not always a fixed point.  ftfy is not idempotent
# itself: it removes control characters and maps C1 controls to cp1252 only
# after deciding whether a line is mojibake, so the next call may decide
# differently ("\x0f\u3000Ã " -> "\u3000Ã " -> "\u3000à ").  And later steps
# can uncover work for earlier ones: whether ftfy takes a line for mojibake
# depends on the whitespace in it ("园\xa0\xa0Ã©" stays, "园 Ã©" is fixed),
# removing a soft hyphen joins the pieces around it, removing a zero-width
# character can put a gloss or an ASCII comma next to a Han character.
# repair() therefore runs the chain until the text stops changing.  The
# common cases are handled inside one pass (zero-width characters first,
# t2s to its own fixed point), and on clean output the checking pass is
# cheap: ftfy is skipped and OpenCC only confirms.
_MAX_PASSES = 5


def _repair_once(text: str, simplify: bool) -> str:
    # Zero-width characters would go in normalise_whitespace anyway; dropping
    # them first lets the gloss and punctuation patterns see what is really
    # adjacent ("區\u200b(qū)"), so one pass is enough for such text.  The
    # soft hyphen waits until after ftfy: it is also byte 0xAD of mojibake
    # (园 = E5 9B AD reads as "å›\xad" in cp1252).
    text = fix_mojibake(_ZERO_WIDTH.sub("", text))
    text = text.replace("\xad", "")
    text = strip_glosses(text)
    if simplify:
        text = to_simplified(text)
    text = restore_punctuation(text)
    return normalise_whitespace(text)


def repair(text: str, script: str = "zh-hans") -> str:
    """Turn a scraped field, from the site or a mirror, into clean text.

    ``script="zh-hans"`` also converts to Simplified; ``"keep"`` leaves the
    script alone for fields where the original characters must survive.
    """
    if script not in SCRIPTS:
        raise ValueError(f"unknown script {script!r}; expected one of {', '.join(SCRIPTS)}")
    simplify = script == "zh-hans"
    once = _repair_once(text, simplify)
    if once == text:
        # Clean input, the usual case (and always so for the fingerprint,
        # which repairs repaired text): the checking pass would get the same
        # input again, so it would give the same output.
        return text
    text = once
    for _ in range(_MAX_PASSES - 1):
        again = _repair_once(text, simplify)
        if again == text:
            break
        text = again
    return text


# --------------------------------------------------------------------------
# Fingerprint

# Categories that carry no identity of an article: separators, controls and
# format characters (zero-width ones included), punctuation and symbols.
_NOISE_CATEGORIES = frozenset("ZCPS")

# Characters that are valid Simplified too, so t2s keeps them, but that the
# mirror writes for a different Simplified character: its 標志著 stands for
# the original's 标志着, and t2s gives 标志著.  Folding them only for the
# fingerprint merges the two spellings without touching stored text.
_VARIANT_FOLD = str.maketrans({"著": "着"})


class _DropTable(dict):
    """``str.translate`` table deleting the characters of some Unicode
    categories, filled in as characters are first seen.

    Asking ``unicodedata.category`` for every character of every body from
    a Python loop was the dearest part of a fingerprint; a translate table
    answers repeated characters (nearly all of them) from C.
    """

    def __init__(self, categories: frozenset[str]) -> None:
        super().__init__()
        self.categories = categories

    def __missing__(self, code: int) -> str | None:
        ch = chr(code)
        kept = None if unicodedata.category(ch)[0] in self.categories else ch
        self[code] = kept
        return kept


_DROP_TABLES: dict[frozenset[str], _DropTable] = {}


def _drop(text: str, categories: frozenset[str]) -> str:
    table = _DROP_TABLES.get(categories)
    if table is None:
        table = _DROP_TABLES[categories] = _DropTable(categories)
    return text.translate(table)


def _canonical(text: str, repaired: bool = False) -> str:
    # Starting from repair() makes raw and repaired input agree by
    # construction: repair is idempotent, so both reach the same text here.
    # (Running only some of its steps would not do: whether ftfy repairs a
    # piece of mojibake can depend on the whitespace around it.)
    if not repaired:
        text = repair(text)
    # NFKC so that full-width letters and parentheses, Kangxi radicals and
    # compatibility ideographs look like their ordinary forms to the gloss
    # pattern and to OpenCC.  Separators and invisible characters go before
    # the glosses, so that "區 (qū)" loses its gloss too.
    text = unicodedata.normalize("NFKC", text)
    text = _drop(text, frozenset("ZC"))
    text = strip_glosses(text)
    # Simplified -> Traditional is not one-to-one: a mirror made with phrase
    # tables writes 宁浩 as 甯浩, which converts back to 甯浩, not 宁浩. Taking
    # both copies through Traditional and back gives them the same form.
    text = _convert(_convert(to_simplified(text), "s2t"))
    text = text.translate(_VARIANT_FOLD)
    return _drop(text, _NOISE_CATEGORIES).lower()


def fingerprint(title: str, body: str, *, repaired: bool = False) -> str:
    """Identify an article independently of the copy it was scraped from.

    The mirror copy and the original, raw or already repaired, reduce to the
    same letters, digits and Simplified characters, so duplicates can be
    recognised by equal fingerprints. ``repaired=True`` says the text already
    is ``repair()``'s output (as the pipeline's is): repair is idempotent, so
    running it again would only cost time.
    """
    digest = hashlib.blake2b(digest_size=20)
    # _canonical drops control characters (and lone surrogates, category Cs),
    # so NUL cannot occur in its output and keeps ("ab", "c") apart from
    # ("a", "bc").
    digest.update(_canonical(title, repaired).encode("utf-8"))
    digest.update(b"\x00")
    digest.update(_canonical(body, repaired).encode("utf-8"))
    return digest.hexdigest()
