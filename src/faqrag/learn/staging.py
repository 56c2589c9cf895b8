"""Apply reviews safely: build the next index beside the live one, show what
got better and worse on every labelled set of this corpus, swap only when told.

The staged index is a copy of the live one rebuilt in place, so only the views
the reviews added are embedded. It is judged, with the live index, on each set
in ``eval/sets.json`` whose corpus is this corpus, and on the reviewed set
itself; ``swap_in`` then replaces the live folder whole (swap.py), or
``discard`` drops the staged one. There is one staged folder per index, and a
second tab or a build may replace or remove it: both act only on the staged
index they were given (its manifest's fingerprint), under the build lock.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from faqrag.engine import Engine
from faqrag.errors import FaqragError
from faqrag.evaluation.metrics import figures, outcome
from faqrag.evaluation.questions import load_questions
from faqrag.evaluation.run import answer_all
from faqrag.files import confine
from faqrag.index.build import BuildSummary, build_index, build_lock, staged_path
from faqrag.index.manifest import MANIFEST
from faqrag.index.store import load_index
from faqrag.index.swap import remove_folder, replace_folder
from faqrag.limits import MAX_MANIFEST_BYTES, read_bytes_capped, read_json, shown
from faqrag.models.embedder import Embedder
from faqrag.settings import Settings
from faqrag.text import truncate

SHOWN_CHANGES = 8  # questions named per "better" or "worse" line of the report


@dataclass(frozen=True)
class Trial:
    """One labelled set answered by the live and the staged index."""

    name: str
    questions: int
    before: dict[str, float | None]
    after: dict[str, float | None]
    better: tuple[str, ...]  # question ids answered right only now
    worse: tuple[str, ...]  # question ids answered right only before
    asked: dict[str, str] = field(default_factory=dict)  # the question of each id in better and worse


@dataclass(frozen=True)
class Staged:
    folder: Path
    summary: BuildSummary
    trials: tuple[Trial, ...]
    fingerprint: str  # of the staged manifest: the index these trials judged, and the one to swap in


def staging_folder(index_dir: Path) -> Path:
    return staged_path(index_dir)


def labelled_sets(corpus_dir: Path, sets_path: Path | None, reviewed_path: Path | None) -> list[tuple[str, Path]]:
    """The labelled sets of this corpus: from the registry (paths relative to
    the folder holding the registry's folder, as eval/sets.json is), and the
    reviewed set."""
    out = []
    if sets_path is not None and (sets_path.is_file() or sets_path.is_symlink()):
        root = sets_path.absolute().parent.parent
        confine(sets_path, sets_path.parent)
        try:
            registry = read_json(sets_path)
            entries = [(_text(s["name"]), root / _text(s["corpus"]), root / _text(s["questions"])) for s in registry]
            # A set's files are the project's own: one named outside it ("../../etc/...") is not read.
            out += [(name, confine(q, root)) for name, c, q in entries if c.resolve() == corpus_dir.resolve()]
        except OSError as err:
            raise FaqragError(f"{sets_path}: cannot be read ({err.strerror}); check it") from None
        except (ValueError, KeyError, TypeError) as err:  # ValueError: not JSON, over the limit, a NUL in a path
            raise FaqragError(f"{sets_path}: not a list of sets with name, corpus, questions ({err}); fix it") from None
    if reviewed_path is not None and reviewed_path.is_file() and reviewed_path.stat().st_size:
        out.append(("reviewed", confine(reviewed_path, reviewed_path.parent)))
    return out


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{shown(value)} is not a string")
    return value


def stage(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    *,
    sets_path: Path | None = None,
    reviewed_path: Path | None = None,
    settings: Settings | None = None,
    log: Callable[[str], None] = lambda _m: None,
) -> Staged:
    folder = staging_folder(index_dir)
    # The live index's build lock: a review apply and a rebuild of the same index never overlap.
    with build_lock(index_dir, wait=False):
        remove_folder(folder)  # a staged build nobody confirmed (or a link or file in its place)
        if (index_dir / MANIFEST).exists():
            shutil.copytree(index_dir, folder)  # so the rebuild reuses every vector it can
        summary = build_index(corpus_dir, folder, embedder, log=log)
        # Read under the lock: once it is let go another apply may stage over this one.
        fingerprint, stored = _fingerprint(folder), load_index(folder)
    live = Engine(load_index(index_dir), embedder, settings) if (index_dir / MANIFEST).exists() else None
    staged = Engine(stored, embedder, settings)
    trials = []
    for name, path in labelled_sets(corpus_dir, sets_path, reviewed_path):
        log(f"checking {name}")
        questions = load_questions(path)
        after = answer_all(staged, questions)
        before = answer_all(live, questions) if live else []
        was = {r["id"]: outcome(r) for r in before}
        now = {r["id"]: outcome(r) for r in after}
        better = tuple(i for i in now if now[i] and was.get(i) is False)
        worse = tuple(i for i in now if not now[i] and was.get(i) is True)
        asked = {r["id"]: r["question"] for r in after if r["id"] in set(better) | set(worse)}
        trials.append(
            Trial(name, len(questions), figures(before) if before else {}, figures(after), better, worse, asked)
        )
    return Staged(folder, summary, tuple(trials), fingerprint)


def report(staged: Staged) -> str:
    """What the staged build did, and each labelled set live against staged, in words."""
    s = staged.summary
    built = (
        f"Built the next index beside the live one: {s.documents} document(s), {s.chunks} chunks, "
        f"{s.views} vectors ({s.embedded} embedded) in {s.seconds:.1f} s."
    )
    return "\n".join([built, *(_trial_text(t) for t in staged.trials)])


def _pct(x) -> str:
    return "\u2013" if x is None else f"{x * 100:.1f}%"


def _trial_text(t: Trial) -> str:
    """One labelled set, live against staged: each figure either side has, and what changed, by question."""

    def named(ids: tuple[str, ...]) -> str:
        shown = [f"\u201c{truncate(t.asked.get(i, i), 80)}\u201d" for i in ids[:SHOWN_CHANGES]]
        more = f" and {len(ids) - SHOWN_CHANGES} more" if len(ids) > SHOWN_CHANGES else ""
        return "; ".join(shown) + more if ids else "none"

    keys = (("answer_right", "answer right"), ("uncovered_declined", "uncovered declined"),
            ("covered_declined", "covered declined"))  # fmt: skip
    moves = [
        f"{label} {_pct(t.before.get(k))} \u2192 {_pct(t.after.get(k))}"
        for k, label in keys
        if t.before.get(k) is not None or t.after.get(k) is not None
    ]
    return f"{t.name} ({t.questions} question(s)): {'; '.join(moves)}\n  better: {named(t.better)}\n  worse: {named(t.worse)}"


def _fingerprint(folder: Path) -> str | None:
    try:
        return hashlib.sha256(read_bytes_capped(folder / MANIFEST, MAX_MANIFEST_BYTES)).hexdigest()
    except (OSError, ValueError):  # none, unreadable, over the cap or not a file: not the index shown
        return None


def swap_in(staged: Staged, index_dir: Path) -> None:
    """Replace the live index with ``staged``, whole; a FaqragError if the staged
    folder now holds another index, or none, or a build is running."""
    folder = staged.folder
    with build_lock(index_dir, wait=False):
        found = _fingerprint(folder)
        if found is None:
            raise FaqragError(f"no staged index at {folder} any more (a build removes it); apply the reviews again")
        if found != staged.fingerprint:
            raise FaqragError(
                "the staged index is not the one this page showed (reviews were applied again elsewhere); "
                "apply the reviews again"
            )

        def fill(tmp: Path) -> None:
            names = sorted(p.name for p in folder.iterdir() if p.is_file())
            for name in [n for n in names if n != MANIFEST] + [MANIFEST]:  # the manifest last: it marks a whole index
                shutil.copy2(folder / name, tmp / name)

        replace_folder(index_dir, fill, marker=MANIFEST)
        remove_folder(folder)


def discard(staged: Staged, index_dir: Path) -> None:
    """Drop ``staged``; a staged index put in its place since (another tab's) is left."""
    with build_lock(index_dir, wait=False):
        if _fingerprint(staged.folder) == staged.fingerprint:
            remove_folder(staged.folder)
