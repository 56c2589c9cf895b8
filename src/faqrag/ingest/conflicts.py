"""The same FAQ question answered two ways in the corpus: a warning naming both places."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from faqrag.ingest.parse import Block
from faqrag.records import Document
from faqrag.text import normalize, truncate

MAX_CONFLICTS_SHOWN = 20  # conflicting FAQ answers named one by one; more are counted


def warn_conflicting_faqs(
    loaded: list[tuple[Document, list[Block]]], corpus_dir: Path, warn: Callable[[str], None]
) -> None:
    """The same FAQ question with two different answers: whichever ranks first
    would answer, so say where both are."""
    first: dict[str, tuple[str, Document, int]] = {}  # folded question -> (folded answer, where)

    def where(doc: Document, offset: int) -> str:
        # Only for the conflicts shown: counted for every pair, it was quadratic in the rows.
        return f"{corpus_dir / doc.doc_id}, line {doc.text.count(chr(10), 0, offset) + 1}"

    conflicts = 0
    for doc, blocks in loaded:
        for b in blocks:
            if b.kind != "faq" or not b.question:
                continue
            key, answer = normalize(b.question), normalize(b.text)
            if key not in first:
                first[key] = (answer, doc, b.span[0])
            elif first[key][0] != answer:
                conflicts += 1
                if conflicts <= MAX_CONFLICTS_SHOWN:
                    warn(
                        f"FAQ question {truncate(b.question, 80)!r} has different answers at "
                        f"{where(*first[key][1:])} and {where(doc, b.span[0])}; keep one"
                    )
    if conflicts > MAX_CONFLICTS_SHOWN:
        warn(f"and {conflicts - MAX_CONFLICTS_SHOWN:,} more FAQ questions with two different answers; keep one of each")
