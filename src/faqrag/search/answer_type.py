"""What kind of thing a question asks for, and whether a text holds one.

Classic question answering: "which number do I call" wants a text with a phone
number in it, "what is the URL" one with a web address. Dense and lexical
scores both miss this (the words "number" and "URL" rarely stand next to the
number or the URL), so a candidate that holds the expected kind of value gets a
small bonus. The cues are about forms of information (numbers, addresses,
times), never about any guide's subject.
"""

from __future__ import annotations

import re
from functools import lru_cache

_CUES: dict[str, re.Pattern[str]] = {
    "phone": re.compile(r"\b(phone|telephone|call|dial|ring|number|hotline|helpline|toll[- ]free|fax)\b", re.I),
    "url": re.compile(r"\b(url|website|web ?site|web address|link|homepage|site)\b", re.I),
    "email": re.compile(r"\b(e-?mail address|address to (e-?mail|write)|(which|what) e-?mail)\b", re.I),
    "time": re.compile(r"\b(hours|open|opens|opening|close|closes|closing|what time|when)\b", re.I),
}
# Searched in every candidate's text, so each must stay linear on long runs of
# word characters, dots and hyphens: a domain is found from the last word
# character before its last label (a start at every word of "a.b.c..." was
# quadratic), an address only from the start of a run (a start at every
# character was). Both find exactly what the old patterns found.
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.]+")
_VALUES: dict[str, re.Pattern[str]] = {
    "phone": re.compile(r"\+?\d[\d\s().\-]{5,}\d"),
    "url": re.compile(r"https?://|www\.|\w-*(?:\.-+)*\.[a-z]{2,}\b(?!\.)"),
    "email": EMAIL,
    "time": re.compile(r"\b\d{1,2}(:\d{2})?\s*(a\.?m\.?|p\.?m\.?)|\b24/7\b|\b\d{1,2}:\d{2}\b", re.I),
}
# "How many days" or "how long" want a duration or count, not a phone number.
_NOT_PHONE = re.compile(r"\bhow (many|much|long)\b|\bnumber of\b", re.I)


@lru_cache(maxsize=1)
def cue_words() -> frozenset[str]:
    """The cue words as lexical tokens (stemmed), for the coverage measure."""
    from faqrag.text import tokenize

    words = set()
    for cue in _CUES.values():
        for alt in re.findall(r"[a-z][a-z -]*", cue.pattern.replace("\\b", " ")):
            words.update(tokenize(alt))
    return frozenset(words)


def expected_types(question: str) -> frozenset[str]:
    found = {t for t, cue in _CUES.items() if cue.search(question)}
    if "phone" in found and _NOT_PHONE.search(question):
        found.discard("phone")
    return frozenset(found)


def value_kinds(text: str) -> frozenset[str]:
    """Every kind of value (phone, url, email, time) the text holds."""
    return frozenset(t for t, pattern in _VALUES.items() if pattern.search(text))


def numbers_in(text: str) -> set[str]:
    """Phone-like numbers of a text as digit strings, so formats compare equal."""
    return {d for d in (re.sub(r"\D", "", m.group(0)) for m in _VALUES["phone"].finditer(text)) if len(d) >= 7}


_YEARS = re.compile(r"(?:1[89]|20)\d\d\s*-\s*(?:1[89]|20)\d\d")  # "2021-2024" is no phone number


def quotes_contact_details(text: str) -> bool:
    """Whether a text quotes what a person might copy and use: an e-mail or web
    address, or a phone number (seven digits or more, not a span of years). The
    page asks to confirm such details before sharing anything."""
    if _VALUES["email"].search(text) or _VALUES["url"].search(text):
        return True
    phones = (m.group() for m in _VALUES["phone"].finditer(text) if not _YEARS.fullmatch(m.group()))
    return any(sum(ch.isdigit() for ch in p) >= 7 for p in phones)
