"""Text helpers shared by parsing, lexical search and answer extraction.

Normalisation, sentence splitting and the BM25 tokenizer live together because
they must agree: what the gold matcher, the tokenizer and the sentence splitter
see as "the same text" has to be the same.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
_QUOTES = {ord("\u2018"): "'", ord("\u2019"): "'", ord("\u201c"): '"', ord("\u201d"): '"'}


def normalize(text: str) -> str:
    """Fold case, curly quotes, dashes and runs of white space."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES).translate(_QUOTES)
    return re.sub(r"\s+", " ", text).strip().lower()


def contains(haystack: str, needle: str) -> bool:
    """Whether ``needle`` occurs in ``haystack`` once both are normalised."""
    return normalize(needle) in normalize(haystack)


# Abbreviations whose full stop does not end a sentence: single letters and
# letter-dot runs ("a.m.", "U.S.", "e.g."), plus common titles.
_ABBREV = re.compile(r"(?:\b(?:[A-Za-z]\.){1,3}|\b(?:Mr|Mrs|Ms|Dr|St|vs|etc|No|approx|Inc|Ltd|Co)\.)$")
_ABBREV_SPAN = 9  # characters before the stop that _ABBREV can need: its longest match, plus one for its \b
# A stop, then space, then what can start a sentence: anything but a lower-case
# ASCII letter (capitals, digits and letters of other scripts all count).
_BOUNDARY = re.compile(r"[.!?]['\")\u201d\u2019]*\s+(?=[\"'\u201c\u2018(]?[^\W_a-z])")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of ``text``, end exclusive, stripped."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        # An abbreviation is at most 7 characters ("approx."), so its test needs only
        # the end of the sentence so far: slicing all of it from the last break
        # made a run of abbreviations quadratic.
        head = text[max(start, m.start() - _ABBREV_SPAN) : m.start() + 1]
        if _ABBREV.search(head):
            continue
        spans.append((start, m.start() + len(m.group(0).rstrip())))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


STOPWORDS = frozenset(
    """a an and are as at be been being but by can could did do does doing for from had has have
    having how i if in into is it its itself me my myself of on or our ours should so than that the
    their them then there these they this those to too was we were what when where which while who
    whom why will with would you your yours yourself about after again all am any because before
    between both during each few further here just more most no nor not now off once only other out
    over own same some such under until up very s t don get got please tell want need""".split()
)

_WORD = re.compile(r"[^\W_]+")  # letters and digits of any script
# Phone numbers, codes and other digit groups: indexed as one digits-only token
# too, so "555 010 1234" and "555-010-1234" meet.
_DIGITS = re.compile(r"\+?\d[\d\s().\-/]{3,}\d")


@lru_cache(maxsize=1)
def _stemmer():
    try:
        import Stemmer  # PyStemmer: small C extension, Snowball English
    except ImportError:  # pragma: no cover - declared dependency
        return None
    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Lexical tokens: stemmed words without stop-words, plus digit groups."""
    norm = normalize(text)
    words = [w for w in _WORD.findall(norm) if w not in STOPWORDS]
    stem = _stemmer()
    tokens = stem.stemWords(words) if stem else words
    for m in _DIGITS.finditer(norm):
        digits = re.sub(r"\D", "", m.group(0))
        if len(digits) >= 5:
            tokens.append(digits)
    return tokens


def names_in(question: str) -> list[str]:
    """Names, codes and numbers a question mentions ("Northville", "UK", "iOS", "5pm").

    They are its most specific constraints: an answer that mentions none of
    them is probably about something else. A word counts if it holds a digit
    or a capital after its first letter, or starts with a capital where a
    plain word would not (not on a sentence's first word, not "I"); in a
    question typed in Title Case or all capitals, capitals say nothing.
    """
    words = list(_WORD.finditer(question))
    use_case = sum(m.group(0)[:1].isupper() for m in words) * 2 <= len(words)
    out = []
    for m in words:
        w = m.group(0)
        if any(ch.isdigit() for ch in w):
            out.append(w)
        elif not use_case or w == "I":
            continue
        elif any(ch.isupper() for ch in w[1:]) or (
            w[:1].isupper() and question[: m.start()].rstrip()[-1:] not in ("", ".", "?", "!", ":")
        ):
            out.append(w)
    return out


# Words that make a sentence lean on the one before it: "Deleting it solves the
# problem.", "Then run the installer again.", "This is rare." Read alone, such a
# sentence answers nothing; an answer carries its antecedent with it.
_OPENERS = frozenset(
    """this that these those it its they them their then also however but so thus therefore
    otherwise instead alternatively additionally moreover furthermore afterwards afterward
    such both either same""".split()
)
_POINTERS = frozenset("it this that these those them they".split())


def leans_back(sentence: str) -> bool:
    """Whether a sentence refers to the one before it (English discourse cues)."""
    words = _WORD.findall(sentence[:80].lower())
    return bool(words) and (words[0] in _OPENERS or any(w in _POINTERS for w in words[1:3]))


def content_words(text: str) -> list[str]:
    """Words of a question that carry meaning (for coverage and highlighting)."""
    return [w for w in _WORD.findall(normalize(text)) if w not in STOPWORDS]


# An absolute path not inside a URL or a word: "/srv/app/.venv/share/faqrag/onnx/model.onnx".
# (A URL's path follows its host, a word; "https://" itself has no part between slashes.)
_PATH_START = r"(?<![\w./~-])"
_PATH_CHAR = r"[^\s/:;,'\"()\[\]]"
ABS_PATH = re.compile(rf"{_PATH_START}(?:/{_PATH_CHAR}+)+/?")


def without_paths(message: str, known: Mapping[str, str] | None = None) -> str:
    """``message`` with no absolute path in it, judged by its text alone.

    Each ``known`` folder (an absolute path -> what is shown instead; "" makes the
    paths in it read relative) is replaced, longest first; every other absolute path
    is cut to its last part, the file's name. The disk is never asked: a reply that
    differed by whether a path exists would tell a visitor which files the server has."""
    for folder in sorted(known or {}, key=len, reverse=True):
        short, bare = known[folder], folder.rstrip("/")
        if not bare.startswith("/"):
            continue  # "/" itself, or a relative path: nothing to hide, and it would match everywhere
        found = re.compile(rf"{_PATH_START}{re.escape(bare)}(?:(/)|(?!{_PATH_CHAR}))")
        message = found.sub(lambda m, s=short: (s + "/" if s else "") if m.group(1) else (s or "."), message)

    return ABS_PATH.sub(lambda m: m.group(0).rstrip("/").rsplit("/", 1)[-1] or "/", message)


def truncate(text: str, limit: int) -> str:
    """Cut at a word boundary and mark the cut, so a short answer stays readable."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "\u2026"
