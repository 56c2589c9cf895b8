"""What every command shares: default folders, one-line messages, argument types."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from faqrag.limits import MAX_K

DEFAULT_CORPUS = Path("corpus")
DEFAULT_INDEX = Path("index")


def err(msg: str) -> None:
    print(f"faqrag: error: {msg}", file=sys.stderr)


def warn(msg: str) -> None:
    print(f"faqrag: warning: {msg}", file=sys.stderr)


def passages(text: str) -> int:
    """--k: how many passages, 1 to MAX_K."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 1 <= n <= MAX_K:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_K}")
    return n


def port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number (1-65535)")
    return int(text)


def count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 1 <= n <= 100_000:
        raise argparse.ArgumentTypeError("must be between 1 and 100000")
    return n


def build_command(index: Path, corpus: Path | str | None = None) -> str:
    """The ``faqrag build`` that rebuilds this index from this corpus: with --index and
    --corpus where they are not the defaults (a bare 'faqrag build' builds index/ from corpus/)."""
    parts = ["faqrag build"]
    if corpus is not None and Path(corpus).resolve() != DEFAULT_CORPUS.resolve():
        parts.append(f"--corpus {shlex.quote(shown(Path(corpus)))}")
    if Path(index).resolve() != DEFAULT_INDEX.resolve():
        parts.append(f"--index {shlex.quote(shown(Path(index)))}")
    return " ".join(parts)


def shown(path: Path) -> str:
    """A path as the user would type it here: relative to the working folder when inside it."""
    try:
        rel = str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
    return f"./{rel}" if rel.startswith("-") else rel  # "--index -idx" would read as an option
