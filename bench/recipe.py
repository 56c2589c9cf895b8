"""The usual recipe as a quality baseline, side by side with faqrag on the dev questions.

The recipe: split each guide into 1,000-character chunks with 200 overlap by
recursive character splitting (separators "\\n\\n", "\\n", " ", ""; the algorithm
of LangChain's RecursiveCharacterTextSplitter with its defaults, written out
here), embed them with the same model, FAISS IndexFlatIP, top 5. Its "answer"
is the first chunk. faqrag is measured through faqrag.evaluation on a fresh index.

    .venv/bin/python bench/recipe.py
"""

from __future__ import annotations

import re
import statistics

from common import CORPUS, DEV, fresh_index, load

SIZE, OVERLAP, SEPARATORS = 1000, 200, ["\n\n", "\n", " ", ""]


def split(text: str, separators: list[str] = SEPARATORS) -> list[str]:
    """Split on the first separator present; pieces still too long recurse with the next ones."""
    sep, rest = separators[-1], []
    for i, s in enumerate(separators):
        if s == "" or s in text:
            sep, rest = s, separators[i + 1 :]
            break
    if sep:  # keep each separator at the start of the piece after it, as LangChain does
        parts = re.split(f"({re.escape(sep)})", text)
        pieces = [parts[0]] + [parts[i] + parts[i + 1] for i in range(1, len(parts) - 1, 2)]
    else:
        pieces = list(text)
    out, good = [], []
    for p in filter(None, pieces):
        if len(p) < SIZE:
            good.append(p)
            continue
        if good:
            out += merge(good)
            good = []
        out += split(p, rest) if rest else [p]
    return out + (merge(good) if good else [])


def merge(pieces: list[str]) -> list[str]:
    """Join small pieces into chunks of at most SIZE, each starting with up to OVERLAP of the last."""
    docs, current, total = [], [], 0
    for p in pieces:
        if total + len(p) > SIZE and current:
            docs.append("".join(current).strip())
            while total > OVERLAP or (total + len(p) > SIZE and total > 0):
                total -= len(current.pop(0))
        current.append(p)
        total += len(p)
    docs.append("".join(current).strip())
    return [d for d in docs if d]


def main() -> None:
    print(f"start: {load()}")
    import faiss

    from faqrag.engine import Engine
    from faqrag.evaluation.metrics import judge, summarize
    from faqrag.evaluation.questions import load_questions
    from faqrag.models.torch_embedder import SentenceTransformerEmbedder
    from faqrag.text import contains

    questions = load_questions(DEV)
    embedder = SentenceTransformerEmbedder()
    chunks = [
        c for f in sorted(CORPUS.glob("*.txt")) + sorted(CORPUS.glob("*.md")) for c in split(f.read_text("utf-8"))
    ]
    index = faiss.IndexFlatIP(embedder.dimension())
    index.add(embedder.encode(chunks))
    _, top = index.search(embedder.encode([q.question for q in questions]), 5)
    covered = [(q, row) for q, row in zip(questions, top) if q.covered]
    first = sum(any(contains(chunks[row[0]], a) for a in q.answers) for q, row in covered) / len(covered)
    top5 = sum(any(contains(chunks[i], a) for i in row for a in q.answers) for q, row in covered) / len(covered)
    first_len = statistics.median(len(chunks[row[0]]) for row in top)

    ix, _ = fresh_index(embedder=embedder)
    engine = Engine.open(ix, embedder=embedder)
    results = [judge(q, r.to_dict()) for q, r in zip(questions, engine.ask_many([q.question for q in questions]))]
    s = summarize(results, 1.0)

    lengths = [len(c) for c in chunks]
    print(
        f"recipe: {len(chunks)} chunks, {min(lengths)}-{max(lengths)} chars; {len(questions)} dev questions "
        f"({len(covered)} covered)"
    )
    print(f"{'':36}{'recipe':>10}{'faqrag':>10}")
    rows = [
        ("gold in the answer (covered)", f"{first:.1%}", f"{s['answer_right']:.1%}"),
        ("gold in the top 5 (covered)", f"{top5:.1%}", f"{s['hit@5']:.1%}"),
        ("declines uncovered questions", "0.0%", f"{s['uncovered_declined']:.1%}"),
        ("declines covered questions", "0.0%", f"{s['covered_declined']:.1%}"),
        ("median answer length, chars", f"{first_len:.0f}", f"{s['median_answer_chars']:.0f}"),
    ]
    for name, a, b in rows:
        print(f"{name:36}{a:>10}{b:>10}")
    print(f"end: {load()}")


if __name__ == "__main__":
    main()
