"""Bounds on what faqrag reads and does, so no input can make it hang, blow up
or print without end: corpus size, JSON nesting, embedding time, and the
characters a text may hold.

Each bound comes with a one-line error naming the fix; the numbers are far
above what a help guide and its FAQ files need.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import unicodedata
from pathlib import Path

from faqrag.errors import QuestionError

MAX_FILE_BYTES = 20 * 1024 * 1024  # one corpus file
MAX_CORPUS_FILES = 1_000  # guides and FAQ files in one corpus folder
MAX_CORPUS_BYTES = 50 * 1024 * 1024  # all of them together
# Entries looked at while listing a corpus folder: a folder holding far more
# than corpus files (a home folder, /usr) is refused quickly, not walked.
MAX_LISTED_ENTRIES = 20_000
MAX_QUESTION_FILE_BYTES = 20 * 1024 * 1024  # an evaluation question file
MAX_SETTINGS_BYTES = 1024 * 1024  # a settings file: a few hundred bytes in practice
MAX_MANIFEST_BYTES = 10 * 1024 * 1024  # a manifest: a hash per corpus file
MAX_QUESTIONS = 100_000  # questions in one evaluation run (about 10 minutes here)
MAX_K = 50  # passages one answer may list (the CLI's --k, the API's k)
# What a build produces is bounded as well as what it reads. Compressed content
# (PDF streams, the XML parts of a .docx) may expand to at most this much per
# file before it is parsed; a converted file's text is bounded as a text file is
# (MAX_FILE_BYTES, and all of them together MAX_CORPUS_BYTES).
MAX_EXPANDED_BYTES = 3 * MAX_FILE_BYTES
# A text repeated in many views or rows (a heading, a list's lead-in, a
# directory block's shared lines, a table's column name) is repeated only up to
# this long, so a long one costs its length once, not once per item. Real ones
# are a line or two (at most 280 characters in every labelled corpus).
MAX_SHARED_CHARS = 500
# A heading line longer than this is read as prose: a heading is repeated with
# everything under it, and no real heading is this long.
MAX_HEADING_CHARS = MAX_SHARED_CHARS
# Above this many texts to embed, a build measures its speed, says how long it
# will take, and goes ahead only under EMBED_SECONDS_LIMIT or when told to.
EMBED_ESTIMATE_TEXTS = 20_000
EMBED_SAMPLE_TEXTS = 256
EMBED_SECONDS_LIMIT = 15 * 60


def mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".removesuffix(".0") + " MiB"


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{math.ceil(seconds)} s"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def read_bytes_capped(path: Path, limit: int, *, regular: bool = True) -> bytes:
    """A file's bytes, read no further than ``limit``: a file pointed at something
    huge, or at an endless device (/dev/zero), is an error, not a long read.
    ``regular``: refuse anything but a plain file (a FIFO left where faqrag keeps
    a file would block the reader for good); a path a person named may be a pipe.
    Raises ValueError (over the limit, or not a file) or OSError."""
    fd = os.open(path, os.O_RDONLY | (os.O_NONBLOCK if regular else 0))
    with os.fdopen(fd, "rb") as fh:
        if regular and not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError("it is not a regular file")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"it is over {mib(limit)}")
    return data


def read_capped(path: Path, limit: int, *, regular: bool = True) -> str:
    """A small file's UTF-8 text, read as ``read_bytes_capped`` reads it.
    Raises ValueError (over the limit, or not a file), UnicodeDecodeError or OSError."""
    return read_bytes_capped(path, limit, regular=regular).decode("utf-8")


def read_json(path: Path, limit: int = MAX_SETTINGS_BYTES) -> object:
    """A JSON file faqrag keeps (a calibration, a registry of sets, a model's
    configuration), read capped and through ``loads``. Raises ValueError
    (JSONDecodeError, UnicodeDecodeError, over the limit) or OSError."""
    return loads(read_capped(path, limit))


def line_at(raw: bytes, offset: int) -> int:
    """The line (from 1) byte ``offset`` of a file is on: a torn last line, a stray NUL or
    a broken character is named by its line, as every other fault in a file is."""
    return raw.count(b"\n", 0, offset) + 1


def loads(text: str) -> object:
    """``json.loads`` that fails as a ``JSONDecodeError`` on anything a person
    has to fix, including input nested too deep for the parser (a
    RecursionError otherwise) and NaN or Infinity (not JSON, and they would
    come back out of ``ask --json`` as invalid JSON)."""

    def constant(name: str) -> object:
        raise json.JSONDecodeError(f"{name} is not a number JSON allows", text, 0)

    try:
        return json.loads(text, parse_constant=constant)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None
    except ValueError as err:  # an integer of more than 4,300 digits
        raise json.JSONDecodeError(str(err).split(";")[0], text, 0) from None


def shown(value: object, limit: int = 60) -> str:
    """A value from a user's file, as a message can quote it: repr, cut short."""
    try:
        text = repr(value)
    except ValueError:  # an int too long to print
        text = f"a {type(value).__name__} too long to show"
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def dumps(obj: object, **kw) -> str:
    """JSON out: never NaN or Infinity (a ValueError is a bug, not output)."""
    return json.dumps(obj, ensure_ascii=False, allow_nan=False, **kw)


# Control characters other than tab, line breaks and form feeds: NUL, BEL,
# ESC, backspace, the separators U+001C-U+001F, DEL and the C1 block. They are
# never meant in text a person reads, and some break lines or terminals.
CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")


def bad_character(text: str) -> str | None:
    """The first character that has no place in text a person wrote, described
    for a message: a control character (see CONTROL) or a lone surrogate
    (undecodable bytes from a command line, or a JSON escape such as \\ud800,
    which no tokenizer can encode)."""
    m = CONTROL.search(text)
    surrogate = next((ch for ch in text if unicodedata.category(ch) == "Cs"), None)
    if surrogate is not None:
        return f"an invalid character (lone surrogate U+{ord(surrogate):04X}, not UTF-8 text)"
    if m:
        return f"a control character (U+{ord(m.group(0)):04X})"
    return None


def check_question(question: str, settings) -> str:
    """The question, stripped, or a QuestionError saying what to change.
    (``settings``: a ``Settings``, for its ``max_question_chars``.) Here, with
    the other bounds, so a command checks a question before importing the engine."""
    q = question.strip() if isinstance(question, str) else ""
    if len(q) > settings.max_question_chars:  # before any scan of a huge question
        raise QuestionError(
            f"the question is {len(q):,} characters long; the limit is {settings.max_question_chars:,}, shorten it"
        )
    if all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in q):  # zero-width characters are nothing too
        raise QuestionError("the question is empty; type a question")
    bad = bad_character(q)
    if bad:
        raise QuestionError(f"the question contains {bad}; remove it")
    return " ".join(q.split())
